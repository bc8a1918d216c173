package org.vostok.server.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Every leader of the benchmarked service the run saw, from two sources: each successful
 * reply (the replier leads, in the term of its hint) and each node's status (a replica whose
 * role is leader, in its term). A newer term than the one known is a leader change (a
 * re-election of the same node is one too); an older term is a stale view and is ignored; two
 * different leaders in one term would break Raft's election safety and are kept apart as
 * {@link #anomalies}.
 */
public final class LeaderLog {

    /**
     * A leader change: at {@code atNanos} ({@link System#nanoTime()}) {@code source} reported
     * node {@code toNode} leading in {@code toTerm}, after {@code fromNode} in {@code fromTerm}.
     */
    public record Change(long atNanos, long fromNode, long fromTerm, long toNode, long toTerm, String source) {
    }

    private final List<Change> changes = new ArrayList<>();
    private final List<Change> anomalies = new ArrayList<>();
    private final TreeSet<Long> terms = new TreeSet<>();
    private final Consumer<Change> onChange;
    private long node;
    private long term;

    public LeaderLog(Consumer<Change> onChange) {
        this.onChange = onChange;
    }

    /** {@code source} says node {@code nodeId} leads in {@code term}; zeros (nothing known) are ignored. */
    public void observe(long observedTerm, long nodeId, String source) {
        if (observedTerm <= 0 || nodeId <= 0) {
            return;
        }
        Change change = null;
        synchronized (this) {
            if (term == 0) {
                node = nodeId;
                term = observedTerm;
                terms.add(observedTerm);
                return;
            }
            if (observedTerm > term) {
                change = new Change(System.nanoTime(), node, term, nodeId, observedTerm, source);
                changes.add(change);
                node = nodeId;
                term = observedTerm;
                terms.add(observedTerm);
            } else if (observedTerm == term && nodeId != node) {
                anomalies.add(new Change(System.nanoTime(), node, term, nodeId, observedTerm, source));
            }
        }
        if (change != null) {
            onChange.accept(change);
        }
    }

    public synchronized long leader() {
        return node;
    }

    public synchronized long term() {
        return term;
    }

    public synchronized List<Change> changes() {
        return List.copyOf(changes);
    }

    /** Changes reported in {@code [fromNanos, toNanos]}. */
    public synchronized List<Change> changesBetween(long fromNanos, long toNanos) {
        return changes.stream().filter(c -> c.atNanos() >= fromNanos && c.atNanos() <= toNanos).toList();
    }

    public synchronized List<Change> anomalies() {
        return List.copyOf(anomalies);
    }

    /** Every term a leader was seen in, in order. */
    public synchronized List<Long> termsSeen() {
        return List.copyOf(terms);
    }
}
