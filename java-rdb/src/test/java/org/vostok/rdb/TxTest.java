package org.vostok.rdb;

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
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vostok.rdb.model.KvsPath;
import org.vostok.rdb.model.KvsRecord;
import org.vostok.rdb.model.KvsScan;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.model.RequestId;
import org.vostok.rdb.model.RequestOutcome;
import org.vostok.rdb.testing.TestCluster;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;

/**
 * Every transaction operation and every error, through the public API of a replica that leads a
 * cluster of one (it commits alone, so each test is quick and its outcome certain).
 */
class TxTest {

    private static final KvsPath ROOT = KvsPath.root();

    @TempDir
    Path dir;
    private TestCluster cluster;
    private Replica replica;
    private long term;

    @BeforeEach
    void setUp() {
        cluster = TestCluster.start(dir, 1, 7);
        replica = cluster.awaitLeader();
        term = replica.status().term();
    }

    @AfterEach
    void tearDown() {
        cluster.close();
        cluster.listener(1).assertWellFormed();
    }

    private Tx begin() {
        return replica.begin(term);
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Key k(String s) {
        return Key.ofUtf8(s);
    }

    private long commit(Tx tx) {
        try {
            return tx.commit().get();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        } catch (ExecutionException e) {
            throw (RdbException) e.getCause();
        }
    }

    /** Commits, expecting {@code error}; checks that nothing reached the log. */
    private void commitFails(RdbError error, Tx tx) {
        long last = replica.status().lastIndex();
        RdbException e = assertThrows(RdbException.class, () -> commit(tx));
        assertEquals(error, e.error(), e.getMessage());
        assertFalse(e.outcomeUnknown());
        assertEquals(last, replica.status().lastIndex(), "a transaction that fails validation is not logged");
    }

    private void createRoot(KeyOrder order) {
        commit(begin().createRoot(order));
    }

    @Test
    void beginNeedsTheLeadersCurrentTerm() {
        RdbException e = assertThrows(RdbException.class, () -> replica.begin(term + 1));
        assertEquals(RdbError.NOTLEADER, e.error());
        assertThrows(RdbException.class, () -> replica.begin(term - 1));
        assertEquals(term, begin().term());
    }

    @Test
    void updatesAreInvisibleUntilCommitEvenToTheirTransaction() {
        createRoot(KeyOrder.LEXICAL);
        Tx tx = begin();
        tx.update(ROOT, k("a"), b("1"));
        assertEquals(Optional.empty(), tx.lookup(ROOT, k("a")));
        long index = commit(tx);
        Tx after = begin();
        assertArrayEquals(b("1"), after.lookup(ROOT, k("a")).orElseThrow());
        assertTrue(after.readEpoch() >= index);
    }

    @Test
    void anUpdateFromABufferTakesItsRemainingBytesAndLeavesItAsItWas() {
        createRoot(KeyOrder.LEXICAL);
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(b("..value.."));
        buf.position(2).limit(7);
        Tx tx = begin().update(ROOT, k("a"), buf);
        assertEquals(2, buf.position());
        assertEquals(7, buf.limit());
        buf.put(2, (byte) 'V'); // the value was copied when queued
        commit(tx);
        assertArrayEquals(b("value"), begin().lookup(ROOT, k("a")).orElseThrow());
        RdbException e = assertThrows(RdbException.class, () -> begin().update(ROOT, k("big"),
                java.nio.ByteBuffer.allocate(org.vostok.vos.VosLimits.VALUE_BYTES_MAX)));
        assertEquals(RdbError.TOOBIG, e.error());
    }

    @Test
    void aTransactionReadsOneStateThroughout() {
        createRoot(KeyOrder.LEXICAL);
        commit(begin().update(ROOT, k("x"), b("old")));
        Tx reader = begin();
        long epoch = reader.readEpoch();
        commit(begin().update(ROOT, k("x"), b("new")));
        assertArrayEquals(b("old"), reader.lookup(ROOT, k("x")).orElseThrow());
        assertEquals(epoch, reader.readEpoch());
        assertArrayEquals(b("new"), begin().lookup(ROOT, k("x")).orElseThrow());
    }

    @Test
    void everyUpdateKindCommits() {
        createRoot(KeyOrder.LEXICAL);
        commit(begin().createKvs(ROOT, k("ints"), KeyOrder.INTEGER)
                .update(ROOT.child("ints"), Key.of(1), b("one"))
                .update(ROOT.child("ints"), Key.of(2), b("two"))
                .update(ROOT, k("v"), b("value")));
        Tx tx = begin();
        assertEquals(Optional.of(KeyOrder.INTEGER), tx.kvsOrder(ROOT.child("ints")));
        assertEquals(OptionalLong.of(2), tx.largestIntegerKey(ROOT.child("ints")));
        commit(begin().delete(ROOT.child("ints"), Key.of(2)).delete(ROOT, k("absent")));
        assertEquals(OptionalLong.of(1), begin().largestIntegerKey(ROOT.child("ints")));
        commit(begin().destroyKvs(ROOT, k("ints")));
        assertEquals(Optional.empty(), begin().kvsOrder(ROOT.child("ints")));
        commit(begin().destroyRoot());
        assertEquals(Optional.empty(), begin().kvsOrder(ROOT));
    }

    @Test
    void everyQueryKind() {
        createRoot(KeyOrder.INTEGER);
        Tx w = begin();
        for (long i = 1; i <= 5; i++) {
            w.update(ROOT, Key.of(i * 10), b("v" + i));
        }
        w.createKvs(ROOT, Key.of(35), KeyOrder.LEXICAL);
        commit(w);
        Tx tx = begin();
        assertEquals(new KvsRecord.Value(Key.of(10), b("v1")), tx.fetchFirst(ROOT).orElseThrow());
        assertEquals(new KvsRecord.Value(Key.of(50), b("v5")), tx.fetchLast(ROOT).orElseThrow());
        assertEquals(new KvsRecord.Child(Key.of(35), KeyOrder.LEXICAL), tx.fetchNext(ROOT, Key.of(30)).orElseThrow());
        assertEquals(new KvsRecord.Value(Key.of(30), b("v3")), tx.fetchPrevious(ROOT, Key.of(35)).orElseThrow());
        List<Key> backwards = new ArrayList<>();
        assertFalse(tx.iterate(ROOT, KvsScan.backward().from(Key.of(40)), r -> {
            backwards.add(r.key());
            return backwards.size() < 3;
        }));
        assertEquals(List.of(Key.of(40), Key.of(35), Key.of(30)), backwards);
        List<Key> forwards = new ArrayList<>();
        assertTrue(tx.iterate(ROOT, KvsScan.forward().after(Key.of(30)), r -> forwards.add(r.key())));
        assertEquals(List.of(Key.of(35), Key.of(40), Key.of(50)), forwards);
        assertEquals(OptionalLong.of(50), tx.largestIntegerKey(ROOT));
    }

    @Test
    void validationFailuresNeverReachTheLog() {
        commitFails(RdbError.NONEXIST, begin().update(ROOT, k("a"), b("1")));
        createRoot(KeyOrder.LEXICAL);
        commitFails(RdbError.EXIST, begin().createRoot(KeyOrder.LEXICAL));
        commitFails(RdbError.NONEXIST, begin().destroyKvs(ROOT, k("none")));
        commitFails(RdbError.NONEXIST, begin().update(ROOT.child("none"), k("a"), b("1")));
        commitFails(RdbError.INVAL, begin().update(ROOT, Key.of(5), b("integer key in a lexical KVS")));
        commit(begin().update(ROOT, k("val"), b("x")).createKvs(ROOT, k("kvs"), KeyOrder.LEXICAL));
        commitFails(RdbError.INVAL, begin().createKvs(ROOT, k("val"), KeyOrder.LEXICAL));
        commitFails(RdbError.INVAL, begin().update(ROOT, k("kvs"), b("y")));
        commitFails(RdbError.INVAL, begin().delete(ROOT, k("kvs")));
        commitFails(RdbError.INVAL, begin().destroyKvs(ROOT, k("val")));
        commitFails(RdbError.EXIST, begin().createKvs(ROOT, k("kvs"), KeyOrder.INTEGER));
        // The whole transaction fails though its first update alone would apply.
        commitFails(RdbError.NONEXIST, begin().update(ROOT, k("fine"), b("1")).destroyKvs(ROOT, k("none")));
        assertEquals(Optional.empty(), begin().lookup(ROOT, k("fine")));
    }

    @Test
    void aTransactionSeesTheUncommittedEffectsOfEarlierOnesWhenValidated() {
        // Both are validated before either is applied: the second must see the first's KVS.
        createRoot(KeyOrder.LEXICAL);
        CompletableFuture<Long> first = begin().createKvs(ROOT, k("t"), KeyOrder.LEXICAL).commit();
        CompletableFuture<Long> second = begin().update(ROOT.child("t"), k("x"), b("1")).commit();
        CompletableFuture<Long> third = begin().createKvs(ROOT, k("t"), KeyOrder.LEXICAL).commit();
        assertTrue(first.join() < second.join());
        ExecutionException e = assertThrows(ExecutionException.class, third::get);
        assertEquals(RdbError.EXIST, ((RdbException) e.getCause()).error());
        assertArrayEquals(b("1"), begin().lookup(ROOT.child("t"), k("x")).orElseThrow());
    }

    @Test
    void sizesBeyondTheLimitsAreTooBig() {
        createRoot(KeyOrder.LEXICAL);
        RdbException value = assertThrows(RdbException.class,
                () -> begin().update(ROOT, k("v"), new byte[org.vostok.vos.VosLimits.VALUE_BYTES_MAX]));
        assertEquals(RdbError.TOOBIG, value.error());
        Tx tx = begin();
        for (int i = 0; i < 3; i++) {
            tx.update(ROOT, k("big" + i), new byte[500_000]);
        }
        commitFails(RdbError.TOOBIG, tx);
        RdbException deep = assertThrows(RdbException.class, () -> {
            KvsPath p = ROOT;
            for (int i = 0; i <= KvsPath.DEPTH_MAX; i++) {
                p = p.child(i);
            }
        });
        assertEquals(RdbError.TOOBIG, deep.error());
    }

    @Test
    void requestIdsRecordOutcomesAndCommitOnce() {
        createRoot(KeyOrder.LEXICAL);
        RequestId id = new RequestId(UUID.randomUUID(), 1);
        long index = commit(begin().requestId(id).update(ROOT, k("r"), b("1")));
        assertEquals(Optional.of(new RequestOutcome(id, index, Optional.empty())), begin().requestOutcome(id));
        commitFails(RdbError.EXIST, begin().requestId(id).update(ROOT, k("r"), b("2")));
        assertArrayEquals(b("1"), begin().lookup(ROOT, k("r")).orElseThrow());
        assertEquals(Optional.empty(), begin().requestOutcome(new RequestId(UUID.randomUUID(), 1)));
        // A request id alone commits too: it only records the request.
        RequestId alone = new RequestId(UUID.randomUUID(), 1);
        long aloneIndex = commit(begin().requestId(alone));
        assertTrue(begin().requestOutcome(alone).orElseThrow().applied());
        assertTrue(aloneIndex > index);
    }

    @Test
    void anEmptyTransactionCompletesAtOnce() {
        assertEquals(0L, commit(begin()));
        createRoot(KeyOrder.LEXICAL);
        Tx tx = begin();
        tx.lookup(ROOT, k("x"));
        assertEquals(tx.readEpoch(), commit(tx));
    }

    @Test
    void aFinishedTransactionCannotBeUsed() {
        createRoot(KeyOrder.LEXICAL);
        Tx tx = begin();
        commit(tx.update(ROOT, k("a"), b("1")));
        assertThrows(IllegalStateException.class, () -> tx.update(ROOT, k("b"), b("2")));
        assertThrows(IllegalStateException.class, () -> tx.lookup(ROOT, k("a")));
        assertThrows(IllegalStateException.class, tx::commit);
        Tx closed = begin();
        closed.close();
        assertThrows(IllegalStateException.class, closed::commit);
    }

    @Test
    void queryErrorsAreThrown() {
        RdbException noRoot = assertThrows(RdbException.class, () -> begin().lookup(ROOT, k("a")));
        assertEquals(RdbError.NONEXIST, noRoot.error());
        createRoot(KeyOrder.LEXICAL);
        commit(begin().createKvs(ROOT, k("c"), KeyOrder.LEXICAL));
        assertEquals(RdbError.INVAL, assertThrows(RdbException.class, () -> begin().lookup(ROOT, k("c"))).error());
        assertEquals(RdbError.INVAL, assertThrows(RdbException.class, () -> begin().lookup(ROOT, Key.of(1))).error());
        assertEquals(RdbError.INVAL, assertThrows(RdbException.class, () -> begin().largestIntegerKey(ROOT)).error());
        assertEquals(RdbError.NONEXIST,
                assertThrows(RdbException.class, () -> begin().fetchFirst(ROOT.child("none"))).error());
    }

    @Test
    void aClosedReplicaRefusesEverything() {
        createRoot(KeyOrder.LEXICAL);
        Tx tx = begin();
        cluster.stop(1);
        RdbException begin = assertThrows(RdbException.class, () -> replica.begin(term));
        assertEquals(RdbError.SHUTDOWN, begin.error());
        ExecutionException commit = assertThrows(ExecutionException.class,
                () -> tx.update(ROOT, k("a"), b("1")).commit().get());
        assertEquals(RdbError.SHUTDOWN, ((RdbException) commit.getCause()).error());
        replica.close(); // closing again does nothing
        assertEquals(List.of("stepUp " + term, "stepDown " + term), cluster.listener(1).events());
        Thread.getAllStackTraces().keySet().forEach(t ->
                assertFalse(t.getName().startsWith("rdb-1-"), "thread " + t.getName() + " outlived the replica"));
    }

    @Test
    void committedDataSurvivesARestart() {
        createRoot(KeyOrder.LEXICAL);
        long index = commit(begin().update(ROOT, k("kept"), b("yes")));
        cluster.stop(1);
        replica = cluster.restart(1);
        replica = cluster.awaitLeader();
        term = replica.status().term();
        Tx tx = begin();
        assertArrayEquals(b("yes"), tx.lookup(ROOT, k("kept")).orElseThrow());
        assertTrue(tx.readEpoch() > index);
    }
}
