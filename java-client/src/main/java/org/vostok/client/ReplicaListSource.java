package org.vostok.client;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where a client gets a fresh list of a service's replicas when its own list runs empty (every
 * candidate answered NOTREPLICA or was refused). The management service implements it for a
 * running system; a fixed list suits a static deployment and tests.
 */
@FunctionalInterface
public interface ReplicaListSource {

    /** The replicas of {@code serviceId} as far as the source knows; an empty list when it knows none. */
    CompletableFuture<List<ReplicaAddress>> replicas(long serviceId);

    /** The same list for every service. */
    static ReplicaListSource fixed(List<ReplicaAddress> replicas) {
        List<ReplicaAddress> copy = List.copyOf(replicas);
        return serviceId -> CompletableFuture.completedFuture(copy);
    }
}
