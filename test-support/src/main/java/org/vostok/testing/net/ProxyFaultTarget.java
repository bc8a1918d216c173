package org.vostok.testing.net;

import java.util.Collection;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Supplier;
import org.vostok.testing.faults.Fault;
import org.vostok.testing.faults.FaultTarget;
import org.vostok.testing.process.ProcessCluster;

/**
 * Real server processes behind a {@link ProxyMesh} as test-support's {@link FaultTarget}, so that
 * a {@link org.vostok.testing.faults.FaultSchedule} runs against them: link faults go to the
 * proxies, process faults (kill, restart, pause, resume) to the nodes' harness.
 *
 * <pre>{@code
 * FaultTarget target = ProxyFaultTarget.forProcesses(mesh, cluster, () -> client.leaderId());
 * FaultSchedule schedule = FaultSchedule.generate(seed, mesh.ids(), FaultSchedule.Options.forProcesses());
 * try (FaultInjector faults = FaultInjector.start(target, schedule)) { ... }
 * }</pre>
 *
 * <p>How the schedule's faults map onto the proxies:
 * <ul>
 * <li>a partition, or an isolated leader: {@link ProxyMesh#partition(Collection)} with
 *     {@link Cut#STALL}, as a real partition behaves (connections stay up and carry nothing; no
 *     refusals, which would tell the peers the node is dead);
 * <li>a one-way cut: {@link ProxyMesh#cut(long, long)}, the bytes held;
 * <li>link noise: its delays become a jittered {@link Delay} on every link, and its drop
 *     probability the probability that a chunk resets its connection (over TCP a message is
 *     lost only with its connection); duplicates have no meaning on a TCP stream and are not
 *     injected;
 * <li>a reset of the leader's connections: {@link ProxyMesh#resetConnections(long)};
 * <li>heal: {@link ProxyMesh#heal()}.
 * </ul>
 */
public final class ProxyFaultTarget implements FaultTarget {

    /** What the target does to the nodes themselves. */
    public interface Nodes {
        /** Kills node {@code id} as a crash would. */
        void kill(long id);

        /** Starts the killed node {@code id} again from its storage and returns once it is ready. */
        void restart(long id);

        /** Pauses node {@code id} (SIGSTOP). */
        void pause(long id);

        /** Resumes node {@code id} if it is paused (SIGCONT). */
        void resume(long id);
    }

    private final ProxyMesh mesh;
    private final Nodes nodes;
    private final Supplier<OptionalLong> leader;

    /**
     * @param mesh   the proxies the nodes reach each other through
     * @param nodes  kills, restarts, pauses and resumes nodes
     * @param leader the node that leads now and is running, if any (the test asks the nodes)
     */
    public ProxyFaultTarget(ProxyMesh mesh, Nodes nodes, Supplier<OptionalLong> leader) {
        if (mesh == null || nodes == null || leader == null) {
            throw new IllegalArgumentException("a proxy fault target needs a mesh, the nodes and a way to find the leader");
        }
        this.mesh = mesh;
        this.nodes = nodes;
        this.leader = leader;
    }

    /**
     * For nodes that are child processes of {@code processes}, by the same ids as the mesh's.
     * A restarted node must listen on the same port as before, or the test must give the mesh
     * its new address ({@link ProxyMesh#target}) before the restart returns: wrap the cluster
     * in a {@link Nodes} of its own for that.
     */
    public static ProxyFaultTarget forProcesses(ProxyMesh mesh, ProcessCluster processes, Supplier<OptionalLong> leader) {
        if (!processes.ids().containsAll(mesh.ids())) {
            throw new IllegalArgumentException("the mesh joins nodes " + mesh.ids() + " but only " + processes.ids()
                    + " were started");
        }
        return new ProxyFaultTarget(mesh, new Nodes() {
            @Override
            public void kill(long id) {
                processes.kill(id);
            }

            @Override
            public void restart(long id) {
                processes.restart(id);
            }

            @Override
            public void pause(long id) {
                processes.pause(id);
            }

            @Override
            public void resume(long id) {
                processes.resume(id);
            }
        }, leader);
    }

    public ProxyMesh mesh() {
        return mesh;
    }

    @Override
    public List<Long> replicaIds() {
        return mesh.ids();
    }

    @Override
    public OptionalLong leader() {
        return leader.get();
    }

    @Override
    public void partition(Collection<Long> side) {
        mesh.partition(side, Cut.STALL);
    }

    @Override
    public void cut(long from, long to) {
        mesh.cut(from, to, OneWay.HOLD);
    }

    @Override
    public void noise(Fault.LinkNoise noise) {
        mesh.delay(Delay.between(noise.delayMillisMin(), noise.delayMillisMax()));
        mesh.resetProbability(noise.dropProbability());
    }

    @Override
    public void heal() {
        mesh.heal();
    }

    @Override
    public void kill(long id) {
        nodes.kill(id);
    }

    @Override
    public void restart(long id) {
        nodes.restart(id);
    }

    @Override
    public void pause(long id) {
        nodes.pause(id);
    }

    @Override
    public void resume(long id) {
        nodes.resume(id);
    }

    @Override
    public void resetConnections(long id) {
        mesh.resetConnections(id);
    }
}
