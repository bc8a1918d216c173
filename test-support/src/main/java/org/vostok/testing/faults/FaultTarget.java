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

    /**
     * Pauses replica {@code id} as SIGSTOP does: it keeps its sockets and its state and runs
     * nothing until {@link #resume(long)}. Only targets made of real processes can; the others
     * keep this default, which refuses.
     */
    default void pause(long id) {
        throw unsupported("pause a replica");
    }

    /** Lets the paused replica {@code id} run again; does nothing if it is not paused. */
    default void resume(long id) {
        throw unsupported("resume a replica");
    }

    /**
     * Resets every connection to and from replica {@code id} at once (its peers see a reset); the
     * replica keeps running and accepting connections. Only targets whose replicas talk over
     * real connections can; the others keep this default, which refuses.
     */
    default void resetConnections(long id) {
        throw unsupported("reset a replica's connections");
    }

    private UnsupportedOperationException unsupported(String what) {
        return new UnsupportedOperationException(getClass().getName() + " cannot " + what
                + "; draw the schedule from FaultSchedule.Options.defaults(), whose kinds every target supports");
    }
}
