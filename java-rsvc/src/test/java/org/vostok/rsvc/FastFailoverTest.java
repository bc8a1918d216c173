package org.vostok.rsvc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vostok.client.CallOptions;
import org.vostok.client.VostokClient;
import org.vostok.client.proto.node.ReplicaInfo;
import org.vostok.client.register.RegisterClient;
import org.vostok.rsvc.testing.ProcessNodes;

/**
 * Fast failover after a process crash, both sides of it. Nodes run with a long election timeout
 * (10 s), so that a leader elected well before it was elected because the followers learned
 * the old leader's process was gone (its port refused them right after their connection to it
 * closed), not because their timers ran out. And a leader whose connections are reset while its
 * process keeps running must keep its leadership, its term, and answer reads with the latest
 * value: a reset alone proves nothing about the process.
 */
class FastFailoverTest {

    /** 200 ticks of 50 ms: the election timeout the followers would otherwise wait out. */
    private static final int ELECTION_TIMEOUT_TICKS = 200;
    private static final long ELECTION_TIMEOUT_MILLIS = ELECTION_TIMEOUT_TICKS * 50L;

    @TempDir
    Path dir;

    @Test
    void aKilledLeaderIsReplacedBeforeAnyElectionTimeoutCouldRunOut() throws Exception {
        try (ProcessNodes nodes = new ProcessNodes(dir, 3, true, ELECTION_TIMEOUT_TICKS)) {
            VostokClient client = nodes.client(CallOptions.DEFAULTS.withDeadlineMillis(120_000));
            RegisterClient reg = RegisterClient.of(client, ProcessNodes.SERVICE);
            reg.write("k".getBytes(UTF_8), "before".getBytes(UTF_8));
            long leader = nodes.leader(client).orElseThrow();
            long term = nodes.replicaInfo(client, leader).orElseThrow().getTerm();

            long killed = System.nanoTime();
            nodes.processes().kill(leader);
            reg.write("k".getBytes(UTF_8), "after".getBytes(UTF_8));
            long millis = (System.nanoTime() - killed) / 1_000_000;
            long next = reg.service().leader().orElseThrow().nodeId();
            ReplicaInfo info = nodes.replicaInfo(client, next).orElseThrow();
            System.out.println("fast failover: node " + next + " leads term " + info.getTerm() + "; the first write"
                    + " after the kill completed " + millis + " ms after it");
            assertNotEquals(leader, next);
            assertTrue(info.getTerm() > term);
            assertTrue(millis < ELECTION_TIMEOUT_MILLIS / 2, "the write after the kill took " + millis + " ms: the"
                    + " followers waited for their election timeout (" + ELECTION_TIMEOUT_MILLIS + " ms) instead of"
                    + " learning that the leader's process was gone");
        }
    }

    @Test
    void aLeaderWhoseConnectionsAreResetButWhichRunsKeepsItsTermAndServesNoStaleRead() throws Exception {
        try (ProcessNodes nodes = new ProcessNodes(dir, 3, true)) {
            VostokClient client = nodes.client(CallOptions.DEFAULTS.withDeadlineMillis(60_000));
            RegisterClient reg = RegisterClient.of(client, ProcessNodes.SERVICE);
            reg.write("k".getBytes(UTF_8), "v0".getBytes(UTF_8));
            long leader = nodes.leader(client).orElseThrow();
            long term = nodes.replicaInfo(client, leader).orElseThrow().getTerm();
            for (int i = 1; i <= 20; i++) {
                int reset = nodes.mesh().resetConnections(leader);
                String v = "v" + i;
                reg.write("k".getBytes(UTF_8), v.getBytes(UTF_8));
                assertEquals(v, new String(reg.read("k".getBytes(UTF_8)).orElseThrow(), UTF_8), "round " + i
                        + " (" + reset + " connections reset)");
            }
            OptionalLong now = nodes.leader(client);
            assertEquals(OptionalLong.of(leader), now, "resets alone deposed the leader");
            assertEquals(term, nodes.replicaInfo(client, leader).orElseThrow().getTerm(), "resets alone started"
                    + " an election");
        }
    }
}
