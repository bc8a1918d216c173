package org.vostok.rsvc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vostok.client.VostokClient;
import org.vostok.client.register.RegisterClient;
import org.vostok.rdb.RdbConfig;
import org.vostok.rsvc.register.RegisterService;
import org.vostok.rsvc.testing.InProcessCluster;
import org.vostok.vos.PoolBackend;

/** The register service on three nodes in one JVM, over real loopback sockets. */
class RegisterInProcessTest {

    private static final long SERVICE = 100;

    @TempDir
    Path dir;

    @Test
    void writesReadsAndSurvivesTheLeaderStopping() throws Exception {
        try (InProcessCluster cluster = new InProcessCluster(dir, 3, RdbConfig.defaults(), PoolBackend.WAL)) {
            cluster.createService(RegisterService.NAME, SERVICE);
            VostokClient client = cluster.client();
            RegisterClient reg = RegisterClient.of(client, SERVICE);
            reg.write("a".getBytes(UTF_8), "1".getBytes(UTF_8));
            assertArrayEquals("1".getBytes(UTF_8), reg.read("a".getBytes(UTF_8)).orElseThrow());
            assertTrue(reg.cas("a".getBytes(UTF_8), Optional.of("1".getBytes(UTF_8)),
                    Optional.of("2".getBytes(UTF_8))).swapped());
            RegisterClient.CasResult failed = reg.cas("a".getBytes(UTF_8), Optional.of("1".getBytes(UTF_8)),
                    Optional.of("3".getBytes(UTF_8)));
            assertFalse(failed.swapped());
            assertArrayEquals("2".getBytes(UTF_8), failed.current().orElseThrow());

            long leader = reg.service().leader().orElseThrow().nodeId();
            cluster.stop(leader);
            reg.write("b".getBytes(UTF_8), "x".getBytes(UTF_8));
            assertArrayEquals("2".getBytes(UTF_8), reg.read("a".getBytes(UTF_8)).orElseThrow());
            long newLeader = reg.service().leader().orElseThrow().nodeId();
            assertTrue(newLeader != leader, "a new leader answers");

            cluster.restart(leader);
            reg.delete("a".getBytes(UTF_8));
            assertEquals(Optional.empty(), reg.read("a".getBytes(UTF_8)));
        }
    }
}
