package org.vostok.vos.jni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vostok.vos.Aggregation;
import org.vostok.vos.Container;
import org.vostok.vos.FetchRequest;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.Pool;
import org.vostok.vos.Transaction;
import org.vostok.vos.VosError;
import org.vostok.vos.VosException;
import org.vostok.vos.VosLimits;
import org.vostok.vos.VosProvider;

/**
 * Bad input at the JNI boundary is refused in Java, before any address or length reaches the
 * library, which trusts both: negative offsets and lengths, values and batches beyond the limits,
 * handles of another implementation or pool, and anything closed. Each refusal leaves the
 * transaction as it was. The conformance suite covers what both implementations share; this
 * covers what only matters where raw addresses cross (before these checks a negative length would
 * have reached a native copy).
 */
class BoundaryTest {
    private static final VosProvider JNI = VosProvider.load("jni");

    @TempDir
    Path dir;

    private Container open(Pool pool) {
        UUID uuid = UUID.randomUUID();
        pool.createContainer(uuid);
        Container c = pool.openContainer(uuid);
        c.createObject(1, KeyOrder.INTEGER, 1);
        return c;
    }

    @Test
    void negativeAndOversizedLengthsAreRefusedAndChangeNothing() {
        try (Pool pool = JNI.createPool(dir.resolve("p"), VosLimits.POOL_BYTES_MIN); Container c = open(pool);
             Transaction tx = pool.newTransaction()) {
            tx.update(c, 1, 1, 2, new byte[] {1, 2, 3});
            byte[] value = new byte[8];
            assertThrows(IndexOutOfBoundsException.class, () -> tx.update(c, 1, org.vostok.vos.Key.of(2), 2, value, -1, 4));
            assertThrows(IndexOutOfBoundsException.class, () -> tx.update(c, 1, org.vostok.vos.Key.of(2), 2, value, 0, -4));
            assertThrows(IndexOutOfBoundsException.class, () -> tx.update(c, 1, org.vostok.vos.Key.of(2), 2, value, 6, 4));
            VosException e = assertThrows(VosException.class,
                    () -> tx.update(c, 1, 3, 2, new byte[VosLimits.VALUE_BYTES_MAX + 1]));
            assertEquals(VosError.TOOBIG, e.error());
            assertTrue(e.getMessage().contains("unchanged"), e::getMessage);
            assertEquals(1, tx.size());
            tx.commit();
            assertEquals(3, c.fetch(1, 1, 2).orElseThrow().length);
            assertTrue(c.fetch(1, 2, 2).isEmpty());
        }
    }

    @Test
    void aBatchBeyondTheLimitIsRefusedBeforeTheCall() {
        try (Pool pool = JNI.createPool(dir.resolve("p"), VosLimits.POOL_BYTES_MIN); Container c = open(pool)) {
            List<FetchRequest> batch = new ArrayList<>(Collections.nCopies(VosLimits.TX_OPS_MAX + 1, FetchRequest.of(1, 1, 1)));
            VosException e = assertThrows(VosException.class, () -> c.fetch(batch));
            assertEquals(VosError.TOOBIG, e.error());
        }
    }

    @Test
    void aHandleOfAnotherPoolIsRefused() {
        try (Pool a = JNI.createPool(dir.resolve("a"), VosLimits.POOL_BYTES_MIN);
             Pool b = JNI.createPool(dir.resolve("b"), VosLimits.POOL_BYTES_MIN);
             Container inB = open(b); Transaction tx = a.newTransaction()) {
            VosException e = assertThrows(VosException.class, () -> tx.update(inB, 1, 1, 2, new byte[1]));
            assertEquals(VosError.INVAL, e.error());
            assertEquals(0, tx.size());
        }
    }

    @Test
    void aContainerOfTheFfmImplementationIsRefusedWhereFfmRuns() {
        if (Runtime.version().feature() < 22) {
            return; // the FFM implementation cannot load here, so nothing can hand over its handles
        }
        VosProvider ffm = VosProvider.load("ffm");
        try (Pool a = JNI.createPool(dir.resolve("a"), VosLimits.POOL_BYTES_MIN);
             Pool b = ffm.createPool(dir.resolve("b"), VosLimits.POOL_BYTES_MIN);
             Container foreign = open(b); Transaction tx = a.newTransaction()) {
            VosException e = assertThrows(VosException.class, () -> tx.punch(foreign, 1, 1, 2));
            assertEquals(VosError.INVAL, e.error());
        }
    }

    @Test
    void closedHandlesNeverReachTheLibrary() {
        Pool pool = JNI.createPool(dir.resolve("p"), VosLimits.POOL_BYTES_MIN);
        Container c = open(pool);
        Transaction tx = pool.newTransaction();
        tx.update(c, 1, 1, 2, new byte[1]);
        Aggregation aggregation = c.startAggregation(2);
        pool.close();
        assertEquals(VosError.BADHANDLE, assertThrows(VosException.class, tx::commit).error());
        assertEquals(VosError.BADHANDLE, assertThrows(VosException.class, () -> aggregation.step(1)).error());
        assertEquals(VosError.BADHANDLE, assertThrows(VosException.class, () -> c.fetch(1, 1, 2)).error());
        assertEquals(VosError.BADHANDLE, assertThrows(VosException.class, pool::query).error());
        tx.close();
        aggregation.close();
        assertEquals(VosError.BADHANDLE, assertThrows(VosException.class, tx::commit).error());
        assertEquals(VosError.BADHANDLE, assertThrows(VosException.class, () -> aggregation.step(1)).error());
        JNI.destroyPool(dir.resolve("p"));
    }
}
