package org.vostok.rsvc;

/**
 * Hears about the writes and commits of every replica on a node, for metrics (rdb's
 * {@link org.vostok.rdb.ReplicaObserver}, with the service each replica belongs to). Called on
 * the replicas' owner threads: quick, no exceptions, no blocking.
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
}
