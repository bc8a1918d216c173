package org.vostok.rdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vostok.rdb.model.KvsPath;
import org.vostok.rdb.model.KvsRecord;
import org.vostok.rdb.model.KvsScan;
import org.vostok.rdb.model.KvsVisitor;
import org.vostok.rdb.store.TreeReader;
import org.vostok.rdb.testing.Await;
import org.vostok.rdb.testing.RecordingListener;
import org.vostok.rdb.testing.TestCluster;
import org.vostok.vos.Key;

/**
 * A real process killed with SIGKILL in the middle of writing: a child JVM
 * ({@link ClusterWriterMain}) runs a cluster of three replicas on pool files in the test's
 * directory, several threads commit transactions while the leadership moves, and the child
 * reports each transaction before it commits it and again once the commit is acknowledged. The
 * test kills it at a random point after some acknowledgements, then restarts the replicas from
 * the same pool files: every acknowledged transaction must be there, whole (both its keys), and
 * nothing may be there that was never attempted.
 *
 * <p>Four rounds on the same pools: after rounds 1 and 3 the next child starts straight from the
 * killed one's pools; after rounds 2 and 4 this JVM restarts the replicas, checks, and closes them
 * cleanly. Once on PMDK pools, once on WAL pools. The seed (printed; {@code
 * -Dvostok.kill.seed=N} replays it) picks when each round is killed and the child's elections and
 * leadership moves; where in its work the child is when the signal lands is up to the machine.
 */
class KilledProcessTest {

    private static final int ROUNDS = 4;
    private static final int CLIENTS = 4;

    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedWriteSurvivesKillsOnPmdkPools() throws Exception {
        rounds("pmem");
    }

    @Test
    void everyAcknowledgedWriteSurvivesKillsOnWalPools() throws Exception {
        rounds("wal");
    }

    private static long seed() {
        Long given = Long.getLong("vostok.kill.seed");
        long seed = given != null ? given : new SplittableRandom().nextLong();
        System.out.println("KilledProcessTest: seed " + seed + " (replay with -Dvostok.kill.seed=" + seed + ")");
        return seed;
    }

    /** What the children reported, over all rounds. */
    private static final class Reports {
        final Set<String> attempted = new HashSet<>();
        final Map<String, Long> acknowledged = new HashMap<>();
    }

    private void rounds(String backend) throws Exception {
        long seed = seed();
        SplittableRandom random = new SplittableRandom(seed);
        Reports reports = new Reports();
        for (int round = 1; round <= ROUNDS; round++) {
            int killAfterAcks = 40 + random.nextInt(160);
            int acked = runChild(backend, round, seed + round, killAfterAcks, reports);
            System.out.println("KilledProcessTest: " + backend + " round " + round + ": killed after " + acked
                    + " acknowledgements (" + reports.acknowledged.size() + " in all)");
            if (round % 2 == 0) {
                verify(seed, round, reports);
            }
        }
    }

    /** Runs one child until it has acknowledged {@code killAfterAcks} transactions, kills it, and reads what it said. */
    private int runChild(String backend, int round, long seed, int killAfterAcks, Reports reports) throws Exception {
        Path log = dir.resolve("child-" + round + ".log");
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-Xmx256m"));
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith("vostok.") || name.startsWith("org.slf4j.")) {
                command.add("-D" + name + "=" + System.getProperty(name));
            }
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ClusterWriterMain.class.getName(),
                dir.toString(), backend, round == 1 ? "found" : "reopen", Integer.toString(round), Long.toString(seed),
                Integer.toString(CLIENTS)));
        // The environment (PMEM_IS_PMEM_FORCE among it) is this JVM's.
        Process child = new ProcessBuilder(command).redirectError(log.toFile()).start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> readLines(child, lines), "child-" + round + "-stdout");
        reader.setDaemon(true);
        reader.start();

        int acks = 0;
        boolean killed = false;
        try {
            while (true) {
                String line = lines.poll(Await.DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
                if (line == null) {
                    throw new AssertionError("the child of round " + round + " said nothing for " + Await.DEADLINE_MILLIS
                            + " ms after " + acks + " acknowledgements\n" + tail(log));
                }
                if (line.equals(EOF)) {
                    break;
                }
                if (line.startsWith("attempt ")) {
                    reports.attempted.add(line.substring("attempt ".length()));
                } else if (line.startsWith("ack ")) {
                    String[] parts = line.split(" ");
                    assertTrue(reports.attempted.contains(parts[1]), "acknowledged before attempted: " + line);
                    reports.acknowledged.put(parts[1], Long.parseLong(parts[2]));
                    acks++;
                    if (acks >= killAfterAcks && !killed) {
                        // SIGKILL through the process handle: Process.destroyForcibly would also close
                        // our end of the pipe and lose the lines the child wrote before it died.
                        child.toHandle().destroyForcibly();
                        killed = true;
                    }
                } else if (!line.equals("ready")) {
                    throw new AssertionError("the child of round " + round + " said: " + line + "\n" + tail(log));
                }
            }
            int exit = child.waitFor();
            assertTrue(killed, () -> "the child of round " + round + " ended by itself with " + exit + "\n" + tail(log));
            assertEquals(128 + 9, exit, "the child died of SIGKILL");
        } finally {
            child.destroyForcibly();
            child.waitFor();
        }
        return acks;
    }

    private static final String EOF = "\u0000eof";

    private static void readLines(Process child, BlockingQueue<String> lines) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                lines.add(line);
            }
        } catch (IOException e) {
            lines.add("reading the child's output failed: " + e);
        }
        lines.add(EOF);
    }

    private static String tail(Path log) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return "the child's log, last lines:\n" + String.join("\n", all.subList(Math.max(0, all.size() - 40), all.size()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Restarts the replicas in this JVM and checks the tree against what the children reported:
     * through the leader, then each replica's own pool once all have caught up.
     */
    private void verify(long seed, int round, Reports reports) {
        RdbConfig config = TestCluster.testConfig(seed).build();
        try (TestCluster cluster = TestCluster.reopen(dir, ClusterWriterMain.IDS, config, seed, id -> new RecordingListener())) {
            cluster.awaitLeader();
            Map<String, byte[]> data = cluster.read(tx -> collect(tx::iterate, ClusterWriterMain.DATA));
            Map<String, byte[]> mirror = cluster.read(tx -> collect(tx::iterate, ClusterWriterMain.MIRROR));
            String after = "after round " + round + " (seed " + seed + ")";

            for (Map.Entry<String, Long> ack : reports.acknowledged.entrySet()) {
                String key = ack.getKey();
                assertTrue(data.containsKey(key), () -> after + ": " + key + ", acknowledged at index " + ack.getValue()
                        + ", is missing");
            }
            assertEquals(data.keySet(), mirror.keySet(), after + ": a transaction is torn (its two keys differ)");
            for (Map.Entry<String, byte[]> e : data.entrySet()) {
                String key = e.getKey();
                assertTrue(reports.attempted.contains(key), () -> after + ": " + key + " is there but was never attempted");
                assertArrayEquals(ClusterWriterMain.value(key), e.getValue(), after + ": the value of " + key);
                assertArrayEquals(ClusterWriterMain.mirrorValue(key), mirror.get(key), after + ": the mirror of " + key);
            }
            System.out.println("KilledProcessTest: " + after + ": " + data.size() + " transactions found, "
                    + reports.acknowledged.size() + " acknowledged, " + reports.attempted.size() + " attempted");

            // Every replica's own pool holds the same, once all have applied a new entry.
            long index = cluster.commit(tx -> tx.update(KvsPath.root(), Key.ofUtf8("verified"), new byte[] {(byte) round}));
            cluster.awaitApplied(index, cluster.ids());
            cluster.stopAll();
            for (long id : cluster.ids()) {
                Map<String, byte[]> own = cluster.inspectStopped(id,
                        r -> collect(r::iterate, ClusterWriterMain.DATA));
                assertEquals(data.keySet(), own.keySet(), after + ": replica " + id + "'s own pool");
            }
            cluster.assertEventsWellFormed();
        }
    }

    /** Something that iterates a KVS: a transaction or a {@link TreeReader}. */
    private interface Iterating {
        boolean iterate(KvsPath kvs, KvsScan scan, KvsVisitor visitor);
    }

    private static Map<String, byte[]> collect(Iterating source, KvsPath kvs) {
        Map<String, byte[]> values = new TreeMap<>();
        source.iterate(kvs, KvsScan.forward(), r -> {
            values.put(((Key.LexicalKey) r.key()).utf8(), ((KvsRecord.Value) r).value());
            return true;
        });
        return values;
    }
}
