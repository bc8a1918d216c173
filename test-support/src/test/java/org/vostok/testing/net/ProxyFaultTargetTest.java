package org.vostok.testing.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vostok.testing.net.Sockets.assertQuiet;
import static org.vostok.testing.net.Sockets.assertReceives;
import static org.vostok.testing.net.Sockets.assertReset;
import static org.vostok.testing.net.Sockets.connect;
import static org.vostok.testing.net.Sockets.send;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.vostok.testing.faults.Fault;
import org.vostok.testing.faults.FaultInjector;
import org.vostok.testing.faults.FaultSchedule;
import org.vostok.testing.process.ChildProcess;
import org.vostok.testing.process.JvmSpec;
import org.vostok.testing.process.ProcessCluster;

@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ProxyFaultTargetTest {

    /** Records what reaches the nodes. */
    private static final class RecordingNodes implements ProxyFaultTarget.Nodes {
        final List<String> calls = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void kill(long id) {
            calls.add("kill " + id);
        }

        @Override
        public void restart(long id) {
            calls.add("restart " + id);
        }

        @Override
        public void pause(long id) {
            calls.add("pause " + id);
        }

        @Override
        public void resume(long id) {
            calls.add("resume " + id);
        }
    }

    @Test
    void linkFaultsGoToTheProxiesAndProcessFaultsToTheNodes() throws Exception {
        Map<Long, LoopbackServer> nodes = new TreeMap<>();
        for (long id = 1; id <= 3; id++) {
            nodes.put(id, LoopbackServer.handOver());
        }
        RecordingNodes recorded = new RecordingNodes();
        try (ProxyMesh mesh = ProxyMesh.start(nodes.keySet())) {
            nodes.forEach((id, server) -> mesh.target(id, server.address()));
            ProxyFaultTarget target = new ProxyFaultTarget(mesh, recorded, () -> OptionalLong.of(2));
            assertEquals(List.of(1L, 2L, 3L), target.replicaIds());
            assertEquals(OptionalLong.of(2), target.leader());

            try (Socket twoToOne = connect(mesh.address(2, 1)); Socket oneSide = nodes.get(1L).accepted()) {
                target.partition(Set.of(1L));
                assertTrue(mesh.faults().contains("1->2: cut (STALL)"), mesh.faults());
                assertTrue(mesh.faults().contains("3->1: cut (STALL)"), mesh.faults());
                assertFalse(mesh.faults().contains("2->3"), mesh.faults());
                send(twoToOne, "across the partition");
                assertQuiet(oneSide);
                target.heal();
                assertReceives(oneSide, "across the partition");

                target.cut(2, 1);
                assertTrue(mesh.faults().contains("2->1: CLIENT_TO_SERVER held"), mesh.faults());
                assertTrue(mesh.faults().contains("1->2: SERVER_TO_CLIENT held"), mesh.faults());
                target.heal();

                target.noise(new Fault.LinkNoise(0.25, 0.5, 3, 9));
                assertTrue(mesh.proxy(3, 2).faults().contains("CLIENT_TO_SERVER delayed 3..9 ms"), mesh.faults());
                assertTrue(mesh.proxy(3, 2).faults().contains("probability 0.25"), mesh.faults());
                target.heal();
                assertEquals("every link healed", mesh.faults());

                target.resetConnections(2);
                assertReset(twoToOne);
                assertReset(oneSide);
            }

            target.kill(3);
            target.restart(3);
            target.pause(1);
            target.resume(1);
            assertEquals(List.of("kill 3", "restart 3", "pause 1", "resume 1"), recorded.calls);
        } finally {
            for (LoopbackServer node : nodes.values()) {
                node.close();
            }
        }
    }

    @Test
    void processesMustBeStartedForEveryNodeOfTheMesh(@TempDir Path dir) {
        try (ProxyMesh mesh = ProxyMesh.start(List.of(1L, 2L)); ProcessCluster cluster = ProcessCluster.in(dir)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ProxyFaultTarget.forProcesses(mesh, cluster, OptionalLong::empty));
            assertTrue(e.getMessage().contains("only [] were started"), e.getMessage());
        }
    }

    /**
     * A whole schedule, every kind of fault once (pauses, kills and resets included), against
     * three real JVMs behind a mesh, while a client keeps talking to each node through the
     * proxies of the other nodes. When it is over, every node runs, unpaused, and answers
     * through every link.
     */
    @Test
    void aScheduleRunsAgainstRealProcessesAndLeavesThemRunningAndHealed(@TempDir Path dir) throws Exception {
        List<Long> ids = List.of(1L, 2L, 3L);
        try (ProxyMesh mesh = ProxyMesh.start(ids); ProcessCluster cluster = ProcessCluster.in(dir)) {
            for (long id : ids) {
                ChildProcess node = cluster.start(id, pingNode(id));
                mesh.target(id, portOf(node));
            }
            // A restarted node listens on a new port: tell the mesh before the restart returns.
            ProxyFaultTarget.Nodes nodes = new ProxyFaultTarget.Nodes() {
                @Override
                public void kill(long id) {
                    cluster.kill(id);
                }

                @Override
                public void restart(long id) {
                    cluster.restart(id);
                    mesh.target(id, portOf(cluster.process(id)));
                }

                @Override
                public void pause(long id) {
                    cluster.pause(id);
                }

                @Override
                public void resume(long id) {
                    cluster.resume(id);
                }
            };
            ProxyFaultTarget target = new ProxyFaultTarget(mesh, nodes, () -> OptionalLong.of(1));
            FaultSchedule schedule = FaultSchedule.generate(11, ids, FaultSchedule.Options.forProcesses()
                    .withHoldMillis(150, 400).withCalmMillis(50, 150));

            AtomicBoolean running = new AtomicBoolean(true);
            AtomicLong pongs = new AtomicLong();
            Thread client = new Thread(() -> pingAround(mesh, ids, running, pongs), "mesh-client");
            client.start();
            try (FaultInjector injector = FaultInjector.start(target, schedule)) {
                injector.awaitFinished();
                String log = injector.logText();
                assertTrue(log.contains("pause"), log);
                assertTrue(log.contains("restarted"), log);
                assertTrue(log.contains("reset every connection of the leader"), log);
            } finally {
                running.set(false);
                client.join(60_000);
            }
            assertFalse(client.isAlive(), "the client thread did not stop");
            assertTrue(pongs.get() > 0, "no ping crossed the mesh during the schedule");

            assertEquals("every link healed", mesh.faults());
            for (long id : ids) {
                ChildProcess node = cluster.process(id);
                assertTrue(node.isAlive() && !node.isPaused(), node.toString());
            }
            for (long from : ids) {
                for (long to : ids) {
                    if (from != to) {
                        assertEquals("pong", ping(mesh.address(from, to), Duration.ofSeconds(30)).split(" ")[0],
                                "link " + from + " -> " + to);
                    }
                }
            }
        }
    }

    private static JvmSpec pingNode(long id) {
        return JvmSpec.of("node-" + id, "org.vostok.testing.process.PingChild", JvmSpec.currentClassPath())
                .withJvmOptions("-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto")
                .withReadyLine("ready port=(\\d+)");
    }

    private static InetSocketAddress portOf(ChildProcess node) {
        return new InetSocketAddress("127.0.0.1", Integer.parseInt(node.readyMatch().group(1)));
    }

    /** Pings every node through every link, round and round, until told to stop; counts the pongs. */
    private static void pingAround(ProxyMesh mesh, List<Long> ids, AtomicBoolean running, AtomicLong pongs) {
        while (running.get()) {
            for (long from : ids) {
                for (long to : ids) {
                    if (from != to && running.get()) {
                        try {
                            if (ping(mesh.address(from, to), Duration.ofMillis(500)).startsWith("pong")) {
                                pongs.incrementAndGet();
                            }
                        } catch (IOException e) {
                            // Refused, reset or stalled by a fault: try the next link.
                        }
                    }
                }
            }
        }
    }

    /** One ping on a new connection; the reply, or "timeout". */
    private static String ping(InetSocketAddress address, Duration timeout) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(address, (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            send(socket, "ping\n");
            StringBuilder reply = new StringBuilder();
            int c;
            while ((c = socket.getInputStream().read()) >= 0 && c != '\n') {
                reply.append((char) c);
            }
            return reply.toString();
        } catch (java.net.SocketTimeoutException e) {
            return "timeout";
        }
    }
}
