package org.vostok.vos.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.vostok.vos.Container;
import org.vostok.vos.Iteration;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.Pool;
import org.vostok.vos.PoolInfo;
import org.vostok.vos.Transaction;
import org.vostok.vos.VosError;
import org.vostok.vos.VosException;
import org.vostok.vos.VosLimits;

/** Space: the free bytes shrink with writes and grow back with deletes; a full pool says NOSPACE and goes on. */
public abstract class SpaceConformanceTest extends VosConformance {
    private static final int VALUE_BYTES = 64 << 10;

    @Test
    void freeSpaceShrinksWithWritesAndGrowsWithPunchAndAggregation() {
        Pool pool = newPool("space", 64L << 20);
        Container c = newContainer(pool);
        c.createObject(1, KeyOrder.INTEGER, 1);
        long freeAtStart = pool.query().freeBytes();
        int count = 160; // 10 MiB of values
        for (int i = 0; i < count; i++) {
            c.update(1, Key.of(i), 2, pattern(i, VALUE_BYTES));
        }
        long freeAfterWrites = pool.query().freeBytes();
        assertTrue(freeAtStart - freeAfterWrites >= (long) count * VALUE_BYTES,
                () -> "free went from " + freeAtStart + " to " + freeAfterWrites);
        try (Transaction tx = pool.newTransaction()) {
            for (int i = 0; i < count; i++) {
                tx.punch(c, 1, i, 3);
            }
            tx.commit();
        }
        c.aggregate(3);
        long freeAfterAggregation = pool.query().freeBytes();
        assertTrue(freeAfterAggregation - freeAfterWrites >= (long) count * VALUE_BYTES * 9 / 10,
                () -> "aggregation freed only " + (freeAfterAggregation - freeAfterWrites) + " bytes");
        assertTrue(c.collect(Iteration.forward(1, 3), 10).isEmpty());
    }

    @Test
    void aFullPoolSaysNospaceLosesNothingAndRecovers() {
        Pool pool = newPool("full");
        Container c = newContainer(pool);
        c.createObject(1, KeyOrder.INTEGER, 1);
        int written = 0;
        VosException full = null;
        int limit = (int) (VosLimits.POOL_BYTES_MIN / VALUE_BYTES) + 10;
        for (int i = 0; i < limit && full == null; i++) {
            try {
                c.update(1, Key.of(i), 2, pattern(i, VALUE_BYTES));
                written++;
            } catch (VosException e) {
                full = e;
            }
        }
        assertTrue(full != null, "a pool of " + VosLimits.POOL_BYTES_MIN + " bytes held " + limit + " values of "
                + VALUE_BYTES + " bytes");
        assertEquals(VosError.NOSPACE, full.error(), full.getMessage());
        assertTrue(written > 10, "written " + written);
        final int committed = written;
        // Everything committed before is intact, the refused value is not there.
        for (int i = 0; i < committed; i++) {
            assertValue(pattern(i, VALUE_BYTES), c.fetch(1, i, 2));
        }
        assertAbsent(c.fetch(1, committed, 2));
        // A batch that does not fit fails whole.
        try (Transaction tx = pool.newTransaction()) {
            tx.update(c, 1, 100_000, 2, utf8("small"));
            for (int i = 0; i < 4; i++) {
                tx.update(c, 1, 100_001 + i, 2, pattern(i, VALUE_BYTES));
            }
            assertVos(VosError.NOSPACE, tx::commit);
        }
        assertAbsent(c.fetch(1, 100_000, 2));
        // Reads, iteration and query still work on the full pool.
        assertEquals(committed, c.collect(Iteration.forward(1, 2).withKeysOnly(), 100_000).size());
        PoolInfo info = pool.query();
        assertTrue(info.freeBytes() < info.totalBytes(), () -> "a full pool reports " + info);
        // Deleting half and aggregating makes room again.
        try (Transaction tx = pool.newTransaction()) {
            for (int i = 0; i < committed; i += 2) {
                tx.punch(c, 1, i, 3);
            }
            tx.commit();
        }
        c.aggregate(3);
        for (int i = 0; i < committed / 4; i++) {
            c.update(1, Key.of(1_000_000 + i), 4, pattern(-i, VALUE_BYTES));
        }
        for (int i = 1; i < committed; i += 2) {
            assertValue(pattern(i, VALUE_BYTES), c.fetch(1, i, 4));
        }
        assertValue(pattern(0, VALUE_BYTES), c.fetch(1, 1_000_000, 4));
    }

    @Test
    void discardFreesSpace() {
        Pool pool = newPool("discard", 32L << 20);
        Container c = newContainer(pool);
        c.createObject(1, KeyOrder.INTEGER, 1);
        long before = pool.query().freeBytes();
        for (int i = 0; i < 64; i++) {
            c.update(1, Key.of(i), 10 + i, pattern(i, VALUE_BYTES));
        }
        c.discard(10);
        long after = pool.query().freeBytes();
        assertTrue(before - after < 64L * VALUE_BYTES / 10, () -> "discard left " + (before - after) + " bytes used");
        assertTrue(c.collect(Iteration.forward(1, VosLimits.EPOCH_MAX), 10).isEmpty());
    }
}
