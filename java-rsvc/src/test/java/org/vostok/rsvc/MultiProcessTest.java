package org.vostok.rsvc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vostok.client.CallOptions;
import org.vostok.client.VostokClient;
import org.vostok.client.VostokException;
import org.vostok.client.register.RegisterClient;
import org.vostok.rsvc.testing.ProcessNodes;

/**
 * Three nodes as real processes on loopback, each with its own port and pool directory: the
 * leader killed with SIGKILL while a client writes, the client finding the new leader, no
 * acknowledged write lost, the killed node restarted and caught up; a follower killed and
 * restarted; all three killed and restarted.
 */
class MultiProcessTest {

    @TempDir
    Path dir;

    private static final CallOptions OPTIONS = CallOptions.DEFAULTS.withDeadlineMillis(60_000);

    /** Writes from a thread until stopped; remembers the last acknowledged value of each key. */
    private static final class Writer extends Thread {
        final RegisterClient reg;
        final Map<String, String> acknowledged = new ConcurrentHashMap<>();
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicInteger written = new AtomicInteger();
        volatile Throwable failure;

        Writer(RegisterClient reg) {
            super("writer");
            this.reg = reg;
        }

        @Override
        public void run() {
            int i = 0;
            while (running.get()) {
                String k = "key-" + (i % 64);
                String v = "value-" + i;
                try {
                    reg.write(k.getBytes(UTF_8), v.getBytes(UTF_8));
                    acknowledged.put(k, v);
                    written.incrementAndGet();
                } catch (VostokException e) {
                    if (!e.outcomeUnknown()) {
                        failure = e;
                        return;
                    }
                    // An ambiguous write may or may not be there: this key's last acknowledged
                    // value is no longer what must be read back.
                    acknowledged.remove(k);
                }
                i++;
            }
        }

        void awaitWritten(int n) throws InterruptedException {
            long deadline = System.nanoTime() + 120_000_000_000L;
            int target = written.get() + n;
            while (written.get() < target && failure == null && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(written.get() >= target, "the writer made no progress: " + failure);
        }

        void finish() throws InterruptedException {
            running.set(false);
            join(120_000);
            assertTrue(failure == null, "a write failed: " + failure);
        }
    }

    private static void assertEveryAcknowledgedWrite(RegisterClient reg, Map<String, String> acknowledged) {
        for (Map.Entry<String, String> e : acknowledged.entrySet()) {
            Optional<byte[]> v = reg.read(e.getKey().getBytes(UTF_8));
            assertEquals(Optional.of(e.getValue()), v.map(b -> new String(b, UTF_8)), "key " + e.getKey());
        }
    }

    @Test
    void theLeaderKilledWhileWritingLosesNoAcknowledgedWriteAndCatchesUpAfterItsRestart() throws Exception {
        try (ProcessNodes nodes = new ProcessNodes(dir, 3, false)) {
            VostokClient client = nodes.client(OPTIONS);
            RegisterClient reg = RegisterClient.of(client, ProcessNodes.SERVICE);
            Writer writer = new Writer(reg);
            writer.start();
            writer.awaitWritten(50);
            long leader = nodes.leader(client).orElseThrow();
            nodes.processes().kill(leader);
            writer.awaitWritten(50);
            writer.finish();
            long next = nodes.leader(client).orElseThrow();
            assertNotEquals(leader, next);
            assertEveryAcknowledgedWrite(reg, writer.acknowledged);

            long commit = nodes.replicaInfo(client, next).orElseThrow().getCommitIndex();
            nodes.processes().restart(leader);
            nodes.awaitApplied(client, leader, commit);
        }
    }

    @Test
    void aFollowerKilledAndRestartedCatchesUp() throws Exception {
        try (ProcessNodes nodes = new ProcessNodes(dir, 3, false)) {
            VostokClient client = nodes.client(OPTIONS);
            RegisterClient reg = RegisterClient.of(client, ProcessNodes.SERVICE);
            Writer writer = new Writer(reg);
            writer.start();
            writer.awaitWritten(30);
            long leader = nodes.leader(client).orElseThrow();
            long follower = nodes.ids().stream().filter(id -> id != leader).findFirst().orElseThrow();
            nodes.processes().kill(follower);
            writer.awaitWritten(50);
            nodes.processes().restart(follower);
            writer.awaitWritten(30);
            writer.finish();
            assertEveryAcknowledgedWrite(reg, writer.acknowledged);
            long commit = nodes.replicaInfo(client, nodes.leader(client).orElseThrow()).orElseThrow().getCommitIndex();
            nodes.awaitApplied(client, follower, commit);
        }
    }

    @Test
    void allThreeKilledAndRestartedKeepEveryAcknowledgedWrite() throws Exception {
        try (ProcessNodes nodes = new ProcessNodes(dir, 3, false)) {
            VostokClient client = nodes.client(OPTIONS);
            RegisterClient reg = RegisterClient.of(client, ProcessNodes.SERVICE);
            Writer writer = new Writer(reg);
            writer.start();
            writer.awaitWritten(60);
            writer.finish();
            for (long id : nodes.ids()) {
                nodes.processes().kill(id);
            }
            for (long id : nodes.ids()) {
                nodes.processes().restart(id);
            }
            assertEveryAcknowledgedWrite(reg, writer.acknowledged);
            reg.write("after".getBytes(UTF_8), "restart".getBytes(UTF_8));
        }
    }
}
