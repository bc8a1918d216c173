package org.vostok.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.vostok.client.net.HostPort;

/**
 * Which replica of one service to try next: the known leader while it is believed alive,
 * otherwise the candidates in turn from a random start (DAOS's {@code dc_rsvc}). Hints move the
 * belief by term: a hint from an older term than the one known is ignored, a newer one adopted
 * (its replica added to the list when it is not there). NOTREPLICA removes a candidate; a
 * transport failure at the leader makes it no longer believed alive, so the next choice moves
 * on, while its term still filters stale hints; a candidate that failed to answer is skipped by
 * the turn until it answers again or every candidate has failed.
 *
 * <p>Pure: no IO, no clock; the caller reports what each attempt found. Thread-safe.
 */
public final class LeaderSearch {

    private final ArrayList<ReplicaAddress> candidates;
    private final SplittableRandom random;
    /** Index of the leader in {@link #candidates}, or -1 when none is known. */
    private int leader = -1;
    private boolean leaderAlive;
    /** The newest term a leader was learned in; hints from older terms are ignored. */
    private long leaderTerm;
    private int next;
    /**
     * Candidates that failed to answer since they last did: the turn skips them while another
     * candidate remains, so a client does not wait out a second attempt timeout at a paused
     * node while the others elect a new leader.
     */
    private final java.util.HashSet<HostPort> suspects = new java.util.HashSet<>();

    public LeaderSearch(List<ReplicaAddress> candidates, long seed) {
        this.candidates = new ArrayList<>();
        this.random = new SplittableRandom(seed);
        replace(candidates);
    }

    /** The replica to try now; empty when the list is empty. */
    public synchronized Optional<ReplicaAddress> choose() {
        if (candidates.isEmpty()) {
            return Optional.empty();
        }
        if (leader >= 0 && leaderAlive) {
            return Optional.of(candidates.get(leader));
        }
        for (int tried = 0; tried < candidates.size(); tried++) {
            ReplicaAddress r = candidates.get(next % candidates.size());
            next = (next + 1) % candidates.size();
            if (!suspects.contains(r.address())) {
                return Optional.of(r);
            }
        }
        // Every candidate failed lately: try them all again.
        suspects.clear();
        ReplicaAddress r = candidates.get(next % candidates.size());
        next = (next + 1) % candidates.size();
        return Optional.of(r);
    }

    /** {@code from} answered a request: it leads (in the hint's term, when the reply has one). */
    public synchronized void onSuccess(ReplicaAddress from, Optional<LeaderHint> hint) {
        int i = indexOf(from);
        if (i < 0) {
            return;
        }
        hint.ifPresent(h -> {
            if (h.term() > leaderTerm) {
                leaderTerm = h.term();
            }
            learnNodeId(i, h.nodeId());
        });
        leader = i;
        leaderAlive = true;
        suspects.remove(from.address());
    }

    /**
     * {@code from} does not lead. Returns true when its hint named a leader other than
     * {@code from} in a term not older than the one known: worth trying at once.
     */
    public synchronized boolean onNotLeader(ReplicaAddress from, Optional<LeaderHint> hint) {
        int i = indexOf(from);
        suspects.remove(from.address());
        if (hint.isPresent()) {
            LeaderHint h = hint.get();
            boolean newer = h.term() > leaderTerm || (h.term() == leaderTerm && leader < 0);
            if (newer) {
                int j = indexOfNode(h.nodeId());
                if (j < 0 && !h.address().isEmpty()) {
                    try {
                        ReplicaAddress named = new ReplicaAddress(h.nodeId(), HostPort.parse(h.address()));
                        j = indexOfAddress(named);
                        if (j < 0) {
                            candidates.add(named);
                            j = candidates.size() - 1;
                        } else {
                            learnNodeId(j, h.nodeId());
                        }
                    } catch (IllegalArgumentException e) {
                        j = -1;
                    }
                }
                if (j >= 0 && j != i) {
                    leader = j;
                    leaderAlive = true;
                    leaderTerm = h.term();
                    suspects.remove(candidates.get(j).address());
                    return true;
                }
            }
        }
        if (i >= 0 && i == leader) {
            leader = -1;
        }
        return false;
    }

    /** {@code from} holds no replica of the service: it leaves the list. */
    public synchronized void onNotReplica(ReplicaAddress from) {
        int i = indexOf(from);
        if (i < 0) {
            return;
        }
        candidates.remove(i);
        if (leader == i) {
            leader = -1;
        } else if (leader > i) {
            leader--;
        }
        if (next > i) {
            next--;
        }
        if (!candidates.isEmpty()) {
            next %= candidates.size();
        } else {
            next = 0;
        }
    }

    /** {@code from} could not be reached, or did not answer in time. */
    public synchronized void onUnreachable(ReplicaAddress from) {
        int i = indexOf(from);
        if (i >= 0 && i == leader) {
            leaderAlive = false;
        }
        if (i >= 0) {
            suspects.add(candidates.get(i).address());
        }
    }

    /** A connection to {@code from} found the node's id. */
    public synchronized void onNodeId(ReplicaAddress from, long nodeId) {
        int i = indexOf(from);
        if (i >= 0) {
            learnNodeId(i, nodeId);
        }
    }

    /** A fresh list (from the list source): the leader is forgotten, the term kept. */
    public synchronized void replace(List<ReplicaAddress> fresh) {
        candidates.clear();
        for (ReplicaAddress r : fresh) {
            if (indexOfAddress(r) < 0) {
                candidates.add(r);
            }
        }
        leader = -1;
        leaderAlive = false;
        suspects.clear();
        next = candidates.isEmpty() ? 0 : random.nextInt(candidates.size());
    }

    public synchronized List<ReplicaAddress> candidates() {
        return List.copyOf(candidates);
    }

    /** The leader believed alive, if any. */
    public synchronized Optional<ReplicaAddress> leader() {
        return leader >= 0 && leaderAlive ? Optional.of(candidates.get(leader)) : Optional.empty();
    }

    public synchronized long leaderTerm() {
        return leaderTerm;
    }

    public synchronized boolean isEmpty() {
        return candidates.isEmpty();
    }

    private void learnNodeId(int i, long nodeId) {
        ReplicaAddress r = candidates.get(i);
        if (r.nodeId() == 0 && nodeId > 0 && indexOfNode(nodeId) < 0) {
            candidates.set(i, new ReplicaAddress(nodeId, r.address()));
        }
    }

    private int indexOf(ReplicaAddress r) {
        int i = indexOfAddress(r);
        return i >= 0 ? i : r.nodeId() > 0 ? indexOfNode(r.nodeId()) : -1;
    }

    private int indexOfAddress(ReplicaAddress r) {
        for (int i = 0; i < candidates.size(); i++) {
            if (candidates.get(i).address().equals(r.address())) {
                return i;
            }
        }
        return -1;
    }

    private int indexOfNode(long nodeId) {
        if (nodeId <= 0) {
            return -1;
        }
        for (int i = 0; i < candidates.size(); i++) {
            if (candidates.get(i).nodeId() == nodeId) {
                return i;
            }
        }
        return -1;
    }
}
