package org.vostok.server.system;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vostok.client.VostokClient;
import org.vostok.client.mgmt.MgmtClient;
import org.vostok.client.pool.PoolClient;
import org.vostok.client.proto.mgmt.NodeInfo;
import org.vostok.client.proto.mgmt.NodeState;
import org.vostok.client.proto.mgmt.PoolEntry;

/**
 * Excluding a node moves every replica it holds (a pool service's and the management
 * service's) to a joined node that holds none of that service, and the services keep their
 * data; the excluded node may not join again.
 */
class ExcludeNodeTest {

    @TempDir
    Path dir;

    @Test
    void anExcludedNodesReplicasMoveToAnotherNode() throws Exception {
        try (InProcessSystem system = new InProcessSystem(dir, 4)) {
            system.awaitJoined();
            VostokClient client = system.client();
            MgmtClient mgmt = MgmtClient.of(client);
            PoolEntry pool = MgmtClient.join(mgmt.createPool(new MgmtClient.PoolSpec("p", List.of(1L, 2L, 3L), 0,
                    Map.of(), Map.of(), "admin@")));
            PoolClient pc = MgmtClient.join(mgmt.openPool("p"));
            PoolClient.Handle h = MgmtClient.join(pc.connect("admin@", PoolClient.READ | PoolClient.WRITE));
            MgmtClient.join(h.setAttr("before", "exclusion".getBytes(UTF_8)));

            NodeInfo excluded = MgmtClient.join(mgmt.excludeNode(3));
            assertEquals(NodeState.NODE_STATE_EXCLUDED, excluded.getState());
            PoolEntry moved = MgmtClient.join(mgmt.getPool(MgmtClient.ref("p")));
            assertEquals(List.of(1L, 2L, 4L), moved.getReplicaNodesList().stream().sorted().toList());
            // A removed replica's files go after the removal commits, without holding its reply.
            InProcessSystem.await("node 3 gave its replica up",
                    () -> system.node(3).host().replica(pool.getServiceId()).isEmpty());
            assertTrue(system.node(4).host().replica(pool.getServiceId()).isPresent(), "node 4 holds one now");
            InProcessSystem.await("the management service's replica moved too",
                    () -> system.node(3).host().replica(MgmtClient.SERVICE_ID).isEmpty());
            assertTrue(system.node(4).host().replica(MgmtClient.SERVICE_ID).isPresent());

            PoolClient again = MgmtClient.join(mgmt.openPool("p"));
            PoolClient.Handle h2 = MgmtClient.join(again.connect("admin@", PoolClient.READ));
            assertArrayEquals("exclusion".getBytes(UTF_8), MgmtClient.join(h2.getAttr("before")).orElseThrow());
            assertFalse(MgmtClient.join(mgmt.listNodes()).stream().anyMatch(n -> n.getNodeId() == 3
                    && n.getState() == NodeState.NODE_STATE_JOINED));
        }
    }
}
