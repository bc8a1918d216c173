package org.vostok.vos.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.vostok.vos.Container;
import org.vostok.vos.Iteration;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.Pool;
import org.vostok.vos.Transaction;

/**
 * What was committed survives: a clean close and reopen, a child JVM on PMDK's real msync path
 * (no PMEM_IS_PMEM_FORCE), and a child JVM killed in the middle of a stream of transactions.
 */
public abstract class DurabilityConformanceTest extends VosConformance {

    @Test
    void aReopenedPoolHoldsEverything() {
        Path path;
        UUID[] uuids = {UUID.randomUUID(), UUID.randomUUID()};
        try (Pool pool = createPool(dir.resolve("reopen"), POOL_BYTES)) {
            path = pool.path();
            for (UUID uuid : uuids) {
                pool.createContainer(uuid);
            }
            try (Container a = pool.openContainer(uuids[0]); Container b = pool.openContainer(uuids[1]);
                 Transaction tx = pool.newTransaction()) {
                tx.createObject(a, 1, KeyOrder.INTEGER, 1).createObject(b, 2, KeyOrder.LEXICAL, 1).commit();
                for (long e = 2; e <= 30; e++) {
                    tx.update(a, 1, e % 5, e, utf8("a" + e)).update(b, 2, Key.ofUtf8("k" + (e % 3)), e, utf8("b" + e));
                    if (e % 7 == 0) {
                        tx.punch(a, 1, 0, e);
                    }
                    tx.commit();
                }
            }
        }
        Pool pool = openPool(path);
        assertEquals(List.of(uuids[0], uuids[1]).stream().sorted().toList(),
                pool.listContainers().stream().sorted().toList());
        Container a = closeAfter(pool.openContainer(uuids[0]));
        Container b = closeAfter(pool.openContainer(uuids[1]));
        for (long e = 2; e <= 30; e++) {
            for (long k = 0; k < 5; k++) {
                String expected = "<absent>";
                for (long w = e; w >= 2; w--) {
                    if (k == 0 && w % 7 == 0) {
                        break;
                    }
                    if (w % 5 == k) {
                        expected = "a" + w;
                        break;
                    }
                }
                assertEquals(expected, text(a.fetch(1, k, e)), "key " + k + " at " + e);
            }
        }
        assertEquals("b30", text(b.fetch(2, Key.ofUtf8("k0"), 30)));
        assertEquals(3, b.collect(Iteration.forward(2, 30), 10).size());
    }

    private Process startChild(Path pool, String mode, long count, boolean realMsync) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xmx256m"));
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith("vostok.")) {
                command.add("-D" + name + "=" + System.getProperty(name));
            }
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ChildWriter.class.getName(),
                provider().name(), pool.toString(), mode, Long.toString(count), poolOptions().backend().name()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        if (realMsync) {
            env.remove("PMEM_IS_PMEM_FORCE");
        } else {
            env.put("PMEM_IS_PMEM_FORCE", "1");
        }
        return builder.start();
    }

    @Test
    void aChildJvmOnTheRealMsyncPathCommitsAndVerifies() throws Exception {
        Path path = dir.resolve("msync.pool");
        Process child = startChild(path, "write", 40, true);
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, child.waitFor(), output);
        assertTrue(output.contains("verified 40"), output);
        Pool pool = openPool(path);
        Container c = closeAfter(pool.openContainer(ChildWriter.CONTAINER));
        assertEquals(40, ChildWriter.lastCommitted(c));
        for (long n = 1; n <= 40; n++) {
            assertValue(ChildWriter.value(n), c.fetch(1, n, 40));
        }
    }

    @Test
    void aLazyCommitIsSeenAtOnceAndKeptByTheClose() {
        Path path;
        UUID uuid = UUID.randomUUID();
        try (Pool pool = createPool(dir.resolve("lazy"), POOL_BYTES)) {
            path = pool.path();
            pool.createContainer(uuid);
            try (Container c = pool.openContainer(uuid); Transaction tx = pool.newTransaction()) {
                tx.createObject(c, 1, KeyOrder.INTEGER, 1).commit();
                for (long e = 2; e <= 20; e++) {
                    tx.update(c, 1, e % 4, e, utf8("v" + e)).commitLazily();
                    assertEquals("v" + e, text(c.fetch(1, e % 4, e)));
                    assertTrue(tx.isEmpty());
                }
            }
        }
        Pool pool = openPool(path);
        Container c = closeAfter(pool.openContainer(uuid));
        for (long k = 0; k < 4; k++) {
            long last = 20 - (20 - k) % 4;
            assertEquals("v" + last, text(c.fetch(1, k, 20)), "key " + k);
        }
    }

    /**
     * A writer killed at an arbitrary point: every transaction it reported committed is there,
     * and the pool holds an exact prefix of the stream (no part of the one in flight).
     */
    @Test
    void aKilledWriterLeavesEveryCommittedTransactionAndNoPartOfTheNext() throws Exception {
        killedWriter("stream");
    }

    /**
     * The same with two lazy commits before each ordinary one: those reported (each ordinary
     * commit and the lazy ones before it) are there, and the pool still holds an exact prefix.
     */
    @Test
    void aKilledWriterKeepsTheLazyCommitsBeforeItsLastOrdinaryOne() throws Exception {
        killedWriter("lazystream");
    }

    private void killedWriter(String mode) throws Exception {
        Path path = dir.resolve(mode + ".pool");
        Process child = startChild(path, mode, 1_000_000, false);
        long reported = 0;
        List<String> lines = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                lines.add(line);
                if (line.startsWith("committed ")) {
                    reported = Long.parseLong(line.substring("committed ".length()));
                    if (reported >= 300) {
                        break;
                    }
                }
            }
        } finally {
            child.destroyForcibly();
            child.waitFor();
        }
        assertTrue(reported >= 300, () -> "the child stopped early: " + lines);
        Pool pool = openPool(path);
        Container c = closeAfter(pool.openContainer(ChildWriter.CONTAINER));
        long last = ChildWriter.lastCommitted(c);
        assertTrue(last >= reported, "reported " + reported + " committed, found " + last);
        for (long n = 1; n <= last; n++) {
            assertValue(ChildWriter.value(n), c.fetch(1, n, last));
        }
        assertAbsent(c.fetch(1, last + 1, -1L));
        assertEquals(last + 1, c.collect(Iteration.forward(1, -1L).withKeysOnly(), Integer.MAX_VALUE).size());
    }
}
