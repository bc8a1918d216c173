package org.vostok.raft;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The memberships in a node's log (thesis §4.1): the one in force, the committed ones before it
 * back to the log's snapshot (for the metadata of a snapshot the host takes), and the membership
 * entries not committed yet.
 *
 * <p>When a change takes effect: on each node, when that node learns that the change's entry is
 * committed (etcd's way; the thesis applies a change when it is appended). Until then the node
 * counts votes and commits by the membership before. So the other nodes learn that a change took
 * effect only from a leader's commit index, which matters when the leader removes itself (see
 * {@link RaftNode}'s hand-off after a removal). A node's quorums before and after a single-server
 * change always overlap, so nodes that disagree for a while on which one is in force cannot elect
 * two leaders of one term or lose a committed entry.
 */
final class MembershipLog {

    private final long id;
    private final RaftLog log;
    /** The latest membership this node knows to be committed. */
    private Membership current;
    /** The committed memberships after the log's snapshot, by the index of their entry. */
    private final TreeMap<Long, Membership> history = new TreeMap<>();
    /** Indexes of membership entries in the log that are not committed yet, in order. */
    private final ArrayDeque<Long> uncommittedIndexes = new ArrayDeque<>();

    /** The memberships of {@code storage}'s snapshot and log, whose committed part {@code log} knows. */
    MembershipLog(long id, LogStorage storage, RaftLog log) {
        this.id = id;
        this.log = log;
        this.current = storage.snapshot().membership();
        history.put(storage.snapshot().index(), current);
        // Replays the membership entries of the stored log: committed ones apply, the others wait.
        for (long i = storage.firstIndex(); i <= storage.lastIndex(); i++) {
            Entry e = log.entry(i);
            if (e.type() != EntryType.MEMBERSHIP) {
                continue;
            }
            if (i <= log.committed) {
                current = apply(current, MembershipChange.decode(e.data()), e);
                history.put(i, current);
            } else {
                uncommittedIndexes.addLast(i);
            }
        }
    }

    /** The membership in force on this node now: the latest one it knows to be committed. */
    Membership current() {
        return current;
    }

    /**
     * The membership in force at log index {@code index} (at or after the storage's snapshot and
     * at or below the commit index).
     */
    Membership at(long index) {
        if (index > log.committed) {
            throw new IllegalArgumentException("index " + index + " is past the commit index " + log.committed);
        }
        Map.Entry<Long, Membership> e = history.floorEntry(index);
        if (e == null) {
            throw new IllegalArgumentException("index " + index + " is before the log's snapshot at "
                    + history.firstKey());
        }
        return e.getValue();
    }

    /** This node appended {@code e}, a membership entry it proposed as leader. */
    void proposed(Entry e) {
        uncommittedIndexes.addLast(e.index());
    }

    /** {@code entries} came from the leader and were appended: note the membership entries among them. */
    void appended(List<Entry> entries) {
        for (Entry e : entries) {
            if (e.type() == EntryType.MEMBERSHIP
                    && (uncommittedIndexes.isEmpty() || uncommittedIndexes.peekLast() < e.index())
                    && e.index() > log.committed) {
                uncommittedIndexes.addLast(e.index());
            }
        }
    }

    /** The log was truncated from {@code from} on: the membership entries there are gone. */
    void truncatedFrom(long from) {
        while (!uncommittedIndexes.isEmpty() && uncommittedIndexes.peekLast() >= from) {
            uncommittedIndexes.pollLast();
        }
    }

    /**
     * Applies the first membership change whose entry is committed now, if there is one;
     * returns whether it did (the caller reacts to each change before the next applies).
     */
    boolean applyNextCommitted() {
        if (uncommittedIndexes.isEmpty() || uncommittedIndexes.peekFirst() > log.committed) {
            return false;
        }
        long index = uncommittedIndexes.pollFirst();
        Entry e = log.entry(index);
        if (e.type() != EntryType.MEMBERSHIP) {
            throw new RaftInvariantViolation("node " + id + " expected a membership entry at " + index
                    + ", found " + e);
        }
        current = apply(current, MembershipChange.decode(e.data()), e);
        history.put(index, current);
        trimHistory();
        return true;
    }

    /**
     * The log was replaced by a received snapshot: its membership is in force. The older
     * history stays: until the host installs the snapshot, it may still take its own snapshot at
     * its applied index, below this one.
     */
    void restore(SnapshotMetadata s) {
        uncommittedIndexes.clear();
        current = s.membership();
        history.put(s.index(), current);
    }

    private Membership apply(Membership before, MembershipChange change, Entry e) {
        try {
            return before.apply(change);
        } catch (IllegalArgumentException ex) {
            throw new RaftInvariantViolation("node " + id + ": committed membership change " + e + " does not apply to "
                    + before + ": " + ex.getMessage());
        }
    }

    /** Drops the memberships superseded before the log's snapshot, keeping the one in force there. */
    private void trimHistory() {
        long first = log.snapshotIndex();
        while (history.size() > 1 && history.higherKey(history.firstKey()) <= first) {
            history.pollFirstEntry();
        }
    }
}
