package org.vostok.rdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vostok.raft.MembershipChange;
import org.vostok.rdb.model.KvsPath;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.testing.Await;
import org.vostok.rdb.testing.RecordingListener;
import org.vostok.rdb.testing.TestCluster;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.PoolBackend;
import org.vostok.vos.PoolOptions;

/**
 * Full pools on 3-replica clusters: the leader refuses what is not critical with NOSPACE before
 * anything is appended, deletes still go through, compaction and aggregation give the space
 * back, and writes are taken again; a follower whose pool fills first restarts its core, stays a
 * follower and catches up once its own compaction and aggregation have freed space. No replica
 * stops on the way.
 */
class SpaceTest {

    private static final Logger LOG = LoggerFactory.getLogger(SpaceTest.class);

    private static final KvsPath ROOT = KvsPath.root();
    /**
     * Pools of 32 MiB refusing below 12 MiB free, filled with entries of 64 KiB: the headroom
     * keeps clear of the store's own limit (it holds back 1 MiB for freeing transactions, and
     * PMDK hands out space in 256 KiB chunks per allocation size, so its free bytes overstate
     * what a write can get), so the client's NOSPACE comes from the leader's check. Should a
     * follower's pool meet the store's limit first anyway, it recovers as the second test shows.
     */
    private static final long POOL_BYTES = 32L << 20;
    private static final long FREE_BYTES_MIN = 12L << 20;
    private static final int VALUE_BYTES = 16 << 10;
    private static final int VALUES_PER_TX = 4;
    /** Bursts of 8 writers, each with 6 transactions in flight (48 x 64 KiB, about 8 MiB to write). */
    private static final int BURSTS = 4;
    private static final int BURST_WRITERS = 8;
    private static final int BURST_COMMITS_PER_WRITER = 6;
    /**
     * Pools of 64 MiB refusing below 16 MiB free for the bursts, on both backends: writing at the
     * margin again and again strands space in both allocators (seen with a margin of 12 MiB in
     * 32 MiB pools: PMDK with no free block of 16 KiB at 12.8 MB free, the WAL heap with none at
     * 4 MiB free), so poolFreeBytesMin must cover that as well as the bursts' estimates.
     */
    private static final long BURST_POOL_BYTES = 64L << 20;
    private static final long BURST_FREE_BYTES_MIN = 16L << 20;
    /** Free bytes above poolFreeBytesMin when the bursts begin: less than one burst needs. */
    private static final long BURST_HEADROOM_BYTES = 5L << 20;
    /** What a compaction's tombstones may take that no reservation counts. */
    private static final long COMPACTION_SLACK_BYTES = 256L << 10;

    @TempDir
    Path dir;
    private TestCluster cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) {
            cluster.closeAndCheckEvents();
        }
    }

    private static Key key(int tx, int i) {
        return Key.ofUtf8("fill-" + tx + "-" + i);
    }

    /**
     * Commits transactions of fresh random values until the pool is full: one is refused with
     * NOSPACE even after the compaction that refusal started has been aggregated (until then,
     * the entries that carried the values may still take space). Returns how many went in.
     */
    private int fillUntilRefused(SplittableRandom random) {
        boolean refusedOnce = false;
        for (int tx = 0; tx < 10_000; tx++) {
            int t = tx;
            List<byte[]> values = new ArrayList<>();
            for (int i = 0; i < VALUES_PER_TX; i++) {
                byte[] v = new byte[VALUE_BYTES];
                random.nextBytes(v);
                values.add(v);
            }
            try {
                cluster.commit(x -> {
                    for (int i = 0; i < VALUES_PER_TX; i++) {
                        x.update(ROOT, key(t, i), values.get(i));
                    }
                });
                refusedOnce = false;
            } catch (RdbException e) {
                assertEquals(RdbError.NOSPACE, e.error(), e.getMessage());
                assertTrue(e.getMessage().contains("poolFreeBytesMin"), e.getMessage());
                if (refusedOnce) {
                    return tx;
                }
                refusedOnce = true;
                Await.until("the leader's aggregation up to its base", () -> {
                    ReplicaStatus s = cluster.awaitLeader().status();
                    return s.aggregatedIndex() >= s.baseIndex();
                });
                tx--; // the same transaction once more
            }
        }
        throw new AssertionError("the pools never filled");
    }

    private void assertNoReplicaStopped() {
        for (long id : cluster.runningIds()) {
            assertEquals(Optional.empty(), cluster.replica(id).failure(), "replica " + id);
        }
        assertTrue(cluster.runningIds().containsAll(List.of(1L, 2L, 3L)));
    }

    @ParameterizedTest
    @EnumSource(PoolBackend.class)
    void aFullPoolTakesDeletesThenWritesAgainOnceCompactionAndAggregationFreedTheSpace(PoolBackend backend) {
        RdbConfig config = TestCluster.testConfig(41).poolFreeBytesMin(FREE_BYTES_MIN).compactThresholdEntries(16)
                .compactRetainEntries(4).build();
        PoolOptions options = backend == PoolBackend.WAL ? PoolOptions.wal() : PoolOptions.pmem();
        cluster = TestCluster.start(dir, 3, config, 41, id -> new RecordingListener(), options, POOL_BYTES);
        cluster.commit(tx -> tx.createRoot(KeyOrder.LEXICAL));
        SplittableRandom random = new SplittableRandom(41);
        int filled = fillUntilRefused(random);
        assertTrue(filled > 20, "the pools held " + filled + " transactions of " + VALUES_PER_TX * VALUE_BYTES + " bytes");
        // Refused before anything was appended: the leader's log did not grow.
        Replica leader = cluster.awaitLeader();
        ReplicaStatus before = leader.status();
        byte[][] more = randomValues(random);
        ExecutionException refused = assertThrows(ExecutionException.class, () -> {
            Tx tx = leader.begin(before.term());
            for (int i = 0; i < VALUES_PER_TX; i++) {
                tx.update(ROOT, Key.ofUtf8("one more " + i), more[i]);
            }
            tx.commit().get();
        });
        RdbException nospace = (RdbException) refused.getCause();
        assertEquals(RdbError.NOSPACE, nospace.error(), nospace.getMessage());
        assertFalse(nospace.outcomeUnknown(), "refused before it was proposed");
        if (leader.status().term() == before.term()) {
            assertEquals(before.lastIndex(), leader.status().lastIndex());
        }
        // Deletes are critical: they go through on the full pool, a few keys per transaction.
        for (int tx = 0; tx < filled; tx++) {
            int t = tx;
            cluster.commit(x -> {
                for (int i = 0; i < VALUES_PER_TX; i++) {
                    if (t % 4 != 0) {
                        x.delete(ROOT, key(t, i));
                    }
                }
            });
        }
        // Space comes back once the log is compacted past the deletes and aggregated: writes go in again.
        byte[] after = new byte[VALUE_BYTES];
        random.nextBytes(after);
        long index = Await.value("a write taken again after the deletes", () -> {
            try {
                return Optional.of(cluster.commit(tx -> tx.update(ROOT, Key.ofUtf8("after"), after)));
            } catch (RdbException e) {
                if (e.error() != RdbError.NOSPACE) {
                    throw e;
                }
                return Optional.empty();
            }
        });
        cluster.awaitApplied(index, cluster.ids());
        assertNoReplicaStopped();
        assertArrayEquals(after, cluster.read(tx -> tx.lookup(ROOT, Key.ofUtf8("after"))).orElseThrow());
        assertTrue(cluster.read(tx -> tx.lookup(ROOT, key(4, 0))).isPresent(), "kept");
        assertTrue(cluster.read(tx -> tx.lookup(ROOT, key(5, 0))).isEmpty(), "deleted");
        // Every replica holds the same, durably.
        cluster.stopAll();
        for (long id : cluster.ids()) {
            assertArrayEquals(after, cluster.inspectStopped(id, r -> r.lookup(ROOT, Key.ofUtf8("after"))).orElseThrow(
                    () -> new AssertionError("replica " + id + " at " + cluster.inspectStopped(id, r -> r.epoch())
                            + " lacks the write at " + index)));
            assertTrue(cluster.inspectStopped(id, r -> r.lookup(ROOT, key(filled - 1, 0))).isEmpty() == ((filled - 1) % 4 != 0));
        }
    }

    @Test
    void aFollowerWhosePoolFillsFirstStaysAFollowerAndCatchesUpOnceItsCompactionFreedSpace() {
        // No NOSPACE check (poolFreeBytesMin 0) and no compaction by count: the small pool of
        // replica 4 fills with the entries it keeps besides the tree until a write fails there.
        RdbConfig config = TestCluster.testConfig(43).poolFreeBytesMin(0).compactThresholdEntries(100_000).build();
        cluster = TestCluster.start(dir, 3, config, 43, id -> new RecordingListener(), PoolOptions.pmem(), 64L << 20);
        cluster.commit(tx -> tx.createRoot(KeyOrder.LEXICAL));
        cluster.startJoining(4, 24L << 20);
        long added = Await.value("replica 4 added as a learner", () -> {
            try {
                return Optional.of(cluster.awaitLeader().changeMembership(MembershipChange.addLearner(4)).get());
            } catch (ExecutionException | InterruptedException e) {
                return Optional.empty();
            }
        });
        cluster.awaitApplied(added, List.of(4L));
        // 12 MiB of values: 24 MiB with the entries that carried them, more than the pool holds.
        // (Values of 60 KiB: PMDK packs them in runs; one of 256 KiB would take two whole chunks.)
        SplittableRandom random = new SplittableRandom(43);
        long last = 0;
        for (int tx = 0; tx < 200; tx++) {
            int t = tx;
            byte[] v = new byte[60 << 10];
            random.nextBytes(v);
            last = cluster.commit(x -> x.update(ROOT, key(t, 0), v));
        }
        cluster.awaitApplied(last, List.of(1L, 2L, 3L, 4L));
        ReplicaStatus s = cluster.replica(4).status();
        assertTrue(s.fullPoolWrites() > 0, "replica 4 met a full pool: " + s);
        assertFalse(s.spaceBlocked(), "and wrote again: " + s);
        assertTrue(s.baseIndex() > added, "by compacting its log: " + s);
        assertEquals(org.vostok.raft.Role.FOLLOWER, s.role());
        assertNoReplicaStopped();
        assertEquals(Optional.empty(), cluster.replica(4).failure());
        cluster.stop(4);
        assertTrue(cluster.inspectStopped(4, r -> r.lookup(ROOT, key(199, 0))).isPresent());
    }

    /**
     * Regression test: the leader read its pool's free bytes once per round and took every
     * transaction of the round while they were above poolFreeBytesMin, so a burst of writers near
     * a full pool went past the margin; when the batch then met a full pool, the leader restarted
     * its core and lost the leadership. Now each proposal reserves its estimated bytes: bursts at
     * a nearly full pool get some in and the rest a clean NOSPACE, the leader's free bytes stay at
     * or above poolFreeBytesMin, no write meets a full pool, and the leadership stays put.
     */
    @ParameterizedTest
    @EnumSource(PoolBackend.class)
    void burstsOfWritersAtANearlyFullPoolGetCleanNospaceAndKeepTheLeader(PoolBackend backend) throws Exception {
        long freeBytesMin = BURST_FREE_BYTES_MIN;
        RdbConfig config = TestCluster.testConfig(44).poolFreeBytesMin(freeBytesMin).compactThresholdEntries(16)
                .compactRetainEntries(4).electionTimeoutTicks(40).heartbeatTicks(4).build();
        PoolOptions options = backend == PoolBackend.WAL ? PoolOptions.wal() : PoolOptions.pmem();
        cluster = TestCluster.start(dir, 3, config, 44, id -> new RecordingListener(), options, BURST_POOL_BYTES);
        cluster.commit(tx -> tx.createRoot(KeyOrder.LEXICAL));
        Replica leader = cluster.awaitLeader();
        long term = leader.status().term();
        SplittableRandom random = new SplittableRandom(44);
        // Nearly full: fewer free bytes above the margin than one burst needs.
        int filled = 0;
        while (cluster.pool(leader.id()).query().freeBytes() > freeBytesMin + BURST_HEADROOM_BYTES) {
            int t = filled++;
            byte[][] values = randomValues(random);
            cluster.commit(x -> {
                for (int i = 0; i < VALUES_PER_TX; i++) {
                    x.update(ROOT, key(t, i), values[i]);
                }
            });
        }
        int taken = 0;
        int refused = 0;
        ExecutorService writers = Executors.newFixedThreadPool(BURST_WRITERS);
        try {
            for (int burst = 0; burst < BURSTS; burst++) {
                List<Future<List<CompletableFuture<Long>>>> submitted = new ArrayList<>();
                for (int w = 0; w < BURST_WRITERS; w++) {
                    int first = 1_000_000 * (burst + 1) + w * BURST_COMMITS_PER_WRITER;
                    byte[][][] values = new byte[BURST_COMMITS_PER_WRITER][][];
                    for (int c = 0; c < BURST_COMMITS_PER_WRITER; c++) {
                        values[c] = randomValues(random);
                    }
                    submitted.add(writers.submit(() -> {
                        List<CompletableFuture<Long>> commits = new ArrayList<>();
                        for (int c = 0; c < BURST_COMMITS_PER_WRITER; c++) {
                            Tx tx = leader.begin(term);
                            for (int i = 0; i < VALUES_PER_TX; i++) {
                                tx.update(ROOT, key(first + c, i), values[c][i]);
                            }
                            commits.add(tx.commit());
                        }
                        return commits;
                    }));
                }
                for (Future<List<CompletableFuture<Long>>> f : submitted) {
                    for (CompletableFuture<Long> commit : f.get(Await.DEADLINE_MILLIS, TimeUnit.MILLISECONDS)) {
                        try {
                            commit.get(Await.DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
                            taken++;
                        } catch (ExecutionException e) {
                            RdbException r = (RdbException) e.getCause();
                            assertEquals(RdbError.NOSPACE, r.error(), r.getMessage());
                            refused++;
                        }
                    }
                }
                long free = cluster.pool(leader.id()).query().freeBytes();
                LOG.info("{} pools, burst {}: {} taken and {} refused so far, the leader has {} free bytes", backend,
                        burst, taken, refused, free);
                assertTrue(free >= freeBytesMin - COMPACTION_SLACK_BYTES, "burst " + burst + " left the leader "
                        + free + " free bytes, below poolFreeBytesMin (" + freeBytesMin + ")");
                ReplicaStatus s = leader.status();
                assertTrue(s.isReadyLeader() && s.term() == term, "the leadership moved: " + s);
                for (long id : cluster.ids()) {
                    assertEquals(0, cluster.replica(id).status().fullPoolWrites(), "replica " + id + " met a full pool");
                }
            }
        } finally {
            writers.shutdownNow();
        }
        assertTrue(taken > 0 && refused > 0, "the bursts were neither all taken nor all refused: " + taken
                + " taken, " + refused + " refused after " + filled + " to fill");
        assertNoReplicaStopped();
    }

    private static byte[][] randomValues(SplittableRandom random) {
        byte[][] values = new byte[VALUES_PER_TX][VALUE_BYTES];
        for (byte[] v : values) {
            random.nextBytes(v);
        }
        return values;
    }
}
