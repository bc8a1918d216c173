package org.vostok.rsvc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vostok.client.CallOptions;
import org.vostok.client.ErrorCode;
import org.vostok.client.VostokClient;
import org.vostok.client.VostokException;
import org.vostok.client.node.NodeClient;
import org.vostok.client.proto.node.CreateReplicaRequest;
import org.vostok.client.proto.node.ReplicaInfo;
import org.vostok.client.register.RegisterClient;
import org.vostok.rdb.RdbConfig;
import org.vostok.rdb.model.ReplicaIds;
import org.vostok.rsvc.register.RegisterService;
import org.vostok.rsvc.testing.InProcessCluster;
import org.vostok.vos.PoolBackend;

/**
 * The replica life cycle with DAOS's rules, through the node service; membership changes
 * through a service's leader; and a client of another cluster refused at the handshake.
 */
class LifecycleTest {

    private static final long SERVICE = 100;

    @TempDir
    Path dir;

    private static VostokException failure(java.util.concurrent.CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(120, TimeUnit.SECONDS));
        return (VostokException) e.getCause();
    }

    @Test
    void createStartStopDestroyFollowTheRules() throws Exception {
        try (InProcessCluster cluster = new InProcessCluster(dir, 3, RdbConfig.defaults(), PoolBackend.WAL)) {
            cluster.createService(RegisterService.NAME, SERVICE);
            VostokClient client = cluster.client();
            RegisterClient reg = RegisterClient.of(client, SERVICE);
            reg.write("a".getBytes(UTF_8), "1".getBytes(UTF_8));
            NodeClient node3 = NodeClient.of(client, cluster.address(3));
            CreateReplicaRequest again = CreateReplicaRequest.newBuilder().setClassName(RegisterService.NAME)
                    .setServiceId(SERVICE).setReplicaId(3).addAllBootstrapVoters(List.of(1L, 2L, 3L)).build();

            assertEquals(ErrorCode.EXIST, failure(node3.createReplica(again)).code());
            assertEquals(ErrorCode.ALREADY, failure(node3.startReplica(SERVICE, 0)).code());
            assertEquals(ErrorCode.NONEXIST, failure(node3.startReplica(999, 0)).code());
            assertEquals(ErrorCode.INVAL, failure(node3.createReplica(again.toBuilder().setClassName("nosuch")
                    .build())).code());
            assertEquals(ErrorCode.INVAL, failure(node3.createReplica(again.toBuilder().setServiceId(200)
                    .setReplicaId(1).build())).code(), "a replica of rank 1 does not belong on node 3");

            long term = cluster.host(3).replica(SERVICE).orElseThrow().status().term();
            assertEquals(ErrorCode.STALE, failure(node3.stopReplica(SERVICE, Math.max(1, term - 1))).code(),
                    "a caller whose term is older than the replica's");
            node3.stopReplica(SERVICE, 0).get(60, TimeUnit.SECONDS);
            assertEquals(ErrorCode.ALREADY, failure(node3.stopReplica(SERVICE, 0)).code());
            reg.write("b".getBytes(UTF_8), "2".getBytes(UTF_8)); // two of three still commit
            node3.startReplica(SERVICE, 0).get(60, TimeUnit.SECONDS);

            // A newer generation of the replica replaces the old one on the node.
            long newer = ReplicaIds.of(3, 1);
            node3.createReplica(again.toBuilder().setReplicaId(newer).clearBootstrapVoters().build())
                    .get(60, TimeUnit.SECONDS);
            assertEquals(newer, cluster.host(3).replica(SERVICE).orElseThrow().id());
            assertEquals(ErrorCode.STALE, failure(node3.createReplica(again)).code(), "an older generation");

            node3.destroyReplica(SERVICE, 0, 0).get(60, TimeUnit.SECONDS);
            node3.destroyReplica(SERVICE, 0, 0).get(60, TimeUnit.SECONDS); // idempotent
            assertTrue(cluster.host(3).replica(SERVICE).isEmpty());
            assertArrayEquals("2".getBytes(UTF_8), reg.read("b".getBytes(UTF_8)).orElseThrow());
        }
    }

    @Test
    void aReplicaIsAddedOnANewNodeAndAnotherRemoved() throws Exception {
        try (InProcessCluster cluster = new InProcessCluster(dir, 4, RdbConfig.defaults(), PoolBackend.WAL)) {
            VostokClient client = cluster.client();
            // The service on nodes 1..3 only; node 4 holds nothing yet.
            for (long id = 1; id <= 3; id++) {
                NodeClient.of(client, cluster.address(id)).createReplica(CreateReplicaRequest.newBuilder()
                        .setClassName(RegisterService.NAME).setServiceId(SERVICE).setReplicaId(id)
                        .addAllBootstrapVoters(List.of(1L, 2L, 3L)).build()).get(60, TimeUnit.SECONDS);
            }
            RegisterClient reg = RegisterClient.of(client, SERVICE);
            for (int i = 0; i < 50; i++) {
                reg.write(("k" + i).getBytes(UTF_8), ("v" + i).getBytes(UTF_8));
            }
            CallOptions admin = NodeClient.LIFECYCLE_OPTIONS;
            long added = NodeClient.addReplica(reg.service(), 4, admin).get(120, TimeUnit.SECONDS);
            assertEquals(4, ReplicaIds.rank(added));
            assertTrue(ReplicaIds.generation(added) > 0, "a new id, never used before");
            assertEquals(added, NodeClient.addReplica(reg.service(), 4, admin).get(120, TimeUnit.SECONDS),
                    "adding again is the same replica");
            ReplicaInfo info = null;
            for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); System.nanoTime() < deadline; ) {
                // The new replica applies its own promotion soon after the leader commits it.
                info = NodeClient.of(client, cluster.address(4)).status().get(30, TimeUnit.SECONDS)
                        .getReplicasList().get(0);
                if (info.getVotersList().contains(added)) {
                    break;
                }
                Thread.sleep(20);
            }
            assertTrue(info.getVotersList().contains(added), info.toString());

            NodeClient.removeReplica(reg.service(), 1, admin).get(120, TimeUnit.SECONDS);
            // Its files go after the removal commits, without holding the reply.
            for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                 cluster.host(1).replica(SERVICE).isPresent() && System.nanoTime() < deadline; ) {
                Thread.sleep(20);
            }
            assertTrue(cluster.host(1).replica(SERVICE).isEmpty(), "node 1's replica is destroyed");
            reg.write("after".getBytes(UTF_8), "change".getBytes(UTF_8));
            assertArrayEquals("v49".getBytes(UTF_8), reg.read("k49".getBytes(UTF_8)).orElseThrow());
            VostokException none = failure(NodeClient.removeReplica(reg.service(), 1, admin));
            assertEquals(ErrorCode.NONEXIST, none.code());
        }
    }

    @Test
    void aClientOfAnotherClusterIsRefusedAtTheHandshake() throws Exception {
        try (InProcessCluster cluster = new InProcessCluster(dir, 1, RdbConfig.defaults(), PoolBackend.WAL);
             VostokClient stranger = VostokClient.builder("another-cluster")
                     .replicas(cluster.address(1).toString())
                     .callOptions(CallOptions.DEFAULTS.withDeadlineMillis(2_000)).build()) {
            VostokException e = failure(RegisterClient.of(stranger, SERVICE).readAsync("k".getBytes(UTF_8)));
            assertEquals(ErrorCode.WRONG_CLUSTER, e.code(), e.getMessage());
            assertTrue(e.getMessage().contains("test-cluster"), e.getMessage());
        }
    }
}
