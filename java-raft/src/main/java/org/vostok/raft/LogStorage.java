package org.vostok.raft;

import java.util.List;

/**
 * The host's log as the core reads it: what the host has written through earlier
 * {@link Ready} batches (entries, hard state, snapshots) and its own compactions. The core
 * never writes through this interface; it only reads, always on the caller's thread.
 *
 * <p>The log covers {@code [firstIndex(), lastIndex()]}; everything up to
 * {@code snapshot().index()} has been compacted into the host's snapshot, whose index and term
 * remain readable through {@link #term(long)} so that the entry after it can be checked
 * (Raft §7). {@code firstIndex() == snapshot().index() + 1} always, and the log may be empty
 * ({@code lastIndex() == snapshot().index()}).
 */
public interface LogStorage {

    /** The hard state last written, {@link HardState#EMPTY} on a new node. */
    HardState hardState();

    /** The latest snapshot's metadata, {@link SnapshotMetadata#EMPTY} when there is none. */
    SnapshotMetadata snapshot();

    /** The index of the first entry still in the log: {@code snapshot().index() + 1}. */
    long firstIndex();

    /** The index of the last entry, or {@code snapshot().index()} when the log is empty. */
    long lastIndex();

    /**
     * The term of the entry at {@code index}, for {@code snapshot().index() <= index <= lastIndex()}
     * (the snapshot's own term at its index); throws {@link IndexOutOfBoundsException} outside.
     */
    long term(long index);

    /**
     * The entries {@code [from, toExclusive)}, for {@code firstIndex() <= from < toExclusive <=
     * lastIndex() + 1}, stopping early once their {@link Entry#sizeBytes()} would pass
     * {@code bytesMax}; the first entry is returned whatever its size. The list must not change
     * afterwards, even if the log does.
     */
    List<Entry> entries(long from, long toExclusive, long bytesMax);
}
