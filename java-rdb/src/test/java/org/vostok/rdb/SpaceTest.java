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
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.vostok.raft.MembershipChange;
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
        ExecutionException refused = assertThrows(ExecutionException.class, () -> leader.begin(before.term())
                .update(ROOT, Key.ofUtf8("one more"), new byte[16]).commit().get());
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
}
