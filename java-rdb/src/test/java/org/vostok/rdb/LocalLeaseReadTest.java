package org.vostok.rdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vostok.raft.Message;
import org.vostok.rdb.model.KvsPath;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.PoolOptions;
import org.vostok.vos.VosLimits;

/**
 * A transaction's first query gets its read epoch on its own thread while the leader's lease
 * holds ({@link LocalLease}), and asks the owner thread otherwise: checked on three replicas
 * that this test drives itself, on a clock it moves, so that nothing is timed. The owner
 * threads are "stalled" simply by not driving them.
 */
class LocalLeaseReadTest {

    private static final long MILLIS = 1_000_000;
    private static final KvsPath ROOT = KvsPath.root();

    @TempDir
    Path dir;
    private long now = 1_000_000_000L;
    private SimNetwork network;
    private SimCluster cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private Replica start(boolean leaseReads) {
        network = new SimNetwork(new SplittableRandom(7), () -> now);
        RdbConfig config = RdbConfig.builder().tickMillis(10).electionTimeoutTicks(10).heartbeatTicks(2)
                .clockDriftMarginMillis(20).checkQuorum(true).preVote(true).leaseReads(leaseReads)
                .readTimeoutMillis(1000).randomSeed(7).build();
        cluster = new SimCluster(dir, config, PoolOptions.pmem(), VosLimits.POOL_BYTES_MIN, network, () -> now, 1,
                Optional.empty(), new SplittableRandom(7));
        cluster.found(3);
        drive(() -> cluster.leader().isPresent(), "a leader ready for transactions");
        Replica leader = cluster.leader().orElseThrow();
        commit(leader.begin(leader.status().term()).createRoot(KeyOrder.LEXICAL));
        return leader;
    }

    @Test
    void aReadEpochComesFromTheLeaseWithoutTheOwnerThreadAndHasEveryAcknowledgedWrite() {
        Replica leader = start(true);
        long term = leader.status().term();
        drive(() -> leader.publishedLease() != null, "a lease published");
        long index = commit(leader.begin(term).update(ROOT, Key.ofUtf8("k"), bytes("v1")));

        // No replica is driven from here on: only the caller's thread works.
        long before = leader.localReads();
        CompletableFuture<ReadView> read = leader.readEpoch(term);
        assertTrue(read.isDone(), "the read epoch comes at once, from the lease");
        ReadView view = read.join();
        assertTrue(view.reader().epoch() >= index, "the epoch " + view.reader().epoch()
                + " holds the write acknowledged at " + index);
        assertEquals(Optional.of("v1"), view.reader().lookup(ROOT, Key.ofUtf8("k"))
                .map(b -> new String(b, StandardCharsets.UTF_8)));
        view.pin().close();
        assertEquals(before + 1, leader.localReads());

        assertFalse(leader.readEpoch(term + 1).isDone(), "a transaction of another term asks the owner thread");
    }

    @Test
    void theLeaseEndsByTheClockWhileTheOwnerThreadIsStalled() {
        Replica leader = start(true);
        long term = leader.status().term();
        drive(() -> leader.publishedLease() != null, "a lease published");
        LocalLease lease = leader.publishedLease();

        now = lease.expiryNanos() - 1;
        assertTrue(leader.readEpoch(term).isDone(), "one nanosecond before the expiry, the lease answers");
        now = lease.expiryNanos();
        CompletableFuture<ReadView> late = leader.readEpoch(term);
        assertFalse(late.isDone(), "at the expiry it must not: the owner thread confirms the read instead");
        assertNotNull(leader.publishedLease(), "(the owner thread, stalled, has not withdrawn the record)");

        drive(late::isDone, "the owner thread answers the read");
        late.join().pin().close();
    }

    @Test
    void aLeaderHandingItsLeadershipOverWithdrawsItsLeaseBeforeTheTimeoutNowLeaves() {
        Replica leader = start(true);
        long term = leader.status().term();
        drive(() -> leader.publishedLease() != null, "a lease published");
        // Followers caught up, so that the TimeoutNow goes out in the round that takes the request.
        drive(() -> followersCaughtUp(leader), "the followers caught up");
        long target = leader.id() == 1 ? 2 : 1;
        network.deliverDue(now + 1_000 * MILLIS);
        List<String> leaseAtTimeoutNow = new ArrayList<>();
        network.onSend(m -> {
            if (m instanceof Message.TimeoutNow) {
                leaseAtTimeoutNow.add(String.valueOf(leader.publishedLease()));
            }
        });
        leader.transferLeadership(target);
        leader.doWork(now);
        assertEquals(List.of("null"), leaseAtTimeoutNow,
                "the round sent the TimeoutNow, and had withdrawn the lease record before it did");
        assertFalse(leader.readEpoch(term).isDone(), "and the reads ask the owner thread again");
    }

    @Test
    void withoutLeaseReadsNothingIsPublished() {
        Replica leader = start(false);
        long term = leader.status().term();
        long index = commit(leader.begin(term).update(ROOT, Key.ofUtf8("k"), bytes("v1")));
        assertTrue(index > 0);
        assertNull(leader.publishedLease());
        assertFalse(leader.readEpoch(term).isDone(), "a ReadIndex read waits for a heartbeat round");
    }

    @Test
    void aPinIsRefusedBelowWhereAggregationWasLetGoAndHoldsItBackAbove() {
        ReadPins pins = new ReadPins(() -> { });
        assertEquals(10, pins.aggregationBound(10));
        assertNull(pins.pinUnlessPassed(9), "aggregation may have folded epoch 9 away");
        ReadPins.Pin at10 = pins.pinUnlessPassed(10);
        assertNotNull(at10, "epoch 10 is still readable");
        assertEquals(10, pins.aggregationBound(20), "the pin holds aggregation at 10");
        at10.close();
        assertEquals(20, pins.aggregationBound(20));
        assertNull(pins.pinUnlessPassed(15));
    }

    // ----------------------------------------------------------------------------------------

    private boolean followersCaughtUp(Replica leader) {
        long last = leader.status().lastIndex();
        for (long id : cluster.runningIds()) {
            if (cluster.running(id).orElseThrow().status().appliedIndex() < last) {
                return false;
            }
        }
        return true;
    }

    private long commit(Tx tx) {
        CompletableFuture<Long> f = tx.commit();
        drive(f::isDone, "the commit");
        return f.join();
    }

    /** Drives every replica, its lanes and the network, a millisecond at a time, until {@code done}. */
    private void drive(BooleanSupplier done, String what) {
        long deadline = now + 10_000 * MILLIS;
        while (!done.getAsBoolean()) {
            if (now >= deadline) {
                throw new AssertionError("no " + what + " within 10 s of simulated time");
            }
            network.deliverDue(now);
            for (long id : cluster.runningIds()) {
                cluster.running(id).orElseThrow().doWork(now);
            }
            for (long id : cluster.runningIds()) {
                for (SimLane lane : cluster.find(id, true).orElseThrow().runtime.lanes()) {
                    while (lane.runNext()) {
                        // runs what is due
                    }
                }
            }
            now += MILLIS;
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
