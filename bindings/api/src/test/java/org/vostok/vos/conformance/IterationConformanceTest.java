package org.vostok.vos.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vostok.vos.Container;
import org.vostok.vos.Iteration;
import org.vostok.vos.IterationResult;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.KeyValue;
import org.vostok.vos.Pool;
import org.vostok.vos.Transaction;
import org.vostok.vos.VosError;
import org.vostok.vos.VosLimits;

/** Ordered iteration both ways from anchors, in batches that resume, and the probes. */
public abstract class IterationConformanceTest extends VosConformance {
    private static final long INTS = 1;
    private static final long TEXT = 2;

    private Pool pool;
    private Container c;

    @BeforeEach
    void open() {
        pool = newPool("iterate");
        c = newContainer(pool);
        c.createObject(INTS, KeyOrder.INTEGER, 1);
        c.createObject(TEXT, KeyOrder.LEXICAL, 1);
    }

    /** Keys 0, 10, 20, ... 990 in a shuffled order, each at epoch 2 with a value naming it. */
    private void fillIntegers() {
        List<Long> keys = new ArrayList<>();
        for (long k = 0; k < 1000; k += 10) {
            keys.add(k);
        }
        Collections.shuffle(keys, new Random(3));
        try (Transaction tx = pool.newTransaction()) {
            for (long k : keys) {
                tx.update(c, INTS, k, 2, utf8("v" + k));
            }
            tx.commit();
        }
    }

    private static List<Long> ints(List<KeyValue> records) {
        return records.stream().map(kv -> ((Key.IntegerKey) kv.key()).value()).toList();
    }

    private static List<Long> range(long from, long to, long step) {
        List<Long> keys = new ArrayList<>();
        if (step > 0) {
            for (long k = from; k <= to; k += step) {
                keys.add(k);
            }
        } else {
            for (long k = from; k >= to; k += step) {
                keys.add(k);
            }
        }
        return keys;
    }

    @Test
    void forwardAndBackwardVisitEveryLiveKeyInOrder() {
        fillIntegers();
        List<KeyValue> forward = c.collect(Iteration.forward(INTS, 2), 1000);
        assertEquals(range(0, 990, 10), ints(forward));
        for (KeyValue kv : forward) {
            assertEquals("v" + ((Key.IntegerKey) kv.key()).value(), new String(kv.value()));
        }
        assertEquals(range(990, 0, -10), ints(c.collect(Iteration.backward(INTS, 2), 1000)));
    }

    @Test
    void anchorsAreInclusiveOrExclusiveInBothDirections() {
        fillIntegers();
        assertEquals(range(500, 540, 10), ints(c.collect(Iteration.forward(INTS, 2).from(Key.of(500)), 5)));
        assertEquals(range(510, 550, 10), ints(c.collect(Iteration.forward(INTS, 2).after(Key.of(500)), 5)));
        assertEquals(range(500, 460, -10), ints(c.collect(Iteration.backward(INTS, 2).from(Key.of(500)), 5)));
        assertEquals(range(490, 450, -10), ints(c.collect(Iteration.backward(INTS, 2).after(Key.of(500)), 5)));
        // An anchor between keys starts at the next key in the direction of travel.
        assertEquals(range(510, 530, 10), ints(c.collect(Iteration.forward(INTS, 2).from(Key.of(505)), 3)));
        assertEquals(range(500, 480, -10), ints(c.collect(Iteration.backward(INTS, 2).from(Key.of(505)), 3)));
        assertEquals(List.of(), ints(c.collect(Iteration.forward(INTS, 2).after(Key.of(990)), 3)));
        assertEquals(List.of(), ints(c.collect(Iteration.backward(INTS, 2).after(Key.of(0)), 3)));
    }

    @Test
    void anIterationSeesTheObjectAsItWasAtItsEpoch() {
        fillIntegers();
        c.punch(INTS, Key.of(10), 3);
        c.update(INTS, Key.of(5), 4, utf8("later"));
        c.update(INTS, Key.of(20), 4, utf8("changed"));
        assertEquals(range(0, 990, 10), ints(c.collect(Iteration.forward(INTS, 2), 1000)));
        List<KeyValue> at4 = c.collect(Iteration.forward(INTS, 4), 4);
        assertEquals(List.of(0L, 5L, 20L, 30L), ints(at4));
        assertEquals("changed", new String(at4.get(2).value()));
        assertEquals("v20", new String(c.collect(Iteration.forward(INTS, 3).from(Key.of(20)), 1).get(0).value()));
    }

    @Test
    void smallBatchesResumeWhereTheyStopped() {
        fillIntegers();
        for (int recordsMax : new int[] {1, 3, 7, 0}) {
            List<KeyValue> records = c.collect(Iteration.forward(INTS, 2).withBatch(recordsMax, Iteration.BATCH_BYTES_MIN), 1000);
            assertEquals(range(0, 990, 10), ints(records), "records per batch " + recordsMax);
            List<KeyValue> back = c.collect(Iteration.backward(INTS, 2).withBatch(recordsMax, 100), 1000);
            assertEquals(range(990, 0, -10), ints(back), "records per batch " + recordsMax);
        }
    }

    @Test
    void aRecordLargerThanTheBatchBufferIsStillDelivered() {
        byte[] big = pattern(4, 300_000);
        c.update(INTS, Key.of(1), 2, utf8("small"));
        c.update(INTS, Key.of(2), 2, big);
        c.update(INTS, Key.of(3), 2, utf8("small again"));
        List<KeyValue> records = c.collect(Iteration.forward(INTS, 2).withBatch(0, 1024), 10);
        assertEquals(3, records.size());
        assertArrayEquals(big, records.get(1).value());
        assertEquals("small again", new String(records.get(2).value()));
    }

    @Test
    void aVisitorCanStopEarlyAndTheIterationResumesAfterIt() {
        fillIntegers();
        Iteration iteration = Iteration.forward(INTS, 2).withBatch(4, 4096);
        List<Long> seen = new ArrayList<>();
        IterationResult first = c.iterate(iteration, r -> {
            seen.add(r.integerKey());
            return seen.size() < 25;
        });
        assertFalse(first.complete());
        assertEquals(25, first.records());
        assertEquals(Optional.of(Key.of(240)), first.lastKey());
        Iteration rest = first.resume(iteration).orElseThrow();
        IterationResult second = c.iterate(rest, r -> {
            seen.add(r.integerKey());
            return true;
        });
        assertTrue(second.complete());
        assertEquals(75, second.records());
        assertEquals(Optional.of(Key.of(990)), second.lastKey());
        assertEquals(range(0, 990, 10), seen);
        assertTrue(second.resume(rest).isEmpty());
    }

    @Test
    void keysOnlyIterationsCarryNoValues() {
        fillIntegers();
        List<Integer> lengths = new ArrayList<>();
        c.iterate(Iteration.forward(INTS, 2).withKeysOnly(), r -> lengths.add(r.valueLength()) && true);
        assertEquals(100, lengths.size());
        assertTrue(lengths.stream().allMatch(l -> l == 0));
    }

    @Test
    void lexicalKeysAreInUnsignedByteOrderShorterFirst() {
        List<byte[]> keys = List.of(utf8("b"), utf8("a"), utf8("ab"), new byte[] {(byte) 0xff}, new byte[] {'a', 0},
                new byte[] {(byte) 0x80, 1}, utf8("aa"));
        try (Transaction tx = pool.newTransaction()) {
            for (byte[] key : keys) {
                tx.update(c, TEXT, Key.of(key), 2, key);
            }
            tx.commit();
        }
        List<KeyValue> records = c.collect(Iteration.forward(TEXT, 2), 100);
        List<String> order = records.stream().map(kv -> kv.key().toString()).toList();
        assertEquals(List.of("\"a\"", "0x6100", "\"aa\"", "\"ab\"", "\"b\"", "0x8001", "0xff"), order);
        for (KeyValue kv : records) {
            assertArrayEquals(((Key.LexicalKey) kv.key()).bytes(), kv.value());
        }
        List<KeyValue> back = c.collect(Iteration.backward(TEXT, 2).after(Key.ofUtf8("b")), 100);
        assertEquals(List.of("\"ab\"", "\"aa\"", "0x6100", "\"a\""), back.stream().map(kv -> kv.key().toString()).toList());
        assertEquals(List.of("\"b\"", "0x8001"), c.collect(Iteration.forward(TEXT, 2).from(Key.ofUtf8("ac")), 2)
                .stream().map(kv -> kv.key().toString()).toList());
    }

    @Test
    void longLexicalKeysResumeAcrossBatches() {
        try (Transaction tx = pool.newTransaction()) {
            for (int i = 0; i < 40; i++) {
                byte[] key = pattern(i, VosLimits.KEY_BYTES_MAX);
                key[0] = (byte) i;
                tx.update(c, TEXT, Key.of(key), 2, utf8("k" + i));
            }
            tx.commit();
        }
        List<KeyValue> records = c.collect(Iteration.forward(TEXT, 2).withBatch(2, 10_000), 100);
        assertEquals(40, records.size());
        for (int i = 0; i < 40; i++) {
            assertEquals("k" + i, new String(records.get(i).value()));
        }
    }

    @Test
    void integerKeysAreInUnsignedOrder() {
        long[] keys = {-1L, 0, Long.MIN_VALUE, 1, Long.MAX_VALUE};
        for (long k : keys) {
            c.update(INTS, Key.of(k), 2, utf8(Long.toUnsignedString(k)));
        }
        assertEquals(List.of(0L, 1L, Long.MAX_VALUE, Long.MIN_VALUE, -1L), ints(c.collect(Iteration.forward(INTS, 2), 10)));
        assertEquals(OptionalLong.of(-1L), c.largestIntegerKey(INTS, 2));
    }

    @Test
    void probesFindFirstLastNextAndPrevious() {
        fillIntegers();
        c.punch(INTS, Key.of(0), 3);
        c.punch(INTS, Key.of(510), 3);
        assertEquals(Optional.of(Key.of(0)), c.firstKey(INTS, 2));
        assertEquals(Optional.of(Key.of(10)), c.firstKey(INTS, 3));
        assertEquals(Optional.of(Key.of(990)), c.lastKey(INTS, 3));
        assertEquals(Optional.of(Key.of(520)), c.nextKey(INTS, Key.of(500), 3));
        assertEquals(Optional.of(Key.of(510)), c.nextKey(INTS, Key.of(500), 2));
        assertEquals(Optional.of(Key.of(500)), c.previousKey(INTS, Key.of(520), 3));
        assertEquals(Optional.of(Key.of(500)), c.previousKey(INTS, Key.of(505), 3));
        assertEquals(Optional.empty(), c.nextKey(INTS, Key.of(990), 3));
        assertEquals(Optional.empty(), c.previousKey(INTS, Key.of(10), 3));
        assertEquals(OptionalLong.of(990), c.largestIntegerKey(INTS, 3));

        assertEquals(Optional.empty(), c.firstKey(TEXT, 3));
        assertEquals(Optional.empty(), c.lastKey(TEXT, 3));
        c.update(TEXT, Key.ofUtf8("m"), 3, utf8("x"));
        c.update(TEXT, Key.ofUtf8("c"), 3, utf8("x"));
        assertEquals(Optional.of(Key.ofUtf8("c")), c.firstKey(TEXT, 3));
        assertEquals(Optional.of(Key.ofUtf8("m")), c.nextKey(TEXT, Key.ofUtf8("c"), 3));
        assertEquals(Optional.of(Key.ofUtf8("c")), c.previousKey(TEXT, Key.ofUtf8("d"), 3));
        assertVos(VosError.INVAL, () -> c.largestIntegerKey(TEXT, 3));
    }

    @Test
    void largestIntegerKeyOfAnEmptyObjectIsEmpty() {
        assertEquals(OptionalLong.empty(), c.largestIntegerKey(INTS, 5));
        c.update(INTS, Key.of(7), 5, utf8("x"));
        assertEquals(OptionalLong.empty(), c.largestIntegerKey(INTS, 4));
        assertEquals(OptionalLong.of(7), c.largestIntegerKey(INTS, 5));
    }

    @Test
    void iteratingOrProbingAMissingObjectIsNonexist() {
        assertVos(VosError.NONEXIST, () -> c.iterate(Iteration.forward(42, 2), r -> true));
        assertVos(VosError.NONEXIST, () -> c.firstKey(42, 2));
        assertVos(VosError.NONEXIST, () -> c.largestIntegerKey(42, 2));
    }

    @Test
    void aVisitorMayReadTheStoreWhileItIterates() {
        fillIntegers();
        List<String> fetched = new ArrayList<>();
        c.iterate(Iteration.forward(INTS, 2).withBatch(3, 256), r -> {
            fetched.add(text(c.fetch(INTS, r.integerKey(), 2)));
            if (r.integerKey() == 500) {
                assertEquals(9, c.collect(Iteration.forward(INTS, 2).after(r.key()), 9).size());
            }
            return true;
        });
        assertEquals(100, fetched.size());
        assertEquals("v990", fetched.get(99));
    }
}
