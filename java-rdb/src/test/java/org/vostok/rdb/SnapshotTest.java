package org.vostok.rdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vostok.raft.MembershipChange;
import org.vostok.raft.Message;
import org.vostok.rdb.model.KvsPath;
import org.vostok.rdb.testing.Await;
import org.vostok.rdb.testing.RecordingListener;
import org.vostok.rdb.testing.TestCluster;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;

/**
 * Snapshots between replicas in one process, on real pool files: a new replica and a lagging
 * one receive the tree at the leader's base in LZ4 chunks of at most 64 KiB (here), enough data
 * for many chunks; a receiver restarted mid-snapshot resumes where its staged copy ends; a
 * leader change mid-snapshot lets the receiver finish from the new leader.
 */
class SnapshotTest {

    private static final KvsPath ROOT = KvsPath.root();
    private static final int CHUNK_BYTES = 64 << 10;
    private static final int VALUES = 64;
    private static final int VALUE_BYTES = 16 << 10;

    @TempDir
    Path dir;
    private TestCluster cluster;
    private final List<byte[]> values = new ArrayList<>();

    @AfterEach
    void tearDown() {
        if (cluster != null) {
            cluster.network().reset();
            cluster.closeAndCheckEvents();
        }
    }

    private void start(long seed) {
        RdbConfig config = TestCluster.testConfig(seed).snapshotChunkBytesMax(CHUNK_BYTES).compactThresholdEntries(8)
                .compactRetainEntries(0).build();
        cluster = TestCluster.start(dir, 3, config, seed, id -> new RecordingListener());
    }

    /** 1 MiB of incompressible values in a child KVS (16 chunks at least), then enough commits to compact past them. */
    private long writeTree(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        cluster.commit(tx -> tx.createRoot(KeyOrder.LEXICAL).createKvs(ROOT, Key.ofUtf8("data"), KeyOrder.INTEGER));
        for (int i = 0; i < VALUES; i++) {
            byte[] v = new byte[VALUE_BYTES];
            random.nextBytes(v);
            values.add(v);
            int n = i;
            cluster.commit(tx -> tx.update(ROOT.child("data"), Key.of(n), v));
        }
        long last = 0;
        for (int i = 0; i < 10; i++) {
            int n = i;
            last = cluster.commit(tx -> tx.update(ROOT, Key.ofUtf8("tick"), new byte[] {(byte) n}));
        }
        return last;
    }

    private void assertHoldsTheTree(long id) {
        cluster.stop(id);
        for (int i = 0; i < VALUES; i++) {
            int n = i;
            assertArrayEquals(values.get(i), cluster.inspectStopped(id, r -> r.lookup(ROOT.child("data"), Key.of(n)))
                    .orElseThrow(), "value " + i + " on replica " + id);
        }
        assertArrayEquals(new byte[] {9}, cluster.inspectStopped(id, r -> r.lookup(ROOT, Key.ofUtf8("tick"))).orElseThrow());
    }

    private long addLearner(long id) {
        return Await.value("replica " + id + " added as a learner", () -> {
            Replica leader = cluster.awaitLeader();
            if (leader.status().membership().contains(id)) {
                return Optional.of(leader.status().commitIndex());
            }
            try {
                return Optional.of(leader.changeMembership(MembershipChange.addLearner(id)).get());
            } catch (ExecutionException | InterruptedException e) {
                return Optional.empty();
            }
        });
    }

    /**
     * Counts the snapshot chunks sent to {@code to} and, past {@code passMax}, drops them; notes
     * the offsets {@code to} answers with.
     */
    private static final class ChunkGate {
        final long to;
        final AtomicInteger passed = new AtomicInteger();
        volatile int passMax = Integer.MAX_VALUE;
        final List<Long> offsets = Collections.synchronizedList(new ArrayList<>());
        final List<Long> senders = Collections.synchronizedList(new ArrayList<>());
        final List<Long> answered = Collections.synchronizedList(new ArrayList<>());

        ChunkGate(long to) {
            this.to = to;
        }

        boolean pass(Message m) {
            if (m instanceof Message.SnapshotChunkResponse r && r.from() == to && !r.done() && !r.failed()) {
                answered.add(r.nextOffset());
            }
            if (!(m instanceof Message.SnapshotChunk c) || c.to() != to) {
                return true;
            }
            if (passed.get() >= passMax) {
                return false;
            }
            passed.incrementAndGet();
            offsets.add(c.offset());
            senders.add(c.from());
            assertTrue(c.data().length <= CHUNK_BYTES);
            return true;
        }
    }

    @Test
    void aNewReplicaReceivesTheTreeInManyChunks() {
        start(51);
        long last = writeTree(51);
        cluster.awaitApplied(last, cluster.ids());
        assertTrue(cluster.awaitLeader().status().baseIndex() > 1, "the log was compacted: no founding snapshot");
        ChunkGate gate = new ChunkGate(4);
        cluster.network().setFilter(gate::pass);
        cluster.startJoining(4);
        long added = addLearner(4);
        cluster.awaitApplied(added, List.of(4L));
        assertTrue(gate.passed.get() >= 16, gate.passed.get() + " chunks");
        assertTrue(cluster.replica(4).status().baseIndex() > 1, "replica 4's log starts at the snapshot");
        assertHoldsTheTree(4);
    }

    @Test
    void aLaggingReplicaCatchesUpBySnapshotOnceTheLogItNeedsIsCompacted() {
        start(52);
        long leader = cluster.awaitLeader().id();
        long lagging = leader == 3 ? 2 : 3;
        cluster.network().isolate(lagging);
        long behind = cluster.replica(lagging).status().lastIndex();
        long last = writeTree(52);
        List<Long> others = cluster.ids().stream().filter(i -> i != lagging).toList();
        cluster.awaitApplied(last, others);
        Await.until("the log compacted past replica " + lagging, () -> cluster.awaitLeader().status().baseIndex() > behind);
        ChunkGate gate = new ChunkGate(lagging);
        cluster.network().setFilter(gate::pass);
        cluster.network().heal();
        cluster.awaitApplied(last, List.of(lagging));
        assertTrue(gate.passed.get() >= 16, gate.passed.get() + " chunks");
        assertHoldsTheTree(lagging);
    }

    @Test
    void aReceiverRestartedMidSnapshotResumesWhereItsStagedCopyEnds() {
        start(53);
        long last = writeTree(53);
        cluster.awaitApplied(last, cluster.ids());
        ChunkGate gate = new ChunkGate(4);
        gate.passMax = 5;
        cluster.network().setFilter(gate::pass);
        cluster.startJoining(4);
        addLearner(4);
        // Five chunks arrive and are written; the sixth and later ones are lost.
        Await.until("five chunks staged on replica 4", () -> gate.passed.get() == 5
                && cluster.replica(4).status().incomingSnapshotBytes() > 0
                && gate.offsets.size() == 5 && cluster.replica(4).status().incomingSnapshotBytes() > gate.offsets.get(4));
        long staged = cluster.replica(4).status().incomingSnapshotBytes();
        cluster.stop(4);
        ChunkGate after = new ChunkGate(4);
        cluster.network().setFilter(after::pass);
        Replica restarted = cluster.restart(4);
        assertEquals(staged, restarted.status().incomingSnapshotBytes(), "the staged copy survived the restart");
        cluster.awaitApplied(last, List.of(4L));
        // A replica that lost its copy would answer offset 0 (and take the snapshot again); this
        // one answered from where its staged copy ends, whatever the leader sent first.
        assertFalse(after.answered.isEmpty());
        assertFalse(after.answered.contains(0L), "the snapshot did not start over: answers " + after.answered);
        assertTrue(after.answered.get(0) >= staged, "it went on from " + staged + ": answers " + after.answered);
        assertHoldsTheTree(4);
    }

    @Test
    void aLeaderChangeMidSnapshotLetsTheReceiverFinishFromTheNewLeader() {
        start(54);
        long last = writeTree(54);
        cluster.awaitApplied(last, cluster.ids());
        ChunkGate gate = new ChunkGate(4);
        gate.passMax = 5;
        cluster.network().setFilter(gate::pass);
        cluster.startJoining(4);
        addLearner(4);
        Await.until("five chunks sent to replica 4", () -> gate.passed.get() == 5);
        long first = gate.senders.get(0);
        // The leader that was sending stops; another one takes over and sends its own snapshot.
        cluster.stop(first);
        ChunkGate after = new ChunkGate(4);
        cluster.network().setFilter(after::pass);
        Replica next = cluster.awaitLeader();
        assertTrue(next.id() != first);
        long more = cluster.commit(tx -> tx.update(ROOT, Key.ofUtf8("after"), new byte[] {1}));
        cluster.awaitApplied(more, List.of(4L));
        assertFalse(after.senders.isEmpty());
        assertFalse(after.senders.contains(first), "chunks from " + after.senders);
        assertArrayEquals(new byte[] {1}, cluster.read(tx -> tx.lookup(ROOT, Key.ofUtf8("after"))).orElseThrow());
        assertHoldsTheTree(4);
    }
}
