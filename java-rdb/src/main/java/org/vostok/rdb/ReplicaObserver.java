package org.vostok.rdb;

/**
 * Hears about a replica's writes and commits, for metrics. Called on the replica's owner
 * thread: it must be quick (update a histogram) and must not throw or block.
 */
public interface ReplicaObserver {

    /** Hears nothing. */
    ReplicaObserver NONE = new ReplicaObserver() {
    };

    /**
     * One batch of entries (and the hard state) was written durably to the pool: {@code entries}
     * entries (0 when only the hard state changed) in {@code nanos}, the write and its fdatasync
     * or persist included.
     */
    default void persisted(int entries, long nanos) {
    }

    /** A transaction proposed here was committed and applied, {@code nanos} after it was proposed. */
    default void committed(long nanos) {
    }
}
