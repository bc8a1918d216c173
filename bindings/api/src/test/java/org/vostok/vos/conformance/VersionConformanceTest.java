package org.vostok.vos.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vostok.vos.Container;
import org.vostok.vos.FetchRequest;
import org.vostok.vos.FetchResult;
import org.vostok.vos.Iteration;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.Pool;
import org.vostok.vos.Transaction;
import org.vostok.vos.VosError;
import org.vostok.vos.VosException;
import org.vostok.vos.VosLimits;

/**
 * Objects of both key orders and the epoch semantics of their values: a fetch at epoch E sees the
 * newest version at or below E; punches, object punches, discard and aggregation as vos.h says.
 */
public abstract class VersionConformanceTest extends VosConformance {
    private Pool pool;
    private Container c;

    @BeforeEach
    void open() {
        pool = newPool("versions");
        c = newContainer(pool);
    }

    @Test
    void fetchSeesTheNewestVersionAtOrBelowTheEpoch() {
        c.createObject(1, KeyOrder.INTEGER, 1);
        c.update(1, Key.of(10), 2, utf8("two"));
        c.update(1, Key.of(10), 5, utf8("five"));
        assertAbsent(c.fetch(1, 10, 1));
        assertEquals("two", text(c.fetch(1, 10, 2)));
        assertEquals("two", text(c.fetch(1, 10, 4)));
        assertEquals("five", text(c.fetch(1, 10, 5)));
        assertEquals("five", text(c.fetch(1, 10, 1000)));
        assertEquals("five", text(c.fetch(1, 10, VosLimits.EPOCH_MAX)));
        assertAbsent(c.fetch(1, 11, VosLimits.EPOCH_MAX));
    }

    @Test
    void valueLengthIsTheLengthAFetchWouldReturn() {
        c.createObject(1, KeyOrder.INTEGER, 1);
        c.createObject(2, KeyOrder.LEXICAL, 1);
        c.update(1, Key.of(10), 2, new byte[1000]);
        c.update(1, Key.of(10), 5, new byte[3]);
        c.update(1, Key.of(11), 2, new byte[0]);
        c.update(2, Key.ofUtf8("k"), 2, new byte[VosLimits.VALUE_BYTES_MAX]);
        c.punch(1, Key.of(10), 7);
        assertEquals(OptionalInt.empty(), c.valueLength(1, Key.of(10), 1));
        assertEquals(OptionalInt.of(1000), c.valueLength(1, Key.of(10), 4));
        assertEquals(OptionalInt.of(3), c.valueLength(1, Key.of(10), 6));
        assertEquals(OptionalInt.empty(), c.valueLength(1, Key.of(10), 7));
        assertEquals(OptionalInt.of(0), c.valueLength(1, Key.of(11), 9));
        assertEquals(OptionalInt.empty(), c.valueLength(1, Key.of(12), 9));
        assertEquals(OptionalInt.of(VosLimits.VALUE_BYTES_MAX), c.valueLength(2, Key.ofUtf8("k"), 9));
        assertVos(VosError.NONEXIST, () -> c.valueLength(99, Key.of(1), 9));
        assertVos(VosError.INVAL, () -> c.valueLength(2, Key.of(1), 9));
    }

    @Test
    void fetchIntoTheCallersBufferWritesAtItsPositionOrChangesNothing() {
        c.createObject(1, KeyOrder.INTEGER, 1);
        c.createObject(2, KeyOrder.LEXICAL, 1);
        c.update(1, Key.of(10), 2, utf8("two"));
        c.update(1, Key.of(10), 5, utf8("five!"));
        c.update(1, Key.of(11), 2, new byte[0]);
        byte[] big = new byte[100_000]; // more than a binding's first scratch buffer holds
        Arrays.fill(big, (byte) 7);
        c.update(2, Key.ofUtf8("big"), 2, big);
        for (ByteBuffer into : List.of(ByteBuffer.allocate(16), ByteBuffer.allocateDirect(16))) {
            into.put((byte) 'x').put((byte) 'y');
            assertEquals(OptionalInt.of(3), c.fetch(1, 10, 4, into));
            assertEquals(5, into.position());
            assertEquals(OptionalInt.of(5), c.fetch(1, Key.of(10), 5, into));
            assertEquals(10, into.position());
            assertEquals(OptionalInt.empty(), c.fetch(1, 10, 1, into));
            assertEquals(OptionalInt.empty(), c.fetch(1, 12, 9, into));
            assertEquals(OptionalInt.of(0), c.fetch(1, 11, 9, into));
            assertEquals(10, into.position());
            // Six bytes left: a value of five fits, and then one of five does not.
            assertEquals(OptionalInt.of(5), c.fetch(1, 10, 9, into));
            VosException e = assertVos(VosError.TRUNC, () -> c.fetch(1, 10, 9, into));
            assertTrue(e.getMessage().contains("5 bytes") && e.getMessage().contains("1 bytes left"), e::getMessage);
            assertEquals(15, into.position());
            assertEquals(0, into.get(15), "nothing was written past the values");
            into.flip();
            byte[] written = new byte[into.remaining()];
            into.get(written);
            assertEquals("xytwofive!five!", new String(written, StandardCharsets.UTF_8));
        }
        ByteBuffer large = ByteBuffer.allocate(big.length + 1).position(1);
        assertEquals(OptionalInt.of(big.length), c.fetch(2, Key.ofUtf8("big"), 2, large));
        assertArrayEquals(big, Arrays.copyOfRange(large.array(), 1, big.length + 1));
        assertVos(VosError.TRUNC, () -> c.fetch(2, Key.ofUtf8("big"), 2, ByteBuffer.allocate(big.length - 1)));
        assertThrows(ReadOnlyBufferException.class,
                () -> c.fetch(1, 10, 4, ByteBuffer.allocate(16).asReadOnlyBuffer()));
        assertVos(VosError.NONEXIST, () -> c.fetch(99, 1, 9, ByteBuffer.allocate(16)));
        assertVos(VosError.NONEXIST, () -> c.fetch(99, 1, 9, ByteBuffer.allocateDirect(16)));
    }

    /**
     * A direct buffer can take the value straight from the library, with no copy through a
     * scratch buffer; the library must then write only from the buffer's position up to its
     * limit, and nothing at all for a value that does not fit, in a view into the middle of
     * larger memory too.
     */
    @Test
    void fetchIntoADirectViewWritesOnlyBetweenItsPositionAndLimit() {
        c.createObject(2, KeyOrder.LEXICAL, 1);
        byte[] big = new byte[100_000];
        Arrays.fill(big, (byte) 7);
        c.update(2, Key.ofUtf8("big"), 2, big);
        ByteBuffer whole = ByteBuffer.allocateDirect(big.length + 8);
        ByteBuffer view = whole.slice(2, big.length);
        view.position(1);
        assertVos(VosError.TRUNC, () -> c.fetch(2, Key.ofUtf8("big"), 2, view));
        assertEquals(1, view.position());
        for (int i = 0; i < whole.capacity(); i++) {
            assertEquals(0, whole.get(i), "a value that does not fit wrote nothing");
        }
        view.position(0);
        assertEquals(OptionalInt.of(big.length), c.fetch(2, Key.ofUtf8("big"), 2, view));
        assertEquals(big.length, view.position());
        for (int i = 0; i < whole.capacity(); i++) {
            assertEquals(i >= 2 && i < big.length + 2 ? 7 : 0, whole.get(i), "byte " + i + " of the memory");
        }
    }

    @Test
    void lexicalObjectsHaveVersionsToo() {
        c.createObject(2, KeyOrder.LEXICAL, 1);
        c.update(2, Key.ofUtf8("term"), 3, utf8("3"));
        c.update(2, Key.ofUtf8("term"), 8, utf8("8"));
        c.update(2, Key.ofUtf8("vote"), 4, utf8("node-2"));
        assertAbsent(c.fetch(2, Key.ofUtf8("term"), 2));
        assertEquals("3", text(c.fetch(2, Key.ofUtf8("term"), 7)));
        assertEquals("8", text(c.fetch(2, Key.ofUtf8("term"), 8)));
        assertEquals("node-2", text(c.fetch(2, Key.ofUtf8("vote"), 9)));
        assertAbsent(c.fetch(2, Key.ofUtf8("ter"), 9));
        assertAbsent(c.fetch(2, Key.ofUtf8("terms"), 9));
        c.punch(2, Key.ofUtf8("vote"), 10);
        assertAbsent(c.fetch(2, Key.ofUtf8("vote"), 10));
        assertEquals("node-2", text(c.fetch(2, Key.ofUtf8("vote"), 9)));
    }

    @Test
    void anObjectDoesNotExistBelowItsCreationEpoch() {
        c.createObject(3, KeyOrder.INTEGER, 10);
        c.update(3, Key.of(1), 10, utf8("v"));
        VosException e = assertVos(VosError.NONEXIST, () -> c.fetch(3, 1, 9));
        assertTrue(e.getMessage().contains("3"), e::getMessage);
        assertEquals("v", text(c.fetch(3, 1, 10)));
        assertVos(VosError.NONEXIST, () -> c.fetch(99, 1, 10));
    }

    @Test
    void aPunchHidesTheKeyFromItsEpochOn() {
        c.createObject(1, KeyOrder.INTEGER, 1);
        c.update(1, Key.of(1), 2, utf8("a"));
        c.punch(1, Key.of(1), 4);
        c.update(1, Key.of(1), 6, utf8("b"));
        assertEquals("a", text(c.fetch(1, 1, 3)));
        assertAbsent(c.fetch(1, 1, 4));
        assertAbsent(c.fetch(1, 1, 5));
        assertEquals("b", text(c.fetch(1, 1, 6)));
    }

    @Test
    void anObjectPunchEndsTheObjectAtItsEpoch() {
        c.createObject(1, KeyOrder.LEXICAL, 1);
        c.update(1, Key.ofUtf8("k"), 2, utf8("v"));
        try (Transaction tx = pool.newTransaction()) {
            tx.punchObject(c, 1, 7).commit();
        }
        assertEquals("v", text(c.fetch(1, Key.ofUtf8("k"), 6)));
        assertVos(VosError.NONEXIST, () -> c.fetch(1, Key.ofUtf8("k"), 7));
        assertVos(VosError.NONEXIST, () -> c.iterate(Iteration.forward(1, 7), r -> true));
        assertEquals(1, c.collect(Iteration.forward(1, 6), 10).size());
    }

    @Test
    void objectIdsAreNeverReused() {
        c.createObject(1, KeyOrder.INTEGER, 1);
        assertVos(VosError.EXIST, () -> c.createObject(1, KeyOrder.INTEGER, 2));
        try (Transaction tx = pool.newTransaction()) {
            tx.punchObject(c, 1, 3).commit();
        }
        assertVos(VosError.EXIST, () -> c.createObject(1, KeyOrder.LEXICAL, 4));
    }

    @Test
    void anUpdateAtTheSameEpochReplaces() {
        c.createObject(1, KeyOrder.INTEGER, 1);
        c.update(1, Key.of(1), 2, utf8("first"));
        c.update(1, Key.of(1), 2, utf8("second"));
        assertEquals("second", text(c.fetch(1, 1, 2)));
    }

    @Test
    void writingToAMissingObjectIsNonexistAndChangesNothing() {
        VosException e = assertVos(VosError.NONEXIST, () -> c.update(5, Key.of(1), 1, utf8("lost?")));
        assertEquals(0, e.failedOperation().orElse(-1));
        c.createObject(5, KeyOrder.INTEGER, 1);
        assertAbsent(c.fetch(5, 1, 1));
    }

    @Test
    void aKeyOfTheOtherOrderIsInval() {
        c.createObject(1, KeyOrder.INTEGER, 1);
        c.createObject(2, KeyOrder.LEXICAL, 1);
        assertVos(VosError.INVAL, () -> c.update(1, Key.ofUtf8("text"), 2, utf8("x")));
        assertVos(VosError.INVAL, () -> c.update(2, Key.of(5), 2, utf8("x")));
        assertVos(VosError.INVAL, () -> c.fetch(1, Key.ofUtf8("text"), 2));
        assertVos(VosError.INVAL, () -> c.fetch(2, 5, 2));
        assertTrue(c.collect(Iteration.forward(1, 9), 10).isEmpty());
        assertTrue(c.collect(Iteration.forward(2, 9), 10).isEmpty());
    }

    @Test
    void anEmptyValueIsAValueNotAnAbsence() {
        c.createObject(1, KeyOrder.INTEGER, 1);
        c.update(1, Key.of(1), 1, new byte[0]);
        assertValue(new byte[0], c.fetch(1, 1, 1));
    }

    @Test
    void valuesUpToTheLimitAreStoredAndLargerOnesRefusedWithNothingLost() {
        c.createObject(1, KeyOrder.INTEGER, 1);
        byte[] largest = pattern(1, VosLimits.VALUE_BYTES_MAX);
        c.update(1, Key.of(1), 1, largest);
        assertValue(largest, c.fetch(1, 1, 1));
        VosException e = assertVos(VosError.TOOBIG,
                () -> c.update(1, Key.of(1), 2, new byte[VosLimits.VALUE_BYTES_MAX + 1]));
        assertTrue(e.getMessage().contains(String.valueOf(VosLimits.VALUE_BYTES_MAX)), e::getMessage);
        assertValue(largest, c.fetch(1, 1, VosLimits.EPOCH_MAX));
    }

    @Test
    void keysUpToTheLimitAreStoredAndLongerOrEmptyOnesRefused() {
        c.createObject(1, KeyOrder.LEXICAL, 1);
        byte[] longest = pattern(2, VosLimits.KEY_BYTES_MAX);
        c.update(1, Key.of(longest), 1, utf8("long key"));
        assertEquals("long key", text(c.fetch(1, Key.of(longest), 1)));
        VosException e = assertVos(VosError.TOOBIG, () -> Key.of(new byte[VosLimits.KEY_BYTES_MAX + 1]));
        assertTrue(e.getMessage().contains(String.valueOf(VosLimits.KEY_BYTES_MAX)), e::getMessage);
        assertVos(VosError.INVAL, () -> Key.of(new byte[0]));
        assertEquals(1, c.collect(Iteration.forward(1, 1), 10).size());
    }

    @Test
    void unsignedIdsAndKeysWork() {
        long oid = -1L; // 2^64 - 1
        c.createObject(oid, KeyOrder.INTEGER, 1);
        c.update(oid, Key.of(-1L), 1, utf8("max"));
        c.update(oid, Key.of(Long.MIN_VALUE), 1, utf8("2^63"));
        assertEquals("max", text(c.fetch(oid, -1L, 1)));
        assertEquals("2^63", text(c.fetch(oid, Long.MIN_VALUE, 1)));
    }

    @Test
    void aBatchedFetchGivesEachRequestItsOwnOutcome() {
        c.createObject(1, KeyOrder.INTEGER, 1);
        c.createObject(2, KeyOrder.LEXICAL, 1);
        c.update(1, Key.of(1), 2, utf8("one"));
        c.update(2, Key.ofUtf8("b"), 2, utf8("bee"));
        List<FetchResult> results = c.fetch(List.of(
                FetchRequest.of(1, 1, 2),
                FetchRequest.of(1, 2, 2),
                new FetchRequest(2, Key.ofUtf8("b"), 2),
                FetchRequest.of(3, 1, 2),
                FetchRequest.of(1, 1, 1)));
        assertEquals(5, results.size());
        assertArrayEquals(utf8("one"), assertInstanceOf(FetchResult.Found.class, results.get(0)).bytes());
        assertInstanceOf(FetchResult.Absent.class, results.get(1));
        assertArrayEquals(utf8("bee"), assertInstanceOf(FetchResult.Found.class, results.get(2)).bytes());
        FetchResult.Failed failed = assertInstanceOf(FetchResult.Failed.class, results.get(3));
        assertEquals(VosError.NONEXIST, failed.error());
        assertInstanceOf(FetchResult.Absent.class, results.get(4));
        assertTrue(c.fetch(List.of()).isEmpty());
    }

    @Test
    void aBatchedFetchReturnsValuesLargerThanAnyFirstBuffer() {
        c.createObject(1, KeyOrder.INTEGER, 1);
        List<FetchRequest> requests = new ArrayList<>();
        try (Transaction tx = pool.newTransaction()) {
            for (int i = 0; i < 24; i++) {
                tx.update(c, 1, i, 1, pattern(i, 100_000 + i));
                requests.add(FetchRequest.of(1, i, 1));
            }
            tx.commit();
        }
        requests.add(12, FetchRequest.of(1, 999, 1)); // absent, among values that do not fit at once
        requests.add(FetchRequest.of(404, 1, 1));       // no such object, after them
        List<FetchResult> results = c.fetch(requests);
        assertEquals(26, results.size());
        for (int i = 0; i < 24; i++) {
            FetchResult result = results.get(i < 12 ? i : i + 1);
            assertArrayEquals(pattern(i, 100_000 + i), result.value().orElseThrow(), "value " + i);
        }
        assertInstanceOf(FetchResult.Absent.class, results.get(12));
        FetchResult.Failed failed = assertInstanceOf(FetchResult.Failed.class, results.get(25));
        assertEquals(VosError.NONEXIST, failed.error());
        assertTrue(failed.exception().getMessage().contains("404"), failed.exception()::getMessage);
    }

    @Test
    void tooManyRequestsInOneBatchAreRefused() {
        List<FetchRequest> requests = new ArrayList<>();
        for (int i = 0; i <= VosLimits.TX_OPS_MAX; i++) {
            requests.add(FetchRequest.of(1, i, 1));
        }
        assertVos(VosError.TOOBIG, () -> c.fetch(requests));
    }

    @Test
    void discardRemovesEverythingAtAndAboveTheEpoch() {
        c.createObject(1, KeyOrder.INTEGER, 1);
        c.update(1, Key.of(1), 2, utf8("2"));
        c.update(1, Key.of(1), 5, utf8("5"));
        c.punch(1, Key.of(2), 1); // a tombstone below the cut stays
        c.update(1, Key.of(3), 6, utf8("6"));
        c.punch(1, Key.of(1), 7);
        c.createObject(2, KeyOrder.INTEGER, 6);
        c.discard(5);
        assertEquals("2", text(c.fetch(1, 1, VosLimits.EPOCH_MAX)));
        assertAbsent(c.fetch(1, 3, VosLimits.EPOCH_MAX));
        assertAbsent(c.fetch(1, 2, VosLimits.EPOCH_MAX));
        assertVos(VosError.NONEXIST, () -> c.fetch(2, 1, VosLimits.EPOCH_MAX));
        // The epochs are free to be written again, as after a Raft log truncation.
        c.update(1, Key.of(1), 5, utf8("5 again"));
        assertEquals("5 again", text(c.fetch(1, 1, 5)));
        c.createObject(2, KeyOrder.LEXICAL, 6);
    }

    @Test
    void aggregationRunsInSlicesTheCallerDrives() {
        c.createObject(1, KeyOrder.INTEGER, 1);
        try (Transaction tx = pool.newTransaction()) {
            for (int epoch = 2; epoch <= 4; epoch++) {
                for (int k = 0; k < 60; k++) {
                    tx.update(c, 1, k, epoch, utf8("k" + k + "e" + epoch));
                }
                tx.commit();
            }
        }
        int steps = 0;
        org.vostok.vos.Aggregation aggregation = c.startAggregation(4);
        assertEquals(4, aggregation.upToEpoch());
        while (!aggregation.step(7)) {
            steps++;
            // Other writers go on between slices.
            c.update(1, Key.of(1000 + steps), 5, utf8("between slices"));
        }
        assertTrue(aggregation.step(7), "a finished aggregation stays finished");
        aggregation.close();
        assertVos(VosError.BADHANDLE, () -> aggregation.step(7));
        assertTrue(steps >= 60 / 7, "60 keys in slices of 7 took " + (steps + 1) + " steps");
        for (int k = 0; k < 60; k++) {
            assertEquals("k" + k + "e4", text(c.fetch(1, k, 4)));
        }
        assertEquals(60 + steps, c.collect(Iteration.forward(1, 5), 1000).size());
    }

    @Test
    void aggregationKeepsWhatReadsAtAndAboveTheEpochSee() {
        c.createObject(1, KeyOrder.INTEGER, 1);
        for (int epoch = 2; epoch <= 20; epoch++) {
            c.update(1, Key.of(epoch % 4), epoch, utf8("e" + epoch));
        }
        c.punch(1, Key.of(0), 21);
        c.update(1, Key.of(1), 25, utf8("e25"));
        List<String> before = new ArrayList<>();
        for (long k = 0; k < 4; k++) {
            before.add(text(c.fetch(1, k, 21)) + "/" + text(c.fetch(1, k, 30)));
        }
        c.aggregate(21);
        List<String> after = new ArrayList<>();
        for (long k = 0; k < 4; k++) {
            after.add(text(c.fetch(1, k, 21)) + "/" + text(c.fetch(1, k, 30)));
        }
        assertEquals(before, after);
        assertEquals(List.of(Key.of(1), Key.of(2), Key.of(3)),
                c.collect(Iteration.forward(1, 30), 10).stream().map(kv -> kv.key()).toList());
        assertEquals(Arrays.asList("e17", "e25"), List.of(text(c.fetch(1, 1, 21)), text(c.fetch(1, 1, 25))));
    }
}
