package org.vostok.rsvc;

/**
 * Hears about the writes and commits of every replica on a node, and what their background
 * scrubs find, for metrics (rdb's {@link org.vostok.rdb.ReplicaObserver}, with the service each
 * replica belongs to). Called on the replicas' owner threads (writes, commits) and maintenance
 * threads (scrubs): quick, no exceptions, no blocking.
 */
public interface ReplicaEventsObserver {

    /** Hears nothing. */
    ReplicaEventsObserver NONE = new ReplicaEventsObserver() {
    };

    /** A replica wrote a batch of {@code entries} entries durably in {@code nanos}. */
    default void persisted(long serviceId, String className, int entries, long nanos) {
    }

    /** A transaction the replica proposed as leader was committed and applied {@code nanos} after it was proposed. */
    default void committed(long serviceId, String className, long nanos) {
    }

    /**
     * A replica's background scrub found {@code count} damaged or inconsistent structures in its
     * pool that it had not counted before (each is logged once, with where and what).
     */
    default void scrubDamageFound(long serviceId, String className, long count) {
    }

    /** A replica's background scrub completed a pass over its pool that found {@code problems} (0: sound). */
    default void scrubPassCompleted(long serviceId, String className, long problems) {
    }
}
