package org.vostok.rdb.testing;

import java.util.Collection;
import java.util.List;
import java.util.OptionalLong;
import org.vostok.rdb.Replica;
import org.vostok.rdb.transport.LinkFaults;
import org.vostok.testing.faults.Fault;
import org.vostok.testing.faults.FaultTarget;

/**
 * A {@link TestCluster} as test-support's {@link FaultTarget}: partitions, cuts and noise go to
 * its {@link org.vostok.rdb.transport.LocalNetwork}; a kill stops the replica and closes its pool
 * (its threads end, its queued messages and volatile state are lost, what it persisted stays), a
 * restart opens the pool again. A kill in one process is not a crash of the process: the
 * kill -9 test ({@code KilledProcessTest}) covers that.
 */
public final class ClusterFaultTarget implements FaultTarget {

    private final TestCluster cluster;

    public ClusterFaultTarget(TestCluster cluster) {
        this.cluster = cluster;
    }

    @Override
    public List<Long> replicaIds() {
        return cluster.ids();
    }

    @Override
    public OptionalLong leader() {
        return cluster.leader().map(r -> OptionalLong.of(r.id())).orElse(OptionalLong.empty());
    }

    @Override
    public void partition(Collection<Long> side) {
        cluster.network().partition(side);
    }

    @Override
    public void cut(long from, long to) {
        cluster.network().cut(from, to);
    }

    @Override
    public void noise(Fault.LinkNoise noise) {
        cluster.network().setFaults(new LinkFaults(noise.dropProbability(), noise.duplicateProbability(),
                noise.delayMillisMin(), noise.delayMillisMax()));
    }

    @Override
    public void heal() {
        cluster.network().reset();
    }

    @Override
    public void kill(long id) {
        cluster.stop(id);
    }

    @Override
    public void restart(long id) {
        Replica r = cluster.restart(id);
        if (r.id() != id) {
            throw new IllegalStateException("restarted replica " + id + " came back as " + r.id());
        }
    }
}
