package org.vostok.raft;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The log as the core sees it: the host's storage, followed by the entries (or a snapshot)
 * the core has created or received and the host has not yet acknowledged writing.
 *
 * <p>Indexes: {@code applied <= applying <= committed <= lastIndex()}; entries up to
 * {@code stableIndex()} are in storage, the rest in {@code unstable}.
 */
final class RaftLog {

    private final LogStorage storage;

    /** A snapshot received from the leader and not yet installed by the host, or null. */
    private SnapshotMetadata pendingSnapshot;
    /** True once the pending snapshot went out in a Ready. */
    private boolean pendingSnapshotHandedOut;

    /** Entries not yet acknowledged as written; unstable.get(i).index() == unstableOffset + i. */
    private final ArrayList<Entry> unstable = new ArrayList<>();
    private long unstableOffset;
    /** Invariant: unstableOffset - 1 <= unstableHandedOut <= lastIndex(); entries up to here went out in a Ready. */
    private long unstableHandedOut;

    /** Invariant: never decreases. */
    long committed;
    /** Committed entries handed to the host, not yet acknowledged. Invariant: applied <= applying <= committed. */
    long applying;
    /** Invariant: applied <= committed. */
    long applied;

    RaftLog(LogStorage storage, long committed, long applied) {
        this.storage = storage;
        this.unstableOffset = storage.lastIndex() + 1;
        this.unstableHandedOut = storage.lastIndex();
        long first = storage.snapshot().index();
        if (committed < first || committed > storage.lastIndex()) {
            throw new IllegalArgumentException("stored commit index " + committed + " is outside the stored log ["
                    + first + ", " + storage.lastIndex() + "]: the storage is inconsistent");
        }
        if (applied < first || applied > committed) {
            throw new IllegalArgumentException("applied index " + applied + " must be within [" + first + ", "
                    + committed + "] (the snapshot index and the commit index)");
        }
        this.committed = committed;
        this.applying = applied;
        this.applied = applied;
    }

    /** The index of the entry before the first one (the snapshot's), whose term is known. */
    long snapshotIndex() {
        return pendingSnapshot != null ? pendingSnapshot.index() : storage.snapshot().index();
    }

    /** The host's own snapshot (what a leader sends to a follower that is too far behind). */
    SnapshotMetadata storageSnapshot() {
        return storage.snapshot();
    }

    long firstIndex() {
        return snapshotIndex() + 1;
    }

    long lastIndex() {
        if (!unstable.isEmpty()) {
            return unstableOffset + unstable.size() - 1;
        }
        return pendingSnapshot != null ? pendingSnapshot.index() : storage.lastIndex();
    }

    long lastTerm() {
        return term(lastIndex());
    }

    /** The last index the host has acknowledged writing. */
    long stableIndex() {
        return pendingSnapshot != null ? pendingSnapshot.index() - 1 : unstableOffset - 1;
    }

    /** The term at {@code index}, for {@code snapshotIndex() <= index <= lastIndex()}. */
    long term(long index) {
        if (index >= unstableOffset && index < unstableOffset + unstable.size()) {
            return unstable.get((int) (index - unstableOffset)).term();
        }
        if (pendingSnapshot != null && index == pendingSnapshot.index()) {
            return pendingSnapshot.term();
        }
        if (pendingSnapshot != null || index < storage.snapshot().index() || index > storage.lastIndex()) {
            throw new IndexOutOfBoundsException("no term for index " + index + ": the log covers ["
                    + snapshotIndex() + ", " + lastIndex() + "]");
        }
        return storage.term(index);
    }

    /** True if the log holds an entry at {@code index} with {@code term} (false if compacted or missing). */
    boolean matchTerm(long index, long term) {
        if (index < snapshotIndex() || index > lastIndex()) {
            return false;
        }
        return term(index) == term;
    }

    /** Raft §5.4.1: a candidate's log is at least as up-to-date as ours. */
    boolean isUpToDate(long lastIndex, long lastTerm) {
        long ourTerm = lastTerm();
        return lastTerm > ourTerm || (lastTerm == ourTerm && lastIndex >= lastIndex());
    }

    /**
     * The last index at or below {@code index} whose term is at or below {@code term}: where a
     * log that has {@code term} at {@code index} could match ours (the fast back-off hint).
     */
    long findConflictByTerm(long index, long term) {
        long i = Math.min(index, lastIndex());
        while (i > snapshotIndex() && term(i) > term) {
            i--;
        }
        return Math.max(i, snapshotIndex());
    }

    /** The entry at {@code index}, for {@code firstIndex() <= index <= lastIndex()}. */
    Entry entry(long index) {
        if (index >= unstableOffset) {
            return unstable.get((int) (index - unstableOffset));
        }
        return storage.entries(index, index + 1, Long.MAX_VALUE).get(0);
    }

    /**
     * Entries {@code [from, toExclusive)}, at most {@code countMax} and, past the first,
     * {@code bytesMax} bytes.
     */
    List<Entry> slice(long from, long toExclusive, long bytesMax, int countMax) {
        if (from >= toExclusive) {
            return List.of();
        }
        if (from < firstIndex() || toExclusive > lastIndex() + 1) {
            throw new IndexOutOfBoundsException("entries [" + from + ", " + toExclusive + ") are outside the log ["
                    + firstIndex() + ", " + lastIndex() + "]");
        }
        toExclusive = Math.min(toExclusive, from + countMax);
        if (from >= unstableOffset) {
            return unstableSlice(from, toExclusive, bytesMax);
        }
        List<Entry> stored = storage.entries(from, Math.min(toExclusive, unstableOffset), bytesMax);
        long end = from + stored.size();
        if (end < unstableOffset || end >= toExclusive) {
            return stored;
        }
        long bytes = 0;
        for (Entry e : stored) {
            bytes += e.sizeBytes();
        }
        ArrayList<Entry> all = new ArrayList<>(stored);
        for (long i = end; i < toExclusive; i++) {
            Entry e = unstable.get((int) (i - unstableOffset));
            bytes += e.sizeBytes();
            if (bytes > bytesMax) {
                break;
            }
            all.add(e);
        }
        return Collections.unmodifiableList(all);
    }

    private List<Entry> unstableSlice(long from, long toExclusive, long bytesMax) {
        int start = (int) (from - unstableOffset);
        int end = (int) (toExclusive - unstableOffset);
        long bytes = 0;
        int stop = start;
        while (stop < end) {
            bytes += unstable.get(stop).sizeBytes();
            if (stop > start && bytes > bytesMax) {
                break;
            }
            stop++;
        }
        return List.copyOf(unstable.subList(start, stop));
    }

    /** A leader appends its own new entry; it never conflicts. */
    void append(Entry entry) {
        if (entry.index() != lastIndex() + 1) {
            throw new RaftInvariantViolation("appending entry " + entry + " after last index " + lastIndex());
        }
        if (unstable.isEmpty()) {
            unstableOffset = entry.index();
        }
        unstable.add(entry);
    }

    /**
     * A follower appends a leader's entries after {@code prevIndex}/{@code prevTerm} (Raft §5.3):
     * if the logs match there, the first conflicting entry and everything after it is replaced.
     * Returns the index of the last new entry, or -1 if the logs do not match at prevIndex. The
     * removed-from index, if any, is reported through {@code truncated}.
     */
    long maybeAppend(long prevIndex, long prevTerm, List<Entry> entries, TruncationListener truncated) {
        if (!matchTerm(prevIndex, prevTerm)) {
            return -1;
        }
        long lastNew = prevIndex + entries.size();
        int conflict = findConflict(entries);
        if (conflict >= 0) {
            long at = entries.get(conflict).index();
            if (at <= committed) {
                throw new RaftInvariantViolation("entry " + entries.get(conflict) + " conflicts with committed entry "
                        + at + "/" + term(at) + " (commit " + committed + "): log matching is broken");
            }
            truncateAndAppend(entries.subList(conflict, entries.size()), truncated);
        }
        return lastNew;
    }

    /** The position of the first entry that is not in our log with the same term, or -1. */
    private int findConflict(List<Entry> entries) {
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            if (e.index() <= snapshotIndex()) {
                continue;
            }
            if (!matchTerm(e.index(), e.term())) {
                return i;
            }
        }
        return -1;
    }

    private void truncateAndAppend(List<Entry> entries, TruncationListener truncated) {
        long at = entries.get(0).index();
        if (at <= lastIndex()) {
            truncated.truncatedFrom(at);
        }
        if (at >= unstableOffset && at <= unstableOffset + unstable.size()) {
            unstable.subList((int) (at - unstableOffset), unstable.size()).clear();
        } else {
            // The conflict is in storage: the host will overwrite from here when it writes these.
            unstable.clear();
            unstableOffset = at;
        }
        unstableHandedOut = Math.min(unstableHandedOut, at - 1);
        unstable.addAll(entries);
    }

    /** Moves the commit index forward to {@code index} if it is ahead; never back. */
    boolean commitTo(long index) {
        if (index <= committed) {
            return false;
        }
        if (index > lastIndex()) {
            throw new RaftInvariantViolation("commit index " + index + " is past the last index " + lastIndex());
        }
        committed = index;
        return true;
    }

    /** Takes a snapshot from the leader in place of the whole log (Raft §7). */
    void restore(SnapshotMetadata snapshot) {
        if (snapshot.index() <= committed) {
            throw new RaftInvariantViolation("restoring " + snapshot + " at or below the commit index " + committed);
        }
        pendingSnapshot = snapshot;
        pendingSnapshotHandedOut = false;
        unstable.clear();
        unstableOffset = snapshot.index() + 1;
        unstableHandedOut = snapshot.index();
        committed = snapshot.index();
        applying = snapshot.index();
    }

    boolean hasUnstableToHandOut() {
        return unstableHandedOut < lastIndex() || (pendingSnapshot != null && !pendingSnapshotHandedOut);
    }

    /** The entries for the next Ready, marked as handed out. */
    List<Entry> handOutUnstable() {
        long last = lastIndex();
        if (unstableHandedOut >= last || unstable.isEmpty()) {
            return List.of();
        }
        List<Entry> out = List.copyOf(unstable.subList((int) (unstableHandedOut + 1 - unstableOffset), unstable.size()));
        unstableHandedOut = last;
        return out;
    }

    /** The snapshot for the next Ready, or null, marked as handed out. */
    SnapshotMetadata handOutSnapshot() {
        if (pendingSnapshot == null || pendingSnapshotHandedOut) {
            return null;
        }
        pendingSnapshotHandedOut = true;
        return pendingSnapshot;
    }

    /** The host installed the snapshot at {@code index}. */
    void snapshotStable(long index) {
        if (pendingSnapshot == null || pendingSnapshot.index() != index) {
            return;
        }
        if (storage.snapshot().index() < index) {
            throw new IllegalStateException("advance: the host acknowledged the snapshot at " + index
                    + " but its storage's snapshot is at " + storage.snapshot().index()
                    + "; install the Ready's snapshot into storage before advance");
        }
        pendingSnapshot = null;
        applied = Math.max(applied, index);
    }

    /** The host wrote the entries up to {@code index}, whose term was {@code term}. */
    void entriesStable(long index, long term) {
        // A newer leader may have replaced them meanwhile; then the newer ones are still to write.
        if (index < unstableOffset || index >= unstableOffset + unstable.size() || term(index) != term) {
            return;
        }
        if (storage.lastIndex() < index || storage.term(index) != term) {
            throw new IllegalStateException("advance: the host acknowledged entries up to " + index + "/" + term
                    + " but its storage does not hold that entry; append the Ready's entries before advance");
        }
        unstable.subList(0, (int) (index + 1 - unstableOffset)).clear();
        unstableOffset = index + 1;
    }

    boolean hasCommittedToHandOut() {
        return applying < committed && pendingSnapshot == null;
    }

    /** The committed entries for the next Ready, at most {@code bytesMax} past the first, marked as handed out. */
    List<Entry> handOutCommitted(long bytesMax) {
        if (!hasCommittedToHandOut()) {
            return List.of();
        }
        List<Entry> out = slice(applying + 1, committed + 1, bytesMax, Integer.MAX_VALUE);
        applying = out.get(out.size() - 1).index();
        return out;
    }

    void appliedTo(long index) {
        if (index > committed) {
            throw new RaftInvariantViolation("applied index " + index + " would pass the commit index " + committed);
        }
        if (index > applied) {
            applied = index;
        }
    }

    /** Called when entries from {@code index} on are replaced by a leader's. */
    interface TruncationListener {
        void truncatedFrom(long index);
    }
}
