package org.vostok.rdb.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.vostok.raft.MembershipChange;
import org.vostok.raft.SnapshotMetadata;
import org.vostok.rdb.model.KvsPath;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.ReplicaIds;
import org.vostok.rdb.model.RequestId;
import org.vostok.rdb.testing.TestPools;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.Pool;

/**
 * Compaction of the log on real pool files: the base moves in META, entries at or below it go
 * (and their space with the next aggregation), a restart reads only the log after the base;
 * request records count for the retention and are dropped after it; replica ranks are recorded
 * by the entries that allocate and add ids.
 */
class StoreCompactionTest {

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
        RdbStore.format(pool, 1, Optional.of(THREE));
        store = RdbStore.open(pool, StoreLimits.DEFAULT);
    }

    @AfterEach
    void tearDown() {
        if (store != null) {
            store.close();
        }
        pool.close();
    }

    private void reopen(StoreLimits limits) {
        store.close();
        pool.close();
        pool = TestPools.open(path);
        store = RdbStore.open(pool, limits);
    }

    /** Persists entries {@code from .. to} of term 1, each setting key "k" + (i % keys), committed. */
    private void fill(long from, long to, int keys, int valueBytes) {
        List<Entry> batch = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            byte[] v = new byte[valueBytes];
            v[0] = (byte) i;
            batch.add(RdbStoreTest.tx(i, 1, new Op.Update(ROOT, Key.ofUtf8("k" + (i % keys)), v)));
            if (batch.size() == 512 || i == to) {
                store.persist(batch, Optional.of(new HardState(1, 0, batch.get(batch.size() - 1).index())),
                        PlanSource.NONE);
                batch.clear();
            }
        }
    }

    private void createRoot() {
        store.persist(List.of(RdbStoreTest.tx(2, 1, new Op.CreateRoot(KeyOrder.LEXICAL))),
                Optional.of(new HardState(1, 0, 2)), PlanSource.NONE);
    }

    @Test
    void compactionMovesTheBaseAcrossSegmentsAndARestartReadsOnlyTheLogAfterIt() {
        createRoot();
        long last = StoreLayout.ENTRIES_PER_SEGMENT + 600;
        fill(3, last, 50, 16);
        long base = StoreLayout.ENTRIES_PER_SEGMENT + 100;
        assertTrue(store.compact(base, THREE));
        assertFalse(store.compact(base, THREE), "compacting to the base again does nothing");
        assertEquals(new SnapshotMetadata(base, 1, THREE), store.snapshot());
        assertEquals(base + 1, store.firstIndex());
        assertThrows(IndexOutOfBoundsException.class, () -> store.entries(base, base + 1, Long.MAX_VALUE));
        assertEquals(last - base, store.entries(base + 1, last + 1, Long.MAX_VALUE).size());
        assertEquals(1, store.term(base));
        reopen(StoreLimits.DEFAULT);
        assertEquals(new SnapshotMetadata(base, 1, THREE), store.snapshot());
        assertEquals(last, store.lastIndex());
        assertEquals(last - base, store.entries(base + 1, last + 1, Long.MAX_VALUE).size());
        byte[] v = store.reader(last).lookup(ROOT, Key.ofUtf8("k" + (last % 50))).orElseThrow();
        assertEquals((byte) last, v[0]);
        // Entries written after a restart land in the segment the base is in.
        fill(last + 1, last + 5, 50, 16);
        assertTrue(store.compact(last + 3, THREE));
        reopen(StoreLimits.DEFAULT);
        assertEquals(last + 3, store.snapshot().index());
        assertEquals(2, store.entries(last + 4, last + 6, Long.MAX_VALUE).size());
    }

    @Test
    void compactionPastTheCommitIndexIsRefused() {
        createRoot();
        store.persist(List.of(RdbStoreTest.tx(3, 1, RdbStoreTest.put("a", "1"))), Optional.empty(), PlanSource.NONE);
        assertThrows(IllegalStateException.class, () -> store.compact(3, THREE));
    }

    @Test
    void aggregationAfterCompactionGivesTheSpaceOfOldEntriesAndVersionsBack() {
        createRoot();
        // 400 entries of 32 KiB over 4 keys: about 12 MiB in entries and 12 MiB in versions.
        fill(3, 402, 4, 32 << 10);
        long full = pool.query().usedBytes();
        assertTrue(store.compact(402, THREE));
        assertTrue(store.aggregate(402, 64, () -> true, n -> { }));
        long after = pool.query().usedBytes();
        assertTrue(after < full / 4, "used " + full + " bytes before, " + after + " after");
        for (int k = 0; k < 4; k++) {
            long i = 402 - ((402 - k) % 4);
            assertEquals((byte) i, store.reader(402).lookup(ROOT, Key.ofUtf8("k" + k)).orElseThrow()[0]);
        }
        reopen(StoreLimits.DEFAULT);
        assertEquals(402, store.snapshot().index());
        assertTrue(store.reader(402).lookup(ROOT, Key.ofUtf8("k1")).isPresent());
    }

    @Test
    void anAggregationThatIsToldToStopStopsAndCanBeRunAgain() {
        createRoot();
        fill(3, 300, 300, 16);
        store.compact(300, THREE);
        assertFalse(store.aggregate(300, 1, () -> false, n -> { }));
        // Every slice that leaves more to do is reported with its time (what the maintenance
        // thread paces itself by); one key a slice over 300 entries takes many slices.
        List<Long> slices = new ArrayList<>();
        assertTrue(store.aggregate(300, 1, () -> true, slices::add));
        assertTrue(slices.size() > 1, "slices reported: " + slices.size());
        assertTrue(slices.stream().allMatch(n -> n >= 0), slices::toString);
    }

    @Test
    void aRequestIdCountsForTheRetentionThenIsANewRequestAndItsRecordIsDropped() {
        StoreLimits limits = new StoreLimits(1 << 20, StoreLimits.DEFAULT.vosOperationsPerTransactionMax(), 10);
        reopen(limits);
        createRoot();
        RequestId id = new RequestId(UUID.randomUUID(), 1);
        store.persist(List.of(RdbStoreTest.txWithId(3, 1, id, RdbStoreTest.put("a", "1"))),
                Optional.of(new HardState(1, 0, 3)), PlanSource.NONE);
        fill(4, 13, 5, 8);
        // Entries 4 .. 13 see the record (at most 10 entries after it); a reader at 12 sees what
        // entry 13 sees, a reader at 13 what entry 14 sees.
        assertTrue(store.reader(12).requestOutcome(id).isPresent());
        assertTrue(store.reader(13).requestOutcome(id).isEmpty());
        EntryPayload retry = new EntryPayload(Optional.of(id), List.of(RdbStoreTest.put("a", "2")));
        assertEquals(RdbError.EXIST, store.validator().plan(retry, 13).failure().orElseThrow().error());
        assertTrue(store.validator().plan(retry, 14).failure().isEmpty());
        List<EntryOutcome> outcomes = store.persist(List.of(new Entry(14, 1, EntryType.NORMAL, retry.encode())),
                Optional.of(new HardState(1, 0, 14)), PlanSource.NONE);
        assertTrue(outcomes.get(0).failure().isEmpty(), "the same entry fails nowhere: every replica counts alike");
        assertEquals(14, store.reader(14).requestOutcome(id).orElseThrow().index());
        // Records no later epoch can see are dropped at compaction, and gone after aggregation.
        RequestId other = new RequestId(UUID.randomUUID(), 1);
        store.persist(List.of(RdbStoreTest.txWithId(15, 1, other, RdbStoreTest.put("b", "1"))),
                Optional.of(new HardState(1, 0, 15)), PlanSource.NONE);
        fill(16, 30, 5, 8);
        store.compact(30, THREE);
        // Two request records and the two clients' records.
        assertEquals(4, store.pruneRequests(30, () -> true, n -> { }));
        assertEquals(0, store.pruneRequests(30, () -> true, n -> { }));
        assertTrue(store.aggregate(30, 256, () -> true, n -> { }));
        assertTrue(store.reader(30).requestOutcome(other).isEmpty());
        assertTrue(store.reader(30).requestOutcome(id).isEmpty());
    }

    /** Persists request {@code id} as entry {@code index} of term 1 (committed), setting "r" + its sequence. */
    private List<EntryOutcome> request(long index, RequestId id) {
        return store.persist(List.of(RdbStoreTest.txWithId(index, 1, id, RdbStoreTest.put("r" + id.sequence(), "v"))),
                Optional.of(new HardState(1, 0, index)), PlanSource.NONE);
    }

    /**
     * Reopens with a request retention of 40 entries (a client record is refreshed 10 entries
     * after its last write and counts for 50 after it) and creates the root; returns the limits.
     */
    private StoreLimits reopenWithRetention40() {
        StoreLimits limits = new StoreLimits(1 << 20, StoreLimits.DEFAULT.vosOperationsPerTransactionMax(), 40);
        reopen(limits);
        createRoot();
        return limits;
    }

    @Test
    void aClientsRequestsShareItsSlotUntilItFallsSilentForTheRetentionAndThenTakesANewOne() {
        StoreLimits limits = reopenWithRetention40();
        UUID client = UUID.randomUUID();
        long index = 3;
        for (long seq = 1; seq <= 30; seq++) {
            assertTrue(request(index++, new RequestId(client, seq)).get(0).failure().isEmpty());
        }
        // Entries 3 .. 32: one slot, the client record written at 3, refreshed at 13, 23.
        TreeReader at = store.reader(32);
        for (long seq = 1; seq <= 30; seq++) {
            assertEquals(2 + seq, at.requestOutcome(new RequestId(client, seq)).orElseThrow().index());
        }
        assertTrue(at.requestOutcome(new RequestId(client, 31)).isEmpty());
        assertTrue(at.requestOutcome(new RequestId(UUID.randomUUID(), 1)).isEmpty());
        // A request whose sequence differs in the high 32 bits has a client record of its own.
        RequestId far = new RequestId(client, (1L << 32) + 1);
        assertTrue(request(index++, far).get(0).failure().isEmpty());
        assertEquals(33, store.reader(33).requestOutcome(far).orElseThrow().index());
        // A retry of sequence 5, 30 entries later, is still a duplicate (its record is from entry 7).
        EntryPayload retry5 = new EntryPayload(Optional.of(new RequestId(client, 5)), List.of(RdbStoreTest.put("x", "y")));
        assertEquals(RdbError.EXIST, store.validator().plan(retry5, index).failure().orElseThrow().error());
        // Silence: the last write of the client record was at 23, so from epoch 73 it counts as absent,
        // and with it every record of the slot; the next request takes a new slot.
        fill(index, 80, 5, 8);
        index = 81;
        assertTrue(store.reader(80).requestOutcome(new RequestId(client, 30)).isEmpty());
        assertTrue(store.validator().plan(retry5, 81).failure().isEmpty(), "sequence 5 is forgotten: a new request");
        assertTrue(request(index++, new RequestId(client, 31)).get(0).failure().isEmpty());
        assertEquals(81, store.reader(81).requestOutcome(new RequestId(client, 31)).orElseThrow().index());
        assertTrue(store.reader(81).requestOutcome(new RequestId(client, 30)).isEmpty(), "the old slot is not read");
        // Pruning at 81 drops the old slot's 30 records and the far request's record (entry 33);
        // the new slot's record stays, and so does the far request's client record (written at
        // 33, it counts until 83).
        store.compact(81, THREE);
        assertEquals(31, store.pruneRequests(81, () -> true, n -> { }));
        assertEquals(0, store.pruneRequests(81, () -> true, n -> { }));
        assertTrue(store.aggregate(81, 256, () -> true, n -> { }));
        assertEquals(81, store.reader(81).requestOutcome(new RequestId(client, 31)).orElseThrow().index());
        // The same decisions after a restart (everything above is in the pool).
        reopen(limits);
        assertEquals(81, store.reader(81).requestOutcome(new RequestId(client, 31)).orElseThrow().index());
        EntryPayload retry31 = new EntryPayload(Optional.of(new RequestId(client, 31)), List.of(RdbStoreTest.put("x", "y")));
        assertEquals(RdbError.EXIST, store.validator().plan(retry31, 82).failure().orElseThrow().error());
    }

    @Test
    void aRequestCommittedOutOfOrderKeepsThoseAboveItUntilItExpiresAndNoneIsEverSeenLate() {
        reopenWithRetention40();
        UUID client = UUID.randomUUID();
        // Sequences 2 .. 6 at entries 3 .. 7, then sequence 1 (a late first attempt) at 30.
        for (long seq = 2; seq <= 6; seq++) {
            request(seq + 1, new RequestId(client, seq));
        }
        fill(8, 29, 5, 8);
        request(30, new RequestId(client, 1));
        fill(31, 50, 5, 8);
        // At 50, 2 .. 6 are dead (older than 40 entries), 1 is live: the scan of the slot stops at
        // 1, the lowest key, and drops nothing yet; the dead ones are not seen meanwhile.
        store.compact(50, THREE);
        assertEquals(0, store.pruneRequests(50, () -> true, n -> { }));
        for (long seq = 2; seq <= 6; seq++) {
            assertTrue(store.reader(50).requestOutcome(new RequestId(client, seq)).isEmpty());
        }
        assertEquals(30, store.reader(50).requestOutcome(new RequestId(client, 1)).orElseThrow().index());
        fill(51, 70, 5, 8);
        store.compact(70, THREE);
        // At 70, all six are dead; the client record (written at 3, refreshed at 30) counts until 80.
        assertEquals(6, store.pruneRequests(70, () -> true, n -> { }));
        fill(71, 80, 5, 8);
        store.compact(80, THREE);
        assertEquals(1, store.pruneRequests(80, () -> true, n -> { }));
    }

    @Test
    void idsAreHandedOutFromTheReplicatedCounterAndAnAddedIdIsNeverAddedAgain() {
        createRoot();
        EntryPayload alloc = new EntryPayload(Optional.empty(), List.of(new Op.NewReplicaId(3)));
        EntryPlan plan = store.validator().plan(alloc, 3);
        long id = plan.allocatedReplicaId().orElseThrow();
        assertEquals(3, ReplicaIds.rank(id));
        assertEquals(1, ReplicaIds.generation(id));
        store.persist(List.of(new Entry(3, 1, EntryType.NORMAL, alloc.encode())), Optional.of(new HardState(1, 0, 3)),
                PlanSource.NONE);
        Membership two = Membership.ofVoters(1, 2);
        // The founding id of rank 3 is not the latest of its rank any more; the new one is.
        assertEquals(RdbError.INVAL, store.validator().refuseMembershipChange(MembershipChange.addVoter(3), two)
                .orElseThrow().error());
        assertTrue(store.validator().refuseMembershipChange(MembershipChange.addVoter(id), two).isEmpty());
        // Rank 2 is held by a member; an id never handed out is refused; a new rank may start at 0.
        long rank2 = ReplicaIds.of(2, 1);
        assertEquals(RdbError.INVAL, store.validator().refuseMembershipChange(MembershipChange.addVoter(rank2), two)
                .orElseThrow().error());
        assertEquals(RdbError.INVAL, store.validator()
                .refuseMembershipChange(MembershipChange.addVoter(ReplicaIds.of(9, 4)), two).orElseThrow().error());
        assertTrue(store.validator().refuseMembershipChange(MembershipChange.addVoter(9), two).isEmpty());
        // Once an entry adds it, the id is never added again, not even after a restart.
        store.persist(List.of(new Entry(4, 1, EntryType.MEMBERSHIP, MembershipChange.addVoter(id).encode())),
                Optional.of(new HardState(1, 0, 4)), PlanSource.NONE);
        reopen(StoreLimits.DEFAULT);
        assertEquals(RdbError.INVAL, store.validator().refuseMembershipChange(MembershipChange.addLearner(id), two)
                .orElseThrow().error());
        long next = store.validator().plan(alloc, 5).allocatedReplicaId().orElseThrow();
        assertEquals(ReplicaIds.of(3, 2), next);
        assertArrayEquals(new long[] {1, 2, 3}, THREE.voters());
    }
}
