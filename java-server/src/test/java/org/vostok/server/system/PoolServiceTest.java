package org.vostok.server.system;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vostok.client.ErrorCode;
import org.vostok.client.VostokClient;
import org.vostok.client.VostokException;
import org.vostok.client.mgmt.MgmtClient;
import org.vostok.client.pool.PoolClient;
import org.vostok.client.proto.mgmt.NodeInfo;
import org.vostok.client.proto.mgmt.PoolEntry;
import org.vostok.client.proto.pool.ContInfo;
import org.vostok.client.proto.pool.Snapshot;

/** The management and pool services through their typed clients, on three in-process nodes. */
class PoolServiceTest {

    @TempDir
    Path dir;

    @Test
    void poolsContainersAttributesSnapshotsAndAcls() throws Exception {
        try (InProcessSystem system = new InProcessSystem(dir, 3)) {
            system.awaitJoined();
            VostokClient client = system.client();
            MgmtClient mgmt = MgmtClient.of(client);
            List<NodeInfo> nodes = MgmtClient.join(mgmt.listNodes());
            assertEquals(3, nodes.size());

            PoolEntry entry = MgmtClient.join(mgmt.createPool(new MgmtClient.PoolSpec("tank", List.of(), 3,
                    Map.of("redundancy", "3"), Map.of("reader@", PoolClient.READ), "admin@")));
            assertEquals(3, entry.getReplicaNodesCount());
            VostokException dup = assertThrows(VostokException.class, () -> MgmtClient.join(mgmt.createPool(
                    MgmtClient.PoolSpec.of("tank", "admin@"))));
            assertEquals(ErrorCode.EXIST, dup.code());

            PoolClient pool = MgmtClient.join(mgmt.openPool("tank"));
            PoolClient.Handle admin = MgmtClient.join(pool.connect("admin@", PoolClient.READ | PoolClient.WRITE
                    | PoolClient.ADMIN));
            assertEquals("3", MgmtClient.join(admin.query()).getPropertiesMap().get("redundancy"));
            MgmtClient.join(admin.setAttr("owner", "ops".getBytes(UTF_8)));
            assertArrayEquals("ops".getBytes(UTF_8), MgmtClient.join(admin.getAttr("owner")).orElseThrow());

            ContInfo c = MgmtClient.join(admin.createContainer("c1", Map.of("layout", "flat")));
            assertEquals("c1", c.getLabel());
            PoolClient.Handle.Container open = MgmtClient.join(admin.openContainer("c1", PoolClient.READ
                    | PoolClient.WRITE));
            MgmtClient.join(open.setAttr("k", "v".getBytes(UTF_8)));
            Snapshot snap = MgmtClient.join(open.createSnapshot("before"));
            assertTrue(snap.getEpoch() > 0);
            assertEquals(List.of("before"), MgmtClient.join(open.listSnapshots()).stream().map(Snapshot::getName)
                    .toList());
            VostokException busy = assertThrows(VostokException.class,
                    () -> MgmtClient.join(admin.destroyContainer("c1")));
            assertEquals(ErrorCode.INUSE, busy.code(), "an open container is not destroyed");
            MgmtClient.join(open.close());
            MgmtClient.join(admin.destroyContainer("c1"));
            assertTrue(MgmtClient.join(admin.listContainers()).isEmpty());

            // The ACL: a reader connects to read, not to write; a stranger not at all.
            PoolClient.Handle reader = MgmtClient.join(pool.connect("reader@", PoolClient.READ));
            MgmtClient.join(reader.query());
            VostokException noWrite = assertThrows(VostokException.class,
                    () -> MgmtClient.join(reader.createContainer("c2", Map.of())));
            assertEquals(ErrorCode.NOPERM, noWrite.code());
            VostokException stranger = assertThrows(VostokException.class,
                    () -> MgmtClient.join(pool.connect("mallory@", PoolClient.READ)));
            assertEquals(ErrorCode.NOPERM, stranger.code());
            assertTrue(stranger.getMessage().contains("mallory@"), stranger.getMessage());

            MgmtClient.join(mgmt.destroyPool(MgmtClient.ref("tank")));
            assertTrue(MgmtClient.join(mgmt.listPools()).isEmpty());
        }
    }
}
