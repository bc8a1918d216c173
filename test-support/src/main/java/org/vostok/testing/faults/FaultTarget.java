package org.vostok.testing.faults;

import java.util.Collection;
import java.util.List;
import java.util.OptionalLong;

/**
 * What a {@link FaultInjector} acts on: a cluster of replicas and the network between them. Each
 * module's tests adapt their own cluster (an in-process one over a simulated network, servers
 * over real sockets) to it.
 *
 * <p>Implementations are called from the injector's thread while the workload's threads use the
 * cluster, so they must be safe for that.
 */
public interface FaultTarget {

    /** Every replica's id, running or not. */
    List<Long> replicaIds();

    /** A replica that leads now and is running, if the cluster has one. */
    OptionalLong leader();

    /** Cuts every link between {@code side} and the other replicas, both ways. */
    void partition(Collection<Long> side);

    /** Cuts the link from {@code from} to {@code to} only. */
    void cut(long from, long to);

    /** Makes every link misbehave as {@code noise} says, until {@link #heal()}. */
    void noise(Fault.LinkNoise noise);

    /** Removes every partition, cut and noise. */
    void heal();

    /** Stops replica {@code id} as a crash would: no goodbye, what it persisted stays. */
    void kill(long id);

    /** Starts the killed replica {@code id} again from its storage. */
    void restart(long id);
}
