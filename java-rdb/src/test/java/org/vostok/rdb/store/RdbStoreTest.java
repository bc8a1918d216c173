package org.vostok.rdb.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vostok.raft.Entry;
import org.vostok.raft.EntryType;
import org.vostok.raft.HardState;
import org.vostok.raft.Membership;
import org.vostok.raft.SnapshotMetadata;
import org.vostok.rdb.model.KvsPath;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.model.RequestId;
import org.vostok.rdb.model.RequestOutcome;
import org.vostok.rdb.testing.TestPools;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.Pool;

/** The store on real pool files: format, open, persist, truncate, restart, snapshots, errors. */
class RdbStoreTest {

    private static final Membership THREE = Membership.ofVoters(1, 2, 3);
    private static final KvsPath ROOT = KvsPath.root();

    @TempDir
    Path dir;
    private Path path;
    private Pool pool;
    private RdbStore store;

    @BeforeEach
    void setUp() {
        path = dir.resolve("replica.pool");
        pool = TestPools.create(path);
    }

    @AfterEach
    void tearDown() {
        if (store != null) {
            store.close();
        }
        pool.close();
    }

    private RdbStore formatFounding() {
        RdbStore.format(pool, 1, Optional.of(THREE));
        store = RdbStore.open(pool, StoreLimits.DEFAULT);
        return store;
    }

    /** Closes the store and the pool and opens both again, as a restart does. */
    private RdbStore reopen(StoreLimits limits) {
        store.close();
        pool.close();
        pool = TestPools.open(path);
        store = RdbStore.open(pool, limits);
        return store;
    }

    /** Closes the pool under the store, as a crash would: nothing kept in memory is written. */
    private RdbStore crashAndReopen() {
        pool.close();
        pool = TestPools.open(path);
        store = RdbStore.open(pool, StoreLimits.DEFAULT);
        return store;
    }

    static Entry tx(long index, long term, Op... ops) {
        return new Entry(index, term, EntryType.NORMAL, new EntryPayload(Optional.empty(), List.of(ops)).encode());
    }

    static Entry txWithId(long index, long term, RequestId id, Op... ops) {
        return new Entry(index, term, EntryType.NORMAL, new EntryPayload(Optional.of(id), List.of(ops)).encode());
    }

    static Entry empty(long index, long term) {
        return new Entry(index, term, EntryType.NORMAL, new byte[0]);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static Op put(String key, String value) {
        return new Op.Update(ROOT, Key.ofUtf8(key), bytes(value));
    }

    private List<EntryOutcome> persist(Entry... entries) {
        return store.persist(List.of(entries), Optional.empty(), PlanSource.NONE);
    }

    private Optional<String> get(long epoch, String key) {
        return store.reader(epoch).lookup(ROOT, Key.ofUtf8(key)).map(b -> new String(b, StandardCharsets.UTF_8));
    }

    @Test
    void aFoundingStoreStartsAtTheFoundingSnapshot() {
        formatFounding();
        assertEquals(new HardState(1, 0, 1), store.hardState());
        assertEquals(new SnapshotMetadata(1, 1, THREE), store.snapshot());
        assertEquals(2, store.firstIndex());
        assertEquals(1, store.lastIndex());
        assertEquals(1, store.term(1));
        assertEquals(1, store.replicaId());
        reopen(StoreLimits.DEFAULT);
        assertEquals(new SnapshotMetadata(1, 1, THREE), store.snapshot());
        assertEquals(1, store.lastIndex());
    }

    @Test
    void aJoiningStoreStartsEmpty() {
        RdbStore.format(pool, 7, Optional.empty());
        store = RdbStore.open(pool, StoreLimits.DEFAULT);
        assertEquals(HardState.EMPTY, store.hardState());
        assertEquals(SnapshotMetadata.EMPTY, store.snapshot());
        assertEquals(1, store.firstIndex());
        assertEquals(0, store.lastIndex());
        assertEquals(7, store.replicaId());
    }

    @Test
    void formatRefusesAPoolInUseAndABadId() {
        formatFounding();
        RdbException e = assertThrows(RdbException.class, () -> RdbStore.format(pool, 2, Optional.of(THREE)));
        assertEquals(RdbError.EXIST, e.error());
        RdbException bad = assertThrows(RdbException.class, () -> RdbStore.format(pool, 0, Optional.empty()));
        assertEquals(RdbError.INVAL, bad.error());
        RdbException noVoter = assertThrows(RdbException.class,
                () -> RdbStore.foundingSnapshot(Membership.EMPTY));
        assertEquals(RdbError.INVAL, noVoter.error());
    }

    @Test
    void openRefusesAnUnformattedPool() {
        RdbException e = assertThrows(RdbException.class, () -> RdbStore.open(pool, StoreLimits.DEFAULT));
        assertEquals(RdbError.NONEXIST, e.error());
        assertTrue(e.getMessage().contains("format it"), e.getMessage());
    }

    @Test
    void openRefusesAnInterruptedFormat() {
        pool.createContainer(StoreLayout.META_CONTAINER);
        RdbException e = assertThrows(RdbException.class, () -> RdbStore.open(pool, StoreLimits.DEFAULT));
        assertEquals(RdbError.CORRUPT, e.error());
        assertTrue(e.getMessage().contains("not completely formatted"), e.getMessage());
    }

    /** Formats a founding store, closes it, and overwrites one META record with {@code raw}. */
    private void formatThenOverwriteMeta(Key record, byte[] raw) {
        formatFounding();
        store.close();
        store = null;
        try (var meta = pool.openContainer(StoreLayout.META_CONTAINER)) {
            meta.update(StoreLayout.META_OID, record, StoreLayout.META_EPOCH, raw);
        }
    }

    @Test
    void openRefusesADamagedMetaRecord() {
        formatThenOverwriteMeta(StoreLayout.META_LOG_BOUNDS, new byte[] {1, 2, 3});
        RdbException e = assertThrows(RdbException.class, () -> RdbStore.open(pool, StoreLimits.DEFAULT));
        assertEquals(RdbError.CORRUPT, e.error());
        assertTrue(e.getMessage().contains("log bounds"), e.getMessage());
    }

    @Test
    void openRefusesAnEarlierLayoutAndSaysWhatToDo() {
        formatThenOverwriteMeta(StoreLayout.META_LAYOUT, MetaRecords.encodeLayout(StoreLayout.LAYOUT_VERSION - 1));
        RdbException e = assertThrows(RdbException.class, () -> RdbStore.open(pool, StoreLimits.DEFAULT));
        assertEquals(RdbError.INVAL, e.error());
        assertTrue(e.getMessage().contains("earlier version") && e.getMessage().contains("snapshot"), e.getMessage());
        // Nothing was changed: the layout record is as it was.
        try (var meta = pool.openContainer(StoreLayout.META_CONTAINER)) {
            assertEquals(StoreLayout.LAYOUT_VERSION - 1, MetaRecords.decodeLayout(
                    meta.fetch(StoreLayout.META_OID, StoreLayout.META_LAYOUT, StoreLayout.META_EPOCH).orElseThrow()));
        }
    }

    @Test
    void entriesAreWrittenAppliedAndReadBack() {
        formatFounding();
        List<EntryOutcome> outcomes = persist(empty(2, 2), tx(3, 2, new Op.CreateRoot(KeyOrder.LEXICAL)),
                tx(4, 2, put("a", "1")), tx(5, 2, put("a", "2"), put("b", "3")));
        assertEquals(3, outcomes.size());
        assertTrue(outcomes.stream().allMatch(o -> o.failure().isEmpty()));
        assertEquals(5, store.lastIndex());
        assertEquals(2, store.term(5));
        assertEquals(List.of(empty(2, 2)), store.entries(2, 3, 1));
        assertEquals(4, store.entries(2, 6, Long.MAX_VALUE).size());
        // Reads at an epoch see the entries up to it and nothing later.
        assertEquals(Optional.of("1"), get(4, "a"));
        assertEquals(Optional.of("2"), get(5, "a"));
        assertEquals(Optional.empty(), get(4, "b"));
        RdbException none = assertThrows(RdbException.class, () -> get(2, "a"));
        assertEquals(RdbError.NONEXIST, none.error());
    }

    @Test
    void entriesReadFromThePoolMatchThoseWritten() {
        formatFounding();
        List<Entry> written = new ArrayList<>();
        written.add(tx(2, 1, new Op.CreateRoot(KeyOrder.LEXICAL)));
        for (long i = 3; i < 40; i++) {
            written.add(tx(i, i < 20 ? 1 : 3, put("k" + i, "v" + i)));
        }
        store.persist(written, Optional.of(new HardState(3, 0, 1)), PlanSource.NONE);
        reopen(new StoreLimits(0, StoreLimits.DEFAULT.vosOperationsPerTransactionMax()));
        assertEquals(written, store.entries(2, 40, Long.MAX_VALUE));
        assertEquals(1, store.term(19));
        assertEquals(3, store.term(20));
        // The byte bound stops early, but the first entry always comes.
        long size = written.get(0).sizeBytes();
        assertEquals(1, store.entries(2, 40, 1).size());
        assertEquals(2, store.entries(2, 40, size + written.get(1).sizeBytes()).size());
        assertThrows(IndexOutOfBoundsException.class, () -> store.entries(1, 3, 100));
        assertThrows(IndexOutOfBoundsException.class, () -> store.entries(3, 41, 100));
        assertThrows(IndexOutOfBoundsException.class, () -> store.term(40));
        assertThrows(IndexOutOfBoundsException.class, () -> store.term(0));
    }

    @Test
    void aRestartKeepsTheLogTheTreeAndTheHardState() {
        formatFounding();
        store.persist(List.of(tx(2, 2, new Op.CreateRoot(KeyOrder.LEXICAL)), tx(3, 2, put("x", "y"))),
                Optional.of(new HardState(2, 1, 3)), PlanSource.NONE);
        reopen(StoreLimits.DEFAULT);
        assertEquals(new HardState(2, 1, 3), store.hardState());
        assertEquals(3, store.lastIndex());
        assertEquals(Optional.of("y"), get(3, "x"));
        // Apply is not replayed: writing the next entry builds on the stored tree.
        persist(tx(4, 2, put("z", "w")));
        assertEquals(Optional.of("y"), get(4, "x"));
        assertEquals(Optional.of("w"), get(4, "z"));
    }

    @Test
    void aTruncationReplacesEntriesAndDiscardsTheirEffects() {
        formatFounding();
        persist(tx(2, 1, new Op.CreateRoot(KeyOrder.LEXICAL)), tx(3, 1, put("a", "old")),
                tx(4, 1, new Op.CreateKvs(ROOT, Key.ofUtf8("child"), KeyOrder.INTEGER)), tx(5, 1, put("b", "old")));
        store.persist(List.of(tx(4, 2, put("a", "new")), tx(5, 2, new Op.CreateKvs(ROOT, Key.ofUtf8("other"),
                KeyOrder.LEXICAL))), Optional.of(new HardState(2, 0, 3)), PlanSource.NONE);
        assertEquals(5, store.lastIndex());
        assertEquals(2, store.term(4));
        assertEquals(1, store.term(3));
        assertEquals(Optional.of("new"), get(5, "a"));
        assertEquals(Optional.empty(), get(5, "b"));
        assertTrue(store.reader(5).kvsOrder(ROOT.child("child")).isEmpty());
        assertEquals(Optional.of(KeyOrder.LEXICAL), store.reader(5).kvsOrder(ROOT.child("other")));
        reopen(StoreLimits.DEFAULT);
        assertEquals(2, store.term(5));
        assertEquals(1, store.term(3));
        assertEquals(Optional.of("new"), get(5, "a"));
        assertEquals(Optional.of(KeyOrder.LEXICAL), store.reader(5).kvsOrder(ROOT.child("other")));
    }

    @Test
    void aTruncationReusesTheObjectIdsOfDiscardedKvss() {
        // The KVS created by the replaced entry got an object id; the entry replacing it takes
        // the same id, which the discard in the same transaction has freed.
        formatFounding();
        persist(tx(2, 1, new Op.CreateRoot(KeyOrder.LEXICAL)),
                tx(3, 1, new Op.CreateKvs(ROOT, Key.ofUtf8("a"), KeyOrder.LEXICAL)));
        List<EntryOutcome> outcomes = persist(tx(3, 2, new Op.CreateKvs(ROOT, Key.ofUtf8("b"), KeyOrder.INTEGER)));
        assertTrue(outcomes.get(0).failure().isEmpty());
        assertEquals(Optional.of(KeyOrder.INTEGER), store.reader(3).kvsOrder(ROOT.child("b")));
    }

    @Test
    void committedEntriesAreNeverTruncated() {
        formatFounding();
        store.persist(List.of(empty(2, 1), empty(3, 1)), Optional.of(new HardState(1, 0, 3)), PlanSource.NONE);
        assertThrows(IllegalStateException.class, () -> persist(empty(3, 2)));
        assertThrows(IllegalStateException.class, () -> persist(empty(5, 2)));
        assertThrows(IllegalStateException.class, () -> persist(empty(4, 2), empty(6, 2)));
        assertEquals(3, store.lastIndex());
    }

    @Test
    void aTermOrVoteChangeIsDurableAtOnceAndACommitAdvanceLater() {
        formatFounding();
        persist(empty(2, 2), empty(3, 2));
        store.persist(List.of(), Optional.of(new HardState(3, 2, 1)), PlanSource.NONE);
        crashAndReopen();
        assertEquals(new HardState(3, 2, 1), store.hardState());
        store.persist(List.of(), Optional.of(new HardState(3, 2, 3)), PlanSource.NONE);
        assertEquals(new HardState(3, 2, 3), store.hardState());
        // A commit-only change waits for the next write; a crash loses it, which Raft allows.
        crashAndReopen();
        assertEquals(new HardState(3, 2, 1), store.hardState());
        store.persist(List.of(), Optional.of(new HardState(3, 2, 3)), PlanSource.NONE);
        reopen(StoreLimits.DEFAULT);
        assertEquals(new HardState(3, 2, 3), store.hardState());
        assertThrows(IllegalStateException.class,
                () -> store.persist(List.of(), Optional.of(new HardState(2, 0, 3)), PlanSource.NONE));
    }

    @Test
    void aFailedEntryIsStoredWithItsFailureAndChangesNothing() {
        formatFounding();
        List<EntryOutcome> outcomes = persist(tx(2, 1, put("a", "1")), tx(3, 1, new Op.CreateRoot(KeyOrder.LEXICAL)),
                tx(4, 1, put("a", "1"), new Op.CreateRoot(KeyOrder.INTEGER)), tx(5, 1, put("b", "2")));
        assertEquals(RdbError.NONEXIST, outcomes.get(0).failure().orElseThrow().error());
        assertTrue(outcomes.get(1).failure().isEmpty());
        assertEquals(RdbError.EXIST, outcomes.get(2).failure().orElseThrow().error());
        assertTrue(outcomes.get(3).failure().isEmpty());
        assertEquals(Optional.empty(), get(5, "a"));
        assertEquals(Optional.of("2"), get(5, "b"));
        reopen(StoreLimits.DEFAULT);
        assertEquals(5, store.lastIndex());
    }

    @Test
    void undecodableEntryDataFailsTheEntry() {
        formatFounding();
        Entry junk = new Entry(2, 1, EntryType.NORMAL, new byte[] {9, 9, 9});
        List<EntryOutcome> outcomes = persist(junk);
        assertEquals(RdbError.INVAL, outcomes.get(0).failure().orElseThrow().error());
        assertEquals(List.of(junk), store.entries(2, 3, 100));
    }

    @Test
    void requestIdsAreRecordedOnceWithTheirOutcome() {
        formatFounding();
        RequestId first = new RequestId(UUID.randomUUID(), 1);
        RequestId failed = new RequestId(first.client(), 2);
        List<EntryOutcome> outcomes = persist(tx(2, 1, new Op.CreateRoot(KeyOrder.LEXICAL)),
                txWithId(3, 1, first, put("a", "1")), txWithId(4, 1, failed, new Op.CreateRoot(KeyOrder.LEXICAL)),
                txWithId(5, 1, first, put("a", "2")));
        assertEquals(RdbError.EXIST, outcomes.get(3).failure().orElseThrow().error());
        assertEquals(Optional.of("1"), get(5, "a"));
        TreeReader r = store.reader(5);
        assertEquals(Optional.of(new RequestOutcome(first, 3, Optional.empty())), r.requestOutcome(first));
        assertEquals(Optional.of(new RequestOutcome(failed, 4, Optional.of(RdbError.EXIST))), r.requestOutcome(failed));
        assertEquals(Optional.empty(), r.requestOutcome(new RequestId(UUID.randomUUID(), 1)));
        assertEquals(Optional.empty(), store.reader(2).requestOutcome(first));
    }

    @Test
    void aLargeBatchIsWrittenInSeveralTransactions() {
        formatFounding();
        store.close();
        store = RdbStore.open(pool, new StoreLimits(1 << 20, 32));
        List<Entry> entries = new ArrayList<>();
        entries.add(tx(2, 1, new Op.CreateRoot(KeyOrder.INTEGER)));
        for (long i = 3; i < 103; i++) {
            entries.add(tx(i, 1, new Op.Update(ROOT, Key.of(i), bytes("v" + i)),
                    new Op.Update(ROOT, Key.of(i + 1000), bytes("w" + i))));
        }
        store.persist(entries, Optional.of(new HardState(1, 0, 80)), PlanSource.NONE);
        assertEquals(102, store.lastIndex());
        assertEquals(new HardState(1, 0, 80), store.hardState());
        reopen(new StoreLimits(1 << 20, 32));
        assertEquals(102, store.lastIndex());
        assertEquals(new HardState(1, 0, 80), store.hardState());
        TreeReader r = store.reader(102);
        for (long i = 3; i < 103; i++) {
            assertArrayEquals(bytes("v" + i), r.lookup(ROOT, Key.of(i)).orElseThrow());
            assertArrayEquals(bytes("w" + i), r.lookup(ROOT, Key.of(i + 1000)).orElseThrow());
        }
        // An entry too large for one transaction fails, alone and everywhere alike.
        Op[] many = new Op[40];
        for (int k = 0; k < many.length; k++) {
            many[k] = new Op.Update(ROOT, Key.of(5000 + k), bytes("x"));
        }
        List<EntryOutcome> outcomes = persist(tx(103, 1, many));
        assertEquals(RdbError.TOOBIG, outcomes.get(0).failure().orElseThrow().error());
    }

    @Test
    void theLogCrossesSegmentsAndSurvivesATruncationBackIntoAnEarlierOne() {
        formatFounding();
        long end = StoreLayout.ENTRIES_PER_SEGMENT + 100;
        List<Entry> entries = new ArrayList<>();
        for (long i = 2; i <= end; i++) {
            entries.add(empty(i, 1));
        }
        store.persist(entries, Optional.empty(), PlanSource.NONE);
        assertEquals(end, store.lastIndex());
        // Back below the segment boundary: the next segment stays behind, empty.
        long back = StoreLayout.ENTRIES_PER_SEGMENT - 10;
        store.persist(List.of(empty(back, 2)), Optional.of(new HardState(2, 0, 1)), PlanSource.NONE);
        reopen(new StoreLimits(0, StoreLimits.DEFAULT.vosOperationsPerTransactionMax()));
        List<Entry> again = new ArrayList<>();
        for (long i = back + 1; i <= end + 10; i++) {
            again.add(empty(i, 2));
        }
        store.persist(again, Optional.empty(), PlanSource.NONE);
        reopen(new StoreLimits(0, StoreLimits.DEFAULT.vosOperationsPerTransactionMax()));
        assertEquals(end + 10, store.lastIndex());
        assertEquals(1, store.term(back - 1));
        assertEquals(2, store.term(back));
        assertEquals(empty(StoreLayout.ENTRIES_PER_SEGMENT + 5, 2),
                store.entries(StoreLayout.ENTRIES_PER_SEGMENT + 5, StoreLayout.ENTRIES_PER_SEGMENT + 6, 100).get(0));
        assertEquals((int) (end + 10 - 1), store.entries(2, end + 11, Long.MAX_VALUE).size());
    }

    @Test
    void leaderPlansAreUsedAndMatchWhatPersistWouldCompute() {
        formatFounding();
        persist(tx(2, 1, new Op.CreateRoot(KeyOrder.LEXICAL)));
        Validator v = store.validator();
        EntryPayload p1 = new EntryPayload(Optional.empty(), List.of(put("a", "1")));
        EntryPayload p2 = new EntryPayload(Optional.empty(),
                List.of(new Op.CreateKvs(ROOT, Key.ofUtf8("a"), KeyOrder.LEXICAL)));
        EntryPlan plan1 = v.plan(p1, 3);
        assertTrue(plan1.failure().isEmpty());
        v.proposed(plan1, 3);
        // The second sees the first, though nothing is persisted yet.
        EntryPlan plan2 = v.plan(p2, 4);
        assertEquals(RdbError.INVAL, plan2.failure().orElseThrow().error());
        Entry e3 = new Entry(3, 1, EntryType.NORMAL, p1.encode());
        boolean[] taken = {false};
        store.persist(List.of(e3), Optional.empty(), (index, term) -> {
            taken[0] = index == 3 && term == 1;
            return Optional.of(plan1);
        });
        assertTrue(taken[0]);
        assertEquals(Optional.of("1"), get(3, "a"));
    }

    @Test
    void aClosedStoreRefusesWrites() {
        formatFounding();
        store.close();
        RdbException e = assertThrows(RdbException.class, () -> persist(empty(2, 1)));
        assertEquals(RdbError.SHUTDOWN, e.error());
        store = null;
        assertFalse(pool.listContainers().isEmpty());
    }
}
