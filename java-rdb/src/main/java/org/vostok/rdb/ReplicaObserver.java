package org.vostok.rdb;

/**
 * Hears about a replica's writes and commits, and what its background scrub finds, for metrics.
 * Called on the replica's owner thread (writes, commits) or its maintenance thread (the scrub):
 * it must be quick (update a histogram or a counter) and must not throw or block.
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

    /**
     * The background scrub found {@code count} damaged or inconsistent structures in the pool that
     * it had not counted before (on the maintenance thread; the damage itself is logged).
     */
    default void scrubDamageFound(long count) {
    }

    /** The background scrub completed a pass over the pool that found {@code problems} (0: sound). */
    default void scrubPassCompleted(long problems) {
    }
}
