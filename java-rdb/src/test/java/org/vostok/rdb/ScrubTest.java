package org.vostok.rdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vostok.rdb.model.KvsPath;
import org.vostok.rdb.testing.Await;
import org.vostok.rdb.testing.RecordingListener;
import org.vostok.rdb.testing.TestCluster;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;

/**
 * The background scrub of a running replica ({@link RdbConfig#scrubBytesPerSecond()}): damage put
 * into a replica's pool file while it was stopped is found after its restart, counted once
 * however many passes find it again, and the replica goes on; sound replicas under load find
 * nothing. Before the scrub, damage in a value was found only when something read that value,
 * which for a value nobody reads meant never, until the replicas that still held it were gone.
 */
class ScrubTest {

    private static final KvsPath ROOT = KvsPath.root();

    @TempDir
    Path dir;
    private TestCluster cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** {@code length} pseudo-random bytes from {@code seed}: found in a pool file only where they were written. */
    private static byte[] pattern(long seed, int length) {
        byte[] bytes = new byte[length];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) random.nextInt(256);
        }
        return bytes;
    }

    /** Flips one bit in the middle of every copy of {@code marker} in the file; returns how many. */
    private static int flipInEveryCopy(Path file, byte[] marker) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int flipped = 0;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            for (int i = 0; i + marker.length <= bytes.length; i++) {
                if (bytes[i] == marker[0] && Arrays.equals(bytes, i, i + marker.length, marker, 0, marker.length)) {
                    raf.seek(i + marker.length / 2);
                    raf.write(bytes[i + marker.length / 2] ^ 0x10);
                    flipped++;
                    i += marker.length - 1;
                }
            }
        }
        return flipped;
    }

    private static ReplicaStatus status(Replica r) {
        return r.status();
    }

    @Test
    void damageInAReplicasPoolIsFoundOnceAndTheReplicaGoesOn() throws IOException {
        // The default rate (a pass of this small pool four times a second), and a log compacted often, so that the victim's log entry is gone and its
        // value lives only in the tree.
        RdbConfig config = TestCluster.testConfig(41).scrubBytesPerSecond(4L << 20).compactThresholdEntries(16)
                .compactRetainEntries(0).build();
        cluster = TestCluster.start(dir, 3, config, 41, id -> new RecordingListener());
        cluster.commit(tx -> tx.createRoot(KeyOrder.LEXICAL));
        byte[] victim = pattern(7, 1024);
        long victimIndex = cluster.commit(tx -> tx.update(ROOT, Key.ofUtf8("victim"), victim));
        long last = victimIndex;
        for (int i = 0; i < 40; i++) {
            int n = i;
            last = cluster.commit(tx -> tx.update(ROOT, Key.ofUtf8("filler " + n), pattern(100 + n, 64)));
        }
        cluster.awaitApplied(last, List.of(1L, 2L, 3L));
        Await.until("replica 3 compacting its log past the victim's entry and scrubbing its pool once",
                () -> status(cluster.replica(3)).baseIndex() > victimIndex && status(cluster.replica(3)).scrubPasses() >= 1);
        assertEquals(0, status(cluster.replica(3)).scrubDamage(), "the pool is sound before it is damaged");

        cluster.stop(3);
        Path pool = dir.resolve("replica-3.pool");
        assertTrue(flipInEveryCopy(pool, victim) >= 1, "the victim's value must be in replica 3's pool file");
        Replica damaged = cluster.restart(3);

        Await.until("replica 3's scrub finding the damage", () -> status(damaged).scrubDamage() >= 1);
        // Counted at the end of the pass that found it (a pass may find more than one piece), then
        // the same after two more passes over the same damage.
        long passes = status(damaged).scrubPasses();
        Await.until("replica 3 ending the pass that found the damage", () -> status(damaged).scrubPasses() > passes);
        long found = status(damaged).scrubDamage();
        long then = status(damaged).scrubPasses();
        Await.until("replica 3 scrubbing its pool twice more", () -> status(damaged).scrubPasses() >= then + 2);
        assertEquals(found, status(damaged).scrubDamage(), "the same damage found again must not be counted again");

        // The replica goes on: it takes and applies new entries, and has not stopped.
        long after = cluster.commit(tx -> tx.update(ROOT, Key.ofUtf8("after the damage"), pattern(9, 64)));
        cluster.awaitApplied(after, List.of(1L, 2L, 3L));
        assertTrue(damaged.failure().isEmpty(), () -> "the damage stopped the replica: " + damaged.failure());
        for (long id : List.of(1L, 2L)) {
            ReplicaStatus s = status(cluster.replica(id));
            assertTrue(s.scrubPasses() >= 1, () -> "replica " + id + " never completed a scrub pass: " + s);
            assertEquals(0, s.scrubDamage(), () -> "sound replica " + id + " reported damage: " + s);
        }
    }

    @Test
    void soundReplicasUnderLoadFindNothing() {
        RdbConfig config = TestCluster.testConfig(43).scrubBytesPerSecond(16L << 20).compactThresholdEntries(64)
                .compactRetainEntries(16).build();
        cluster = TestCluster.start(dir, 3, config, 43, id -> new RecordingListener());
        cluster.commit(tx -> tx.createRoot(KeyOrder.INTEGER));
        // Overwrites, inserts and deletes while every replica scrubs, compacts and aggregates; until
        // every replica has completed five passes that overlapped the load (bounded).
        long[] passesAtStart = new long[4];
        for (long id = 1; id <= 3; id++) {
            passesAtStart[(int) id] = status(cluster.replica(id)).scrubPasses();
        }
        int commits = 0;
        long last = 0;
        while (commits < 200 || !allPassed(passesAtStart, 5)) {
            assertTrue(commits < 20_000, "the replicas' scrubs did not complete five passes in 20,000 commits");
            int n = commits++;
            last = cluster.commit(tx -> {
                tx.update(ROOT, Key.of(n % 97), pattern(n, 50 + n % 700));
                if (n % 5 == 0) {
                    tx.delete(ROOT, Key.of((n + 13) % 97));
                }
            });
        }
        cluster.awaitApplied(last, List.of(1L, 2L, 3L));
        for (long id = 1; id <= 3; id++) {
            ReplicaStatus s = status(cluster.replica(id));
            assertEquals(0, s.scrubDamage(), "a sound replica under load reported damage: " + s);
        }
    }

    private boolean allPassed(long[] passesAtStart, long passes) {
        for (long id = 1; id <= 3; id++) {
            if (status(cluster.replica(id)).scrubPasses() < passesAtStart[(int) id] + passes) {
                return false;
            }
        }
        return true;
    }
}
