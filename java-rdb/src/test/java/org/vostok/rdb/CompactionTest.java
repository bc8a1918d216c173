package org.vostok.rdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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
 * Compaction under load on a 3-replica cluster: while writers keep committing, every replica
 * compacts its log and aggregates in the background; commits keep completing, the space the
 * pools use stays bounded over many rounds of overwrites, and a restart after compaction finds
 * everything (and reads only the log after the base).
 */
class CompactionTest {

    private static final KvsPath ROOT = KvsPath.root();
    private static final int KEYS = 32;
    private static final int WRITERS = 4;
    private static final int ROUNDS = 8;
    private static final int COMMITS_PER_WRITER_PER_ROUND = 60;
    private static final int VALUE_BYTES = 2 << 10;

    @TempDir
    Path dir;
    private TestCluster cluster;
    private ExecutorService writers;

    @AfterEach
    void tearDown() {
        if (writers != null) {
            writers.shutdownNow();
        }
        if (cluster != null) {
            cluster.closeAndCheckEvents();
        }
    }

    private static byte[] value(int writer, int round, int i) {
        byte[] v = new byte[VALUE_BYTES];
        ByteBuffer.wrap(v).putInt(writer).putInt(round).putInt(i);
        return v;
    }

    private static Key key(int writer, int i) {
        return Key.of((long) writer * KEYS + i % KEYS);
    }

    /** One round: each writer overwrites its keys, concurrently with the others. */
    private void round(int round) throws Exception {
        List<Future<?>> done = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            int writer = w;
            done.add(writers.submit(() -> {
                for (int i = 0; i < COMMITS_PER_WRITER_PER_ROUND; i++) {
                    int n = i;
                    cluster.commit(tx -> tx.update(ROOT, key(writer, n), value(writer, round, n)));
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get(Await.DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /** Waits until every replica has applied {@code index} and aggregated up to its base; returns the most any pool uses. */
    private long settledUsedBytes(long index) {
        cluster.awaitApplied(index, cluster.ids());
        long used = 0;
        for (long id : cluster.ids()) {
            Await.until("replica " + id + " aggregating up to its base", () -> {
                ReplicaStatus s = cluster.replica(id).status();
                return s.aggregatedIndex() >= s.baseIndex();
            });
            used = Math.max(used, cluster.pool(id).query().usedBytes());
        }
        return used;
    }

    @Test
    void aCompactionForLengthStopsAtTheEndOfALogSegmentWhereOneIsInReach() throws Exception {
        // Past one segment's entries (4,096), the base goes to a segment's end: whole segments are
        // dropped and no entry is punched key by key; below that, to the retention point itself.
        assertEquals(4095, Compactor.compactionPoint(0, 4095));
        assertEquals(4095, Compactor.compactionPoint(0, 4200));
        assertEquals(8191, Compactor.compactionPoint(4095, 12000));
        assertEquals(8191, Compactor.compactionPoint(5000, 8191));
        assertEquals(4094, Compactor.compactionPoint(0, 4094), "no segment end in reach: the target");
        assertEquals(8000, Compactor.compactionPoint(4095, 8000), "the next segment end is past the target");
        assertEquals(48, Compactor.compactionPoint(30, 48));
        // A replica compacting for length: the threshold crossed once, the base lands on a segment end.
        RdbConfig config = TestCluster.testConfig(37).compactThresholdEntries(4200).compactRetainEntries(16).build();
        cluster = TestCluster.start(dir, 1, config, 37, id -> new RecordingListener());
        cluster.commit(tx -> tx.createRoot(KeyOrder.INTEGER));
        writers = Executors.newFixedThreadPool(WRITERS);
        List<Future<?>> done = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            int writer = w;
            done.add(writers.submit(() -> {
                for (int i = 0; i < 1100; i++) {
                    int n = i;
                    cluster.commit(tx -> tx.update(ROOT, key(writer, n), new byte[16]));
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get(Await.DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
        }
        ReplicaStatus s = cluster.awaitLeader().status();
        assertTrue(s.commitIndex() > 4200 + 16, "committed " + s.commitIndex());
        assertEquals(4095, s.baseIndex(), "the base after one compaction for length (commit " + s.commitIndex() + ")");
    }

    @Test
    void compactionUnderLoadKeepsCommitsGoingAndTheSpaceBoundedAndARestartFindsEverything() throws Exception {
        RdbConfig config = TestCluster.testConfig(31).compactThresholdEntries(64).compactRetainEntries(16)
                .requestRetentionEntries(256).aggregationSliceKeys(64).build();
        cluster = TestCluster.start(dir, 3, config, 31, id -> new RecordingListener());
        writers = Executors.newFixedThreadPool(WRITERS);
        cluster.commit(tx -> tx.createRoot(KeyOrder.INTEGER));
        List<Long> used = new ArrayList<>();
        List<Long> bases = new ArrayList<>();
        for (int r = 0; r < ROUNDS; r++) {
            round(r);
            long last = cluster.awaitLeader().status().commitIndex();
            used.add(settledUsedBytes(last));
            bases.add(cluster.awaitLeader().status().baseIndex());
        }
        // Every commit completed (each round waited for all of them), and the base kept moving.
        long commits = (long) ROUNDS * WRITERS * COMMITS_PER_WRITER_PER_ROUND;
        assertTrue(bases.get(ROUNDS - 1) > commits / 2, "the log was compacted as it grew: bases " + bases);
        for (int r = 1; r < ROUNDS; r++) {
            assertTrue(bases.get(r) > bases.get(r - 1), "compacted in every round: " + bases);
        }
        // The rounds overwrite the same keys: without compaction every round would add its
        // entries, versions and request records (about 3 x 240 x 2 KiB); with it the space used
        // after the second round is about what it is after the last.
        long growthPerRoundWithout = 3L * WRITERS * COMMITS_PER_WRITER_PER_ROUND * VALUE_BYTES;
        long growth = used.get(ROUNDS - 1) - used.get(1);
        assertTrue(growth < growthPerRoundWithout, "used bytes per round " + used + ", grew by " + growth
                + " over " + (ROUNDS - 2) + " rounds, while one round alone writes " + growthPerRoundWithout);
        // A restart of every replica after compaction finds the latest value of every key.
        long last = cluster.awaitLeader().status().commitIndex();
        cluster.stopAll();
        for (long id : cluster.ids()) {
            cluster.restart(id);
        }
        for (long id : cluster.ids()) {
            ReplicaStatus s = cluster.replica(id).status();
            assertTrue(s.baseIndex() > last - 64 - 16 - 1 && s.baseIndex() <= last,
                    "replica " + id + " restarted with the log after " + s.baseIndex() + " only (last " + last + ")");
        }
        for (int w = 0; w < WRITERS; w++) {
            for (int i = COMMITS_PER_WRITER_PER_ROUND - KEYS; i < COMMITS_PER_WRITER_PER_ROUND; i++) {
                int writer = w;
                int n = i;
                assertArrayEquals(value(writer, ROUNDS - 1, n),
                        cluster.read(tx -> tx.lookup(ROOT, key(writer, n))).orElseThrow(), "key " + key(w, i));
            }
        }
        // And it goes on: a new commit applies everywhere.
        long next = cluster.commit(tx -> tx.update(ROOT, Key.of(1_000_000), new byte[] {1}));
        cluster.awaitApplied(next, cluster.ids());
        assertEquals(Optional.empty(), cluster.replica(1).failure());
    }

    @Test
    void aggregationThatAReadHeldBackGoesOnOnceTheReadEnds() throws Exception {
        // A read's end wakes the maintenance thread only when aggregation has not reached its
        // target, not at every read: this is the case where it must. With no scrub and no
        // further commit, nothing else wakes the thread, so without that wake-up the versions
        // the read held would stay until some later compaction.
        RdbConfig config = TestCluster.testConfig(41).compactThresholdEntries(64).compactRetainEntries(16)
                .scrubBytesPerSecond(0).build();
        cluster = TestCluster.start(dir, 1, config, 41, id -> new RecordingListener());
        cluster.commit(tx -> tx.createRoot(KeyOrder.INTEGER));
        Replica replica = cluster.awaitLeader();
        Tx read = replica.begin(replica.status().term());
        long epoch = read.readEpoch();
        for (int i = 0; i < 200; i++) {
            int n = i;
            cluster.commit(tx -> tx.update(ROOT, Key.of(n % 8), new byte[16]));
        }
        Await.until("a compaction past the read's epoch " + epoch, () -> replica.status().baseIndex() > epoch);
        assertTrue(replica.status().aggregatedIndex() <= epoch, "aggregated past the epoch a read still held: "
                + replica.status().aggregatedIndex() + " > " + epoch);
        read.close();
        Await.until("aggregation up to the base once the read ended", () -> {
            ReplicaStatus s = replica.status();
            return s.aggregatedIndex() >= s.baseIndex();
        });
    }
}
