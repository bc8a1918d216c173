package org.vostok.server.system;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vostok.client.ErrorCode;
import org.vostok.client.ReplicaAddress;
import org.vostok.client.VostokClient;
import org.vostok.client.VostokException;
import org.vostok.client.mgmt.MgmtClient;
import org.vostok.client.pool.PoolClient;
import org.vostok.client.proto.mgmt.PoolEntry;
import org.vostok.client.proto.pool.ContInfo;
import org.vostok.client.proto.pool.Snapshot;
import org.vostok.server.Main;
import org.vostok.testing.net.ProxyMesh;
import org.vostok.testing.process.JvmSpec;
import org.vostok.testing.process.ProcessCluster;

/**
 * The management and pool services through their typed clients against three node processes
 * ({@code vostok _node}, the daemon's node), with the leader of the service each operation
 * goes to killed with SIGKILL while the operation is in flight: every operation completes once
 * (the client retries it at the new leader, exactly-once), and the killed node, restarted,
 * serves again. And the ACL refuses a principal without permission.
 */
class ServicesAcrossProcessesTest {

    private static final String CLUSTER = "services-test";

    @TempDir
    Path dir;

    private static final class Nodes implements AutoCloseable {
        final ProcessCluster processes;
        final ProxyMesh mesh;
        final Map<Long, String> addresses = new TreeMap<>();

        Nodes(Path dir) throws Exception {
            processes = ProcessCluster.in(Files.createDirectories(dir.resolve("processes")));
            List<Long> ids = List.of(1L, 2L, 3L);
            mesh = ProxyMesh.start(ids);
            Map<Long, Integer> ports = new TreeMap<>();
            for (long id : ids) {
                try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
                    ports.put(id, s.getLocalPort());
                }
            }
            for (long id : ids) {
                mesh.target(id, new java.net.InetSocketAddress("127.0.0.1", ports.get(id)));
            }
            for (long id : ids) {
                List<String> args = new ArrayList<>(List.of("_node", "--node=" + id, "--cluster=" + CLUSTER,
                        "--listen=127.0.0.1:" + ports.get(id), "--data=" + dir.resolve("node-" + id), "--mgmt=1,2,3",
                        "--pool-mib=96"));
                mesh.peerAddresses(id).forEach((p, a) -> args.add("--peer=" + p + "=127.0.0.1:" + a.getPort()));
                processes.start(id, JvmSpec.of("node-" + id, Main.class)
                        .withJvmOptions("-Xmx384m", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED")
                        .withArgs(args.toArray(String[]::new)).withReadyLine("READY port=(\\d+)"));
                addresses.put(id, "127.0.0.1:" + ports.get(id));
            }
        }

        @Override
        public void close() {
            try {
                processes.close();
            } finally {
                mesh.close();
            }
        }
    }

    /**
     * Runs {@code op}, kills the leader {@code leader} names while it is in flight, starts the
     * killed node again meanwhile, and returns what the operation returned.
     */
    private static <T> T withLeaderKilled(Nodes nodes, Supplier<ReplicaAddress> leader, Supplier<CompletableFuture<T>> op)
            throws Exception {
        long victim = leader.get().nodeId();
        CompletableFuture<T> f = op.get();
        nodes.processes.kill(victim);
        CompletableFuture<Void> restarted = CompletableFuture.runAsync(() -> nodes.processes.restart(victim));
        T result = f.get(180, TimeUnit.SECONDS);
        restarted.get(120, TimeUnit.SECONDS);
        return result;
    }

    @Test
    void everyKindOfOperationCompletesOnceWithItsLeaderKilledMidway() throws Exception {
        try (Nodes nodes = new Nodes(dir);
             VostokClient client = MgmtClient.connect(CLUSTER, List.copyOf(nodes.addresses.values()))) {
            MgmtClient mgmt = MgmtClient.of(client);
            // Wait for the system: three nodes joined.
            for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120); ; Thread.sleep(50)) {
                try {
                    if (MgmtClient.join(mgmt.listNodes()).size() == 3) {
                        break;
                    }
                } catch (VostokException e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                }
            }
            Supplier<ReplicaAddress> mgmtLeader = () -> client.service(MgmtClient.SERVICE_ID).leader().orElseThrow();

            PoolEntry pool = withLeaderKilled(nodes, mgmtLeader, () -> mgmt.createPool(new MgmtClient.PoolSpec("p1",
                    List.of(), 3, Map.of(), Map.of("reader@", PoolClient.READ), "admin@")));
            assertEquals(1, MgmtClient.join(mgmt.listPools()).size(), "the pool was created once");
            PoolClient pc = MgmtClient.join(mgmt.openPool("p1"));
            PoolClient.Handle admin = MgmtClient.join(pc.connect("admin@", PoolClient.READ | PoolClient.WRITE
                    | PoolClient.ADMIN));
            Supplier<ReplicaAddress> poolLeader = () -> pc.service().leader().orElseThrow();

            ContInfo c = withLeaderKilled(nodes, poolLeader, () -> admin.createContainer("c1", Map.of()));
            assertEquals("c1", c.getLabel());
            assertEquals(1, MgmtClient.join(admin.listContainers()).size(), "the container was created once");
            PoolClient.Handle.Container open = MgmtClient.join(admin.openContainer("c1", PoolClient.READ
                    | PoolClient.WRITE));
            withLeaderKilled(nodes, poolLeader, () -> open.setAttr("k", "v".getBytes(UTF_8)));
            assertArrayEquals("v".getBytes(UTF_8), MgmtClient.join(open.getAttr("k")).orElseThrow());
            Snapshot s = withLeaderKilled(nodes, poolLeader, () -> open.createSnapshot("s1"));
            assertEquals(List.of(s.getName()), MgmtClient.join(open.listSnapshots()).stream().map(Snapshot::getName)
                    .toList(), "one snapshot");
            withLeaderKilled(nodes, poolLeader, () -> admin.setAcl("writer@", PoolClient.READ | PoolClient.WRITE));
            MgmtClient.join(open.close());

            // The ACL, across processes: a reader may not write, a stranger may not connect.
            PoolClient.Handle reader = MgmtClient.join(pc.connect("reader@", PoolClient.READ));
            VostokException noWrite = assertThrows(VostokException.class,
                    () -> MgmtClient.join(reader.createContainer("c2", Map.of())));
            assertEquals(ErrorCode.NOPERM, noWrite.code());
            VostokException stranger = assertThrows(VostokException.class,
                    () -> MgmtClient.join(pc.connect("mallory@", PoolClient.READ)));
            assertEquals(ErrorCode.NOPERM, stranger.code());
            MgmtClient.join(pc.connect("writer@", PoolClient.WRITE));

            withLeaderKilled(nodes, mgmtLeader, () -> mgmt.destroyPool(MgmtClient.ref("p1")));
            assertTrue(MgmtClient.join(mgmt.listPools()).isEmpty(), "the pool was destroyed");
            assertTrue(pool.getServiceId() > 0);
        }
    }
}
