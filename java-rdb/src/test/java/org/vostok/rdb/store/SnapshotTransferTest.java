package org.vostok.rdb.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vostok.raft.Entry;
import org.vostok.raft.HardState;
import org.vostok.raft.Membership;
import org.vostok.raft.SnapshotMetadata;
import org.vostok.rdb.model.KvsPath;
import org.vostok.rdb.model.KvsRecord;
import org.vostok.rdb.model.KvsScan;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.model.RequestId;
import org.vostok.rdb.testing.TestPools;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.Pool;

/**
 * A snapshot from one store to another on real pool files: the tree at the sender's base, cut
 * into LZ4 chunks (a value too large for one chunk in pieces), written into a staging container
 * that survives the receiver's restart, installed in one META transaction. Chunks that do not
 * continue the staged copy are refused; duplicates are ignored.
 */
class SnapshotTransferTest {

    private static final Membership THREE = Membership.ofVoters(1, 2, 3);
    private static final KvsPath ROOT = KvsPath.root();
    private static final int CHUNK_BYTES = 64 << 10;

    @TempDir
    Path dir;
    private Pool senderPool;
    private RdbStore sender;
    private Path receiverPath;
    private Pool receiverPool;
    private RdbStore receiver;
    private final List<RequestId> requests = new ArrayList<>();

    @BeforeEach
    void setUp() {
        senderPool = TestPools.create(dir.resolve("sender.pool"));
        RdbStore.format(senderPool, 1, Optional.of(THREE));
        sender = RdbStore.open(senderPool, StoreLimits.DEFAULT);
        receiverPath = dir.resolve("receiver.pool");
        receiverPool = TestPools.create(receiverPath);
        RdbStore.format(receiverPool, 4, Optional.empty());
        receiver = RdbStore.open(receiverPool, StoreLimits.DEFAULT);
    }

    @AfterEach
    void tearDown() {
        receiver.close();
        receiverPool.close();
        sender.close();
        senderPool.close();
    }

    /**
     * A tree worth several chunks: random (incompressible) values in the root, a lexical child
     * with a value larger than a chunk, an integer-keyed grandchild, a destroyed KVS, request
     * records; then the log is compacted to its end.
     */
    private SnapshotMetadata buildSenderTree() {
        SplittableRandom random = new SplittableRandom(42);
        List<Entry> entries = new ArrayList<>();
        long index = 2;
        entries.add(RdbStoreTest.tx(index++, 1, new Op.CreateRoot(KeyOrder.LEXICAL),
                new Op.CreateKvs(ROOT, Key.ofUtf8("child"), KeyOrder.LEXICAL),
                new Op.CreateKvs(ROOT.child("child"), Key.ofUtf8("numbers"), KeyOrder.INTEGER),
                new Op.CreateKvs(ROOT, Key.ofUtf8("gone"), KeyOrder.LEXICAL)));
        for (int i = 0; i < 40; i++) {
            byte[] v = new byte[8 << 10];
            random.nextBytes(v);
            RequestId id = new RequestId(UUID.randomUUID(), 1);
            requests.add(id);
            entries.add(RdbStoreTest.txWithId(index++, 1, id, new Op.Update(ROOT, Key.ofUtf8("r" + i), v),
                    new Op.Update(ROOT.child("child").child("numbers"), Key.of(i), new byte[] {(byte) i})));
        }
        byte[] large = new byte[800 << 10];
        random.nextBytes(large);
        entries.add(RdbStoreTest.tx(index++, 1, new Op.Update(ROOT.child("child"), Key.ofUtf8("large"), large)));
        entries.add(RdbStoreTest.tx(index++, 1, new Op.Update(ROOT.child("gone"), Key.ofUtf8("x"), new byte[1])));
        entries.add(RdbStoreTest.tx(index++, 1, new Op.DestroyKvs(ROOT, Key.ofUtf8("gone")),
                new Op.Delete(ROOT, Key.ofUtf8("r0"))));
        long last = index - 1;
        sender.persist(entries, Optional.of(new HardState(1, 0, last)), PlanSource.NONE);
        assertTrue(sender.compact(last, THREE));
        return sender.snapshot();
    }

    /** Every KVS's keys and values (or child marks), by path, as a reader at {@code epoch} sees them. */
    private static Map<String, String> dump(RdbStore store, long epoch) {
        Map<String, String> out = new TreeMap<>();
        dump(store.reader(epoch), ROOT, out);
        return out;
    }

    private static void dump(TreeReader r, KvsPath path, Map<String, String> out) {
        List<KvsPath> children = new ArrayList<>();
        r.iterate(path, KvsScan.forward(), rec -> {
            if (rec instanceof KvsRecord.Value v) {
                out.put(path + "/" + v.key(), java.util.Arrays.toString(v.value()).hashCode() + ":" + v.value().length);
            } else {
                out.put(path + "/" + rec.key(), "kvs " + ((KvsRecord.Child) rec).order());
                children.add(path.child(rec.key()));
            }
            return true;
        });
        for (KvsPath c : children) {
            dump(r, c, out);
        }
    }

    /** Sends chunks from {@code offset} until the last or {@code chunksMax} were written; returns the offset reached. */
    private long send(SnapshotSource source, SnapshotStaging staging, long offset, int chunksMax, boolean[] last) {
        for (int n = 0; n < chunksMax && !last[0]; n++) {
            SnapshotSource.Chunk c = source.chunkAt(offset, CHUNK_BYTES);
            assertTrue(c.data().length <= CHUNK_BYTES, c.data().length + " bytes");
            assertTrue(staging.write(offset, c.data()));
            offset += c.data().length;
            last[0] = c.last();
        }
        return offset;
    }

    private void assertSameTree(SnapshotMetadata s) {
        assertEquals(s, receiver.snapshot());
        assertEquals(s.index(), receiver.lastIndex());
        assertEquals(dump(sender, s.index()), dump(receiver, s.index()));
        for (RequestId id : requests) {
            assertEquals(sender.reader(s.index()).requestOutcome(id), receiver.reader(s.index()).requestOutcome(id));
        }
        assertEquals(2, receiverPool.listContainers().size(), "META and the new LOG container only");
    }

    @Test
    void aTreeTravelsInCompressedChunksAndIsTheSameOnTheOtherSide() {
        SnapshotMetadata s = buildSenderTree();
        SnapshotSource source = sender.snapshotSource(s);
        SnapshotStaging staging = receiver.beginSnapshot(s, 2);
        boolean[] last = {false};
        long end = send(source, staging, 0, Integer.MAX_VALUE, last);
        assertTrue(end > 6L * CHUNK_BYTES, "several chunks: " + end + " bytes");
        receiver.installSnapshot(staging, new HardState(2, 0, s.index()));
        assertSameTree(s);
        assertArrayEquals(sender.reader(s.index()).lookup(ROOT.child("child"), Key.ofUtf8("large")).orElseThrow(),
                receiver.reader(s.index()).lookup(ROOT.child("child"), Key.ofUtf8("large")).orElseThrow());
        // The receiver goes on from the snapshot: the next entry applies on top of it, and the
        // object ids it hands out continue the sender's.
        Entry next = RdbStoreTest.tx(s.index() + 1, 2, new Op.CreateKvs(ROOT, Key.ofUtf8("new"), KeyOrder.LEXICAL));
        receiver.persist(List.of(next), Optional.empty(), PlanSource.NONE);
        sender.persist(List.of(next), Optional.empty(), PlanSource.NONE);
        assertEquals(dump(sender, s.index() + 1), dump(receiver, s.index() + 1));
    }

    @Test
    void aReceiverRestartedMidSnapshotResumesAfterTheLastChunkItWrote() {
        SnapshotMetadata s = buildSenderTree();
        SnapshotSource source = sender.snapshotSource(s);
        SnapshotStaging staging = receiver.beginSnapshot(s, 2);
        boolean[] last = {false};
        long offset = send(source, staging, 0, 3, last);
        assertFalse(last[0]);
        receiver.close();
        receiverPool.close();
        receiverPool = TestPools.open(receiverPath);
        receiver = RdbStore.open(receiverPool, StoreLimits.DEFAULT);
        SnapshotStaging resumed = receiver.resumableSnapshot().orElseThrow();
        assertEquals(offset, resumed.nextOffset());
        assertEquals(s, resumed.snapshot());
        assertTrue(receiver.resumableSnapshot().isEmpty(), "given out once");
        // A new source (as a new leader would have) finds the chunk at that offset.
        SnapshotSource fresh = sender.snapshotSource(s);
        send(fresh, resumed, offset, Integer.MAX_VALUE, last);
        receiver.installSnapshot(resumed, new HardState(2, 0, s.index()));
        assertSameTree(s);
    }

    @Test
    void chunksThatDoNotContinueTheStagedCopyAreRefusedAndDuplicatesIgnored() {
        SnapshotMetadata s = buildSenderTree();
        SnapshotSource source = sender.snapshotSource(s);
        SnapshotStaging staging = receiver.beginSnapshot(s, 2);
        SnapshotSource.Chunk first = source.chunkAt(0, CHUNK_BYTES);
        long second = first.data().length;
        SnapshotSource.Chunk secondChunk = source.chunkAt(second, CHUNK_BYTES);
        SnapshotSource.Chunk third = source.chunkAt(second + secondChunk.data().length, CHUNK_BYTES);
        assertEquals(RdbError.INVAL, assertThrows(RdbException.class,
                () -> staging.write(second, secondChunk.data())).error(), "a gap");
        assertTrue(staging.write(0, first.data()));
        assertFalse(staging.write(0, first.data()), "a duplicate is ignored");
        assertThrows(RdbException.class, () -> staging.write(second, third.data()), "not the chunk that follows");
        byte[] damaged = secondChunk.data().clone();
        damaged[damaged.length - 1] ^= 1;
        assertThrows(RdbException.class, () -> staging.write(second, damaged));
        // A chunk of another snapshot, and a restart chunk, are refused too.
        SnapshotMetadata other = new SnapshotMetadata(s.index() + 1, 1, THREE);
        assertThrows(RdbException.class, () -> staging.write(second,
                SnapshotChunks.restart(other.index(), other.term(), 1)));
        RdbException restart = assertThrows(RdbException.class,
                () -> staging.write(second, SnapshotChunks.restart(s.index(), s.term(), 1)));
        assertTrue(restart.getMessage().contains("starts over"), restart.getMessage());
        // None of that changed the staged copy: the right chunk is still taken.
        assertEquals(second, staging.nextOffset());
        assertTrue(staging.write(second, secondChunk.data()));
        receiver.abandonSnapshot(staging);
        assertEquals(2, receiverPool.listContainers().size());
        assertTrue(receiver.resumableSnapshot().isEmpty());
    }

    @Test
    void aSourceFindsAChunkByOffsetOrSaysToStartOver() {
        SnapshotMetadata s = buildSenderTree();
        SnapshotSource a = sender.snapshotSource(s);
        List<Long> offsets = new ArrayList<>();
        List<byte[]> chunks = new ArrayList<>();
        long offset = 0;
        while (true) {
            SnapshotSource.Chunk c = a.chunkAt(offset, CHUNK_BYTES);
            offsets.add(offset);
            chunks.add(c.data());
            offset += c.data().length;
            if (c.last()) {
                break;
            }
        }
        // Another source of the same snapshot cuts the same chunks, asked for in any order.
        SnapshotSource b = sender.snapshotSource(s);
        for (int i = chunks.size() - 1; i >= 0; i -= 2) {
            assertArrayEquals(chunks.get(i), b.chunkAt(offsets.get(i), CHUNK_BYTES).data());
        }
        // An offset inside a chunk cannot be served: the chunk says to start over.
        SnapshotSource.Chunk inside = b.chunkAt(offsets.get(1) + 1, CHUNK_BYTES);
        assertTrue(SnapshotChunks.decodeHeader(inside.data()).restart());
        assertFalse(inside.last());
        // At the end, an empty last chunk (a receiver that wrote everything but did not install).
        SnapshotSource.Chunk end = b.chunkAt(offset, CHUNK_BYTES);
        assertTrue(end.last());
        assertEquals(0, SnapshotChunks.decodeHeader(end.data()).records());
        assertNotEquals(0, chunks.size());
    }

    @Test
    void theFoundingSnapshotTravelsToAJoiningStore() {
        SnapshotMetadata founding = sender.snapshot();
        SnapshotSource source = sender.snapshotSource(founding);
        SnapshotStaging staging = receiver.beginSnapshot(founding, 2);
        SnapshotSource.Chunk only = source.chunkAt(0, CHUNK_BYTES);
        assertTrue(only.last());
        assertTrue(staging.write(0, only.data()));
        receiver.installSnapshot(staging, new HardState(2, 0, 1));
        assertEquals(founding, receiver.snapshot());
        receiver.persist(List.of(RdbStoreTest.tx(2, 2, new Op.CreateRoot(KeyOrder.LEXICAL)),
                RdbStoreTest.tx(3, 2, RdbStoreTest.put("k", "v"))), Optional.empty(), PlanSource.NONE);
        assertEquals("v", new String(receiver.reader(3).lookup(ROOT, Key.ofUtf8("k")).orElseThrow(),
                java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void aStagingContainerThatNoRecordNamesIsDestroyedAtOpen() {
        receiverPool.createContainer(UUID.randomUUID());
        assertEquals(3, receiverPool.listContainers().size());
        receiver.close();
        receiver = RdbStore.open(receiverPool, StoreLimits.DEFAULT);
        assertEquals(2, receiverPool.listContainers().size());
        assertTrue(receiver.resumableSnapshot().isEmpty());
        assertEquals(SnapshotMetadata.EMPTY, receiver.snapshot());
    }
}
