package org.vostok.raft;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A {@link LogStorage} in memory that models what a host has made durable and what it has only
 * written: writes ({@link #append}, {@link #setHardState}, {@link #installSnapshot}) become
 * durable at {@link #sync()}, and {@link #crash()} throws away whatever was written since, as a
 * machine crash would. Used by tests, the cluster simulator and hosts' tests; not thread-safe
 * (one owner thread, like the node).
 *
 * <p>Compaction ({@link #compact}) is durable at once: a host compacts only entries it has
 * applied and after it has written its snapshot durably.
 */
public final class MemoryStorage implements LogStorage {

    // What the host has written, durable or not; this is what the core reads.
    private HardState hardState;
    private SnapshotMetadata snapshot;
    /** entries.get(i).index() == snapshot.index() + 1 + i. */
    private final ArrayList<Entry> entries = new ArrayList<>();

    // What a crash would leave.
    private HardState durableHardState;
    private SnapshotMetadata durableSnapshot;
    /** Invariant: entries up to here (and after durableSnapshot) are durable unless durableCopy is set. */
    private long durableLastIndex;
    /** The durable log, kept once an unsynced write replaced part of it (a truncation or a snapshot). */
    private ArrayList<Entry> durableCopy;

    /** A new, empty node's storage: it joins a cluster by being added to it. */
    public MemoryStorage() {
        this(HardState.EMPTY, SnapshotMetadata.EMPTY);
    }

    private MemoryStorage(HardState hardState, SnapshotMetadata snapshot) {
        this.hardState = hardState;
        this.snapshot = snapshot;
        this.durableHardState = hardState;
        this.durableSnapshot = snapshot;
        this.durableLastIndex = snapshot.index();
    }

    /**
     * The storage of a founding node of a new cluster whose first membership is
     * {@code membership}; every founding node starts from the same one, durable. See
     * {@link #FOUNDING_SNAPSHOT_INDEX}.
     */
    public static MemoryStorage bootstrap(Membership membership) {
        return new MemoryStorage(new HardState(FOUNDING_SNAPSHOT_INDEX, RaftNode.NONE, FOUNDING_SNAPSHOT_INDEX),
                foundingSnapshot(membership));
    }

    /**
     * Index 1 of every cluster's log, in term 1, is the cluster's founding snapshot: an empty
     * state machine and the first membership. Founding nodes start from it; a node that joins
     * later starts empty and receives it (or a later snapshot) from the leader like any node
     * that is behind the compacted log, so it learns the membership it is joining.
     */
    public static final long FOUNDING_SNAPSHOT_INDEX = 1;

    /** The founding snapshot's metadata for {@code membership}, which needs at least one voter. */
    public static SnapshotMetadata foundingSnapshot(Membership membership) {
        if (membership.voterCount() == 0) {
            throw new IllegalArgumentException("a new cluster needs at least one voter, got " + membership);
        }
        return new SnapshotMetadata(FOUNDING_SNAPSHOT_INDEX, FOUNDING_SNAPSHOT_INDEX, membership);
    }

    @Override
    public HardState hardState() {
        return hardState;
    }

    @Override
    public SnapshotMetadata snapshot() {
        return snapshot;
    }

    @Override
    public long firstIndex() {
        return snapshot.index() + 1;
    }

    @Override
    public long lastIndex() {
        return snapshot.index() + entries.size();
    }

    @Override
    public long term(long index) {
        if (index == snapshot.index()) {
            return snapshot.term();
        }
        if (index < snapshot.index() || index > lastIndex()) {
            throw new IndexOutOfBoundsException("index " + index + " is outside the log [" + snapshot.index()
                    + ", " + lastIndex() + "]");
        }
        return entries.get((int) (index - firstIndex())).term();
    }

    @Override
    public List<Entry> entries(long from, long toExclusive, long bytesMax) {
        if (from < firstIndex() || toExclusive > lastIndex() + 1 || from >= toExclusive) {
            throw new IndexOutOfBoundsException("entries [" + from + ", " + toExclusive + ") are outside the log ["
                    + firstIndex() + ", " + lastIndex() + "]");
        }
        int start = (int) (from - firstIndex());
        int end = (int) (toExclusive - firstIndex());
        long bytes = 0;
        int stop = start;
        while (stop < end) {
            bytes += entries.get(stop).sizeBytes();
            if (stop > start && bytes > bytesMax) {
                break;
            }
            stop++;
        }
        return List.copyOf(entries.subList(start, stop));
    }

    /**
     * Writes entries after truncating the log from the first one's index (a leader's entries
     * replace conflicting ones, Raft §5.3). The first entry must follow the snapshot or an entry
     * of the log, and entries must be consecutive.
     */
    public void append(List<Entry> newEntries) {
        if (newEntries.isEmpty()) {
            return;
        }
        long first = newEntries.get(0).index();
        if (first <= snapshot.index() || first > lastIndex() + 1) {
            throw new IllegalArgumentException("cannot append entries from index " + first + " to the log ["
                    + firstIndex() + ", " + lastIndex() + "]: they must start within it or right after it");
        }
        for (int i = 1; i < newEntries.size(); i++) {
            if (newEntries.get(i).index() != first + i) {
                throw new IllegalArgumentException("entries to append are not consecutive at " + newEntries.get(i));
            }
        }
        if (first <= durableLastIndex) {
            keepDurableCopy();
        }
        int keep = (int) (first - firstIndex());
        entries.subList(keep, entries.size()).clear();
        entries.addAll(newEntries);
    }

    /** Writes the hard state. */
    public void setHardState(HardState newHardState) {
        this.hardState = Objects.requireNonNull(newHardState, "hardState");
    }

    /** Replaces the whole log by a snapshot received from the leader (its content is the host's). */
    public void installSnapshot(SnapshotMetadata metadata) {
        if (metadata.index() <= snapshot.index()) {
            throw new IllegalArgumentException("snapshot at " + metadata.index() + " is not newer than the current one at "
                    + snapshot.index());
        }
        keepDurableCopy();
        entries.clear();
        snapshot = metadata;
    }

    /**
     * Discards the entries up to {@code index}, which the host's snapshot now covers, with the
     * membership in force at {@code index}. Only applied, durable entries may be compacted.
     */
    public void compact(long index, Membership membership) {
        if (index <= snapshot.index()) {
            throw new IllegalArgumentException("cannot compact to " + index + ": the log is compacted to "
                    + snapshot.index() + " already");
        }
        if (index > durableLastIndex || durableCopy != null) {
            throw new IllegalArgumentException("cannot compact to " + index + ": entries up to " + durableLastIndex
                    + " only are durable; sync first");
        }
        SnapshotMetadata compacted = new SnapshotMetadata(index, term(index), membership);
        entries.subList(0, (int) (index - firstIndex() + 1)).clear();
        snapshot = compacted;
        durableSnapshot = compacted;
    }

    /** Makes every write so far durable. */
    public void sync() {
        durableHardState = hardState;
        durableSnapshot = snapshot;
        durableLastIndex = lastIndex();
        durableCopy = null;
    }

    /** True when everything written is durable. */
    public boolean isSynced() {
        return durableCopy == null && durableHardState.equals(hardState) && durableSnapshot.equals(snapshot)
                && durableLastIndex == lastIndex();
    }

    /** Throws away every write since the last {@link #sync()}, as a crash of the host would. */
    public MemoryStorage crash() {
        hardState = durableHardState;
        if (durableCopy != null) {
            snapshot = durableSnapshot;
            entries.clear();
            entries.addAll(durableCopy);
            durableCopy = null;
        } else {
            entries.subList((int) (durableLastIndex - snapshot.index()), entries.size()).clear();
        }
        durableLastIndex = lastIndex();
        return this;
    }

    /** A copy of the whole log (for tests and tools). */
    public List<Entry> allEntries() {
        return List.copyOf(entries);
    }

    private void keepDurableCopy() {
        if (durableCopy == null) {
            int durableCount = (int) (durableLastIndex - durableSnapshot.index());
            if (durableSnapshot != snapshot) {
                throw new IllegalStateException("an unsynced compaction cannot be combined with a truncation");
            }
            durableCopy = new ArrayList<>(entries.subList(0, durableCount));
        }
    }
}
