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
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vostok.raft.Entry;
import org.vostok.raft.EntryType;
import org.vostok.raft.Membership;
import org.vostok.rdb.model.KvsPath;
import org.vostok.rdb.model.KvsRecord;
import org.vostok.rdb.model.KvsScan;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.testing.TestPools;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.Pool;

/**
 * Every update of the KV tree and every way it fails, and every query, on a store over a real
 * pool: each transaction is one entry persisted, each query reads at the last entry.
 */
class KvTreeTest {

    private static final KvsPath ROOT = KvsPath.root();

    @TempDir
    Path dir;
    private Pool pool;
    private RdbStore store;
    private long next = 2;

    @BeforeEach
    void setUp() {
        pool = TestPools.create(dir.resolve("tree.pool"));
        RdbStore.format(pool, 1, Optional.of(Membership.ofVoters(1)));
        store = RdbStore.open(pool, new StoreLimits(1 << 20, 256));
    }

    @AfterEach
    void tearDown() {
        store.close();
        pool.close();
    }

    /** Commits one transaction; returns its failure, if it failed. */
    private Optional<RdbError> commit(Op... ops) {
        Entry e = new Entry(next++, 1, EntryType.NORMAL, new EntryPayload(Optional.empty(), List.of(ops)).encode());
        List<EntryOutcome> outcomes = store.persist(List.of(e), Optional.empty(), PlanSource.NONE);
        return outcomes.get(0).failure().map(PlanFailure::error);
    }

    private void ok(Op... ops) {
        assertEquals(Optional.empty(), commit(ops));
    }

    private void fails(RdbError expected, Op... ops) {
        assertEquals(Optional.of(expected), commit(ops));
    }

    private TreeReader reader() {
        return store.reader(store.lastIndex());
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Key k(String s) {
        return Key.ofUtf8(s);
    }

    private static Op.Update put(KvsPath kvs, Key key, String value) {
        return new Op.Update(kvs, key, b(value));
    }

    private RdbError queryError(Runnable query) {
        return assertThrows(RdbException.class, query::run).error();
    }

    @Test
    void theRootIsCreatedOnceAndDestroyedWithEverythingUnderIt() {
        fails(RdbError.NONEXIST, put(ROOT, k("a"), "1"));
        fails(RdbError.NONEXIST, new Op.DestroyRoot());
        ok(new Op.CreateRoot(KeyOrder.LEXICAL));
        fails(RdbError.EXIST, new Op.CreateRoot(KeyOrder.INTEGER));
        ok(put(ROOT, k("a"), "1"), new Op.CreateKvs(ROOT, k("c"), KeyOrder.INTEGER),
                put(ROOT.child("c"), Key.of(5), "five"));
        ok(new Op.DestroyRoot());
        assertEquals(RdbError.NONEXIST, queryError(() -> reader().lookup(ROOT, k("a"))));
        assertEquals(Optional.empty(), reader().kvsOrder(ROOT));
        // A new root starts empty.
        ok(new Op.CreateRoot(KeyOrder.INTEGER));
        assertEquals(Optional.of(KeyOrder.INTEGER), reader().kvsOrder(ROOT));
        assertTrue(reader().first(ROOT).isEmpty());
    }

    @Test
    void childKvssNestAndKeepTheirKeyOrder() {
        ok(new Op.CreateRoot(KeyOrder.LEXICAL));
        ok(new Op.CreateKvs(ROOT, k("users"), KeyOrder.INTEGER),
                new Op.CreateKvs(ROOT.child("users"), Key.of(7), KeyOrder.LEXICAL),
                put(ROOT.child("users").child(7), k("name"), "seven"));
        assertArrayEquals(b("seven"), reader().lookup(ROOT.child("users").child(7), k("name")).orElseThrow());
        assertEquals(Optional.of(KeyOrder.INTEGER), reader().kvsOrder(ROOT.child("users")));
        fails(RdbError.EXIST, new Op.CreateKvs(ROOT, k("users"), KeyOrder.LEXICAL));
        fails(RdbError.NONEXIST, new Op.CreateKvs(ROOT.child("nobody"), k("x"), KeyOrder.LEXICAL));
        // Keys of the wrong kind for the KVS they are used in.
        fails(RdbError.INVAL, new Op.CreateKvs(ROOT, Key.of(1), KeyOrder.LEXICAL));
        fails(RdbError.INVAL, put(ROOT.child("users"), k("x"), "v"));
        fails(RdbError.INVAL, put(KvsPath.root().child(Key.of(3)), k("x"), "v"));
        assertEquals(RdbError.INVAL, queryError(() -> reader().lookup(ROOT.child("users"), k("x"))));
    }

    @Test
    void aKeyHoldsAValueOrAKvsAndChangingNeedsADeleteFirst() {
        ok(new Op.CreateRoot(KeyOrder.LEXICAL), put(ROOT, k("v"), "1"),
                new Op.CreateKvs(ROOT, k("kvs"), KeyOrder.LEXICAL));
        fails(RdbError.INVAL, new Op.CreateKvs(ROOT, k("v"), KeyOrder.LEXICAL));
        fails(RdbError.INVAL, put(ROOT, k("kvs"), "x"));
        fails(RdbError.INVAL, new Op.Delete(ROOT, k("kvs")));
        fails(RdbError.INVAL, new Op.DestroyKvs(ROOT, k("v")));
        fails(RdbError.INVAL, put(ROOT.child("v"), k("x"), "y"));
        // A KVS created earlier in the same transaction, and one whose descriptor is as long as
        // a 9-byte value (the store tells them apart by more than the length).
        fails(RdbError.INVAL, new Op.CreateKvs(ROOT, k("new"), KeyOrder.LEXICAL), put(ROOT, k("new"), "x"));
        ok(put(ROOT, k("nine"), "123456789"));
        ok(put(ROOT, k("nine"), "987654321"));
        assertEquals(RdbError.INVAL, queryError(() -> reader().lookup(ROOT, k("kvs"))));
        assertEquals(RdbError.INVAL, queryError(() -> reader().first(ROOT.child("v"))));
        // With a delete (or a destroy) first, in the same transaction, the key changes kind.
        ok(new Op.Delete(ROOT, k("v")), new Op.CreateKvs(ROOT, k("v"), KeyOrder.INTEGER),
                new Op.DestroyKvs(ROOT, k("kvs")), put(ROOT, k("kvs"), "now a value"));
        assertEquals(Optional.of(KeyOrder.INTEGER), reader().kvsOrder(ROOT.child("v")));
        assertArrayEquals(b("now a value"), reader().lookup(ROOT, k("kvs")).orElseThrow());
    }

    @Test
    void updatesDeletesAndTheirEdgeCases() {
        ok(new Op.CreateRoot(KeyOrder.INTEGER));
        ok(new Op.Update(ROOT, Key.of(1), new byte[0]), new Op.Update(ROOT, Key.of(-1L), b("max")));
        assertArrayEquals(new byte[0], reader().lookup(ROOT, Key.of(1)).orElseThrow());
        assertArrayEquals(b("max"), reader().lookup(ROOT, Key.of(-1L)).orElseThrow());
        ok(new Op.Delete(ROOT, Key.of(42)));
        ok(put(ROOT, Key.of(2), "a"), put(ROOT, Key.of(2), "b"));
        assertArrayEquals(b("b"), reader().lookup(ROOT, Key.of(2)).orElseThrow());
        ok(put(ROOT, Key.of(3), "c"), new Op.Delete(ROOT, Key.of(3)));
        assertEquals(Optional.empty(), reader().lookup(ROOT, Key.of(3)));
        // The largest value an entry can carry goes through; a larger one is refused (it can only
        // be planned, never logged, since the entry holding it would be larger than an entry may be).
        byte[] large = new byte[EntryRecord.DATA_BYTES_MAX - 64];
        large[large.length - 1] = 7;
        ok(new Op.Update(ROOT, Key.of(4), large));
        assertArrayEquals(large, reader().lookup(ROOT, Key.of(4)).orElseThrow());
        EntryPayload tooBig = new EntryPayload(Optional.empty(),
                List.of(new Op.Update(ROOT, Key.of(5), new byte[TaggedValues.VALUE_BYTES_MAX + 1])));
        assertEquals(RdbError.TOOBIG, store.validator().plan(tooBig, store.lastIndex() + 1).failure().orElseThrow().error());
    }

    @Test
    void aFailedTransactionChangesNothingEvenWhenItsFirstUpdatesWouldApply() {
        ok(new Op.CreateRoot(KeyOrder.LEXICAL));
        fails(RdbError.NONEXIST, put(ROOT, k("a"), "1"), new Op.CreateKvs(ROOT, k("b"), KeyOrder.LEXICAL),
                new Op.DestroyKvs(ROOT, k("missing")));
        assertEquals(Optional.empty(), reader().lookup(ROOT, k("a")));
        assertEquals(Optional.empty(), reader().kvsOrder(ROOT.child("b")));
        // The object id it would have taken is still free: the next KVS gets it.
        ok(new Op.CreateKvs(ROOT, k("c"), KeyOrder.LEXICAL));
        assertEquals(Optional.of(KeyOrder.LEXICAL), reader().kvsOrder(ROOT.child("c")));
    }

    @Test
    void destroyingAKvsDestroysItsChildrenRecursively() {
        ok(new Op.CreateRoot(KeyOrder.LEXICAL));
        KvsPath a = ROOT.child("a");
        ok(new Op.CreateKvs(ROOT, k("a"), KeyOrder.LEXICAL), new Op.CreateKvs(a, k("b"), KeyOrder.LEXICAL),
                new Op.CreateKvs(a.child("b"), k("c"), KeyOrder.INTEGER), put(a.child("b").child("c"), Key.of(1), "deep"),
                put(a, k("v"), "x"));
        long before = store.lastIndex();
        ok(new Op.DestroyKvs(ROOT, k("a")));
        assertEquals(Optional.empty(), reader().kvsOrder(a));
        assertEquals(Optional.empty(), reader().kvsOrder(a.child("b").child("c")));
        // Reads at the earlier epoch still see the whole subtree.
        TreeReader old = store.reader(before);
        assertArrayEquals(b("deep"), old.lookup(a.child("b").child("c"), Key.of(1)).orElseThrow());
        // Recreated under the same key, it starts empty.
        ok(new Op.CreateKvs(ROOT, k("a"), KeyOrder.LEXICAL));
        assertTrue(reader().first(a).isEmpty());
        fails(RdbError.NONEXIST, new Op.DestroyKvs(ROOT, k("a2")));
    }

    @Test
    void aKvsCreatedAndDestroyedInOneTransactionLeavesNothing() {
        ok(new Op.CreateRoot(KeyOrder.LEXICAL));
        ok(new Op.CreateKvs(ROOT, k("t"), KeyOrder.LEXICAL), put(ROOT.child("t"), k("x"), "1"),
                new Op.DestroyKvs(ROOT, k("t")));
        assertEquals(Optional.empty(), reader().kvsOrder(ROOT.child("t")));
        ok(new Op.CreateKvs(ROOT, k("t"), KeyOrder.LEXICAL));
        assertTrue(reader().first(ROOT.child("t")).isEmpty());
    }

    @Test
    void aDestroyBeyondTheEntryLimitFailsAsTooBig() {
        ok(new Op.CreateRoot(KeyOrder.INTEGER));
        ok(new Op.CreateKvs(ROOT, Key.of(0), KeyOrder.INTEGER));
        KvsPath big = ROOT.child(0);
        int limit = new StoreLimits(1 << 20, 256).vosOperationsPerEntryMax();
        for (int batch = 0; batch * 100 <= limit; batch++) {
            List<Op> ops = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                ops.add(new Op.CreateKvs(big, Key.of(batch * 100L + i), KeyOrder.INTEGER));
            }
            ok(ops.toArray(new Op[0]));
        }
        fails(RdbError.TOOBIG, new Op.DestroyKvs(ROOT, Key.of(0)));
        assertEquals(Optional.of(KeyOrder.INTEGER), reader().kvsOrder(big));
    }

    @Test
    void queriesFindFirstLastNextAndPrevious() {
        ok(new Op.CreateRoot(KeyOrder.INTEGER));
        ok(put(ROOT, Key.of(10), "ten"), put(ROOT, Key.of(20), "twenty"), put(ROOT, Key.of(30), "thirty"),
                new Op.CreateKvs(ROOT, Key.of(25), KeyOrder.LEXICAL));
        TreeReader r = reader();
        assertEquals(new KvsRecord.Value(Key.of(10), b("ten")), r.first(ROOT).orElseThrow());
        assertEquals(new KvsRecord.Value(Key.of(30), b("thirty")), r.last(ROOT).orElseThrow());
        assertEquals(new KvsRecord.Child(Key.of(25), KeyOrder.LEXICAL), r.next(ROOT, Key.of(20)).orElseThrow());
        assertEquals(new KvsRecord.Value(Key.of(20), b("twenty")), r.next(ROOT, Key.of(11)).orElseThrow());
        assertEquals(new KvsRecord.Value(Key.of(20), b("twenty")), r.previous(ROOT, Key.of(25)).orElseThrow());
        assertEquals(Optional.empty(), r.previous(ROOT, Key.of(10)));
        assertEquals(Optional.empty(), r.next(ROOT, Key.of(30)));
        assertEquals(OptionalLong.of(30), r.largestIntegerKey(ROOT));
        assertEquals(RdbError.INVAL, queryError(() -> r.next(ROOT, k("x"))));
    }

    @Test
    void iterationGoesBothWaysFromAnAnchorAndStopsEarly() {
        ok(new Op.CreateRoot(KeyOrder.LEXICAL));
        List<Op> ops = new ArrayList<>();
        for (char c = 'a'; c <= 'j'; c++) {
            ops.add(put(ROOT, k(String.valueOf(c)), String.valueOf(c).toUpperCase()));
        }
        ok(ops.toArray(new Op[0]));
        TreeReader r = reader();
        assertEquals("abcdefghij", keys(r, KvsScan.forward(), 100));
        assertEquals("jihgfedcba", keys(r, KvsScan.backward(), 100));
        assertEquals("defghij", keys(r, KvsScan.forward().from(k("d")), 100));
        assertEquals("efghij", keys(r, KvsScan.forward().after(k("d")), 100));
        assertEquals("dcba", keys(r, KvsScan.backward().from(k("d")), 100));
        assertEquals("cba", keys(r, KvsScan.backward().after(k("d")), 100));
        assertEquals("abc", keys(r, KvsScan.forward(), 3));
        boolean[] complete = {true};
        complete[0] = r.iterate(ROOT, KvsScan.forward(), rec -> !rec.key().equals(k("b")));
        assertFalse(complete[0]);
        assertTrue(r.iterate(ROOT, KvsScan.forward(), rec -> true));
        assertEquals(RdbError.INVAL, queryError(() -> r.largestIntegerKey(ROOT)));
        assertEquals(RdbError.INVAL, queryError(() -> r.iterate(ROOT, KvsScan.forward().from(Key.of(1)), x -> true)));
        assertEquals(RdbError.NONEXIST, queryError(() -> r.iterate(ROOT.child("none"), KvsScan.forward(), x -> true)));
    }

    private static String keys(TreeReader r, KvsScan scan, int max) {
        StringBuilder s = new StringBuilder();
        r.iterate(ROOT, scan, rec -> {
            s.append(((Key.LexicalKey) rec.key()).utf8());
            return s.length() < max;
        });
        return s.toString();
    }

    @Test
    void anEmptyIntegerKvsHasNoLargestKey() {
        ok(new Op.CreateRoot(KeyOrder.INTEGER));
        assertEquals(OptionalLong.empty(), reader().largestIntegerKey(ROOT));
        ok(put(ROOT, Key.of(-2L), "big"));
        assertEquals(OptionalLong.of(-2L), reader().largestIntegerKey(ROOT));
    }
}
