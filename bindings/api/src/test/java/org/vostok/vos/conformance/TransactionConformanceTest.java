package org.vostok.vos.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vostok.vos.Container;
import org.vostok.vos.Iteration;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.Pool;
import org.vostok.vos.Transaction;
import org.vostok.vos.VosError;
import org.vostok.vos.VosException;
import org.vostok.vos.VosLimits;

/** Transactions: all of their operations or none, in order, across containers, reusable. */
public abstract class TransactionConformanceTest extends VosConformance {
    private Pool pool;
    private Container a;
    private Container b;

    @BeforeEach
    void open() {
        pool = newPool("tx");
        a = newContainer(pool);
        b = newContainer(pool);
    }

    @Test
    void operationsAcrossContainersCommitTogether() {
        try (Transaction tx = pool.newTransaction()) {
            tx.createObject(a, 1, KeyOrder.INTEGER, 1)
                    .createObject(b, 2, KeyOrder.LEXICAL, 1)
                    .update(a, 1, 10, 1, utf8("ten"))
                    .update(b, 2, Key.ofUtf8("name"), 1, utf8("vostok"))
                    .update(a, 1, Key.of(11), 1, utf8("xeleven"), 1, 6);
            assertEquals(5, tx.size());
            tx.commit();
            assertTrue(tx.isEmpty());
        }
        assertEquals("ten", text(a.fetch(1, 10, 1)));
        assertEquals("eleven", text(a.fetch(1, 11, 1)));
        assertEquals("vostok", text(b.fetch(2, Key.ofUtf8("name"), 1)));
    }

    @Test
    void aFailingOperationInTheMiddleLeavesNothing() {
        a.createObject(1, KeyOrder.INTEGER, 1);
        a.update(1, Key.of(1), 1, utf8("before"));
        try (Transaction tx = pool.newTransaction()) {
            tx.update(a, 1, 1, 2, utf8("changed"))
                    .createObject(b, 9, KeyOrder.INTEGER, 2)
                    .update(b, 9, 1, 2, utf8("new object"))
                    .update(a, 77, 1, 2, utf8("no such object"))
                    .update(a, 1, 2, 2, utf8("after the failure"));
            VosException e = assertVos(VosError.NONEXIST, tx::commit);
            assertEquals(3, e.failedOperation().orElse(-1), e::getMessage);
            assertTrue(e.getMessage().contains("77"), e::getMessage);
            assertEquals(5, tx.size(), "a failed commit keeps the operations");
        }
        assertEquals("before", text(a.fetch(1, 1, 2)));
        assertAbsent(a.fetch(1, 2, 2));
        assertVos(VosError.NONEXIST, () -> b.fetch(9, 1, 2));
        b.createObject(9, KeyOrder.INTEGER, 2); // the failed create left no trace either
    }

    @Test
    void aFailedTransactionCanBeCommittedOnceTheCauseIsGone() {
        try (Transaction tx = pool.newTransaction()) {
            tx.update(a, 5, 1, 3, utf8("waiting for its object"));
            assertVos(VosError.NONEXIST, tx::commit);
            a.createObject(5, KeyOrder.INTEGER, 1);
            tx.commit();
        }
        assertEquals("waiting for its object", text(a.fetch(5, 1, 3)));
    }

    @Test
    void creatingAnExistingObjectFailsTheWholeTransaction() {
        a.createObject(1, KeyOrder.INTEGER, 1);
        try (Transaction tx = pool.newTransaction()) {
            tx.update(a, 1, 1, 2, utf8("x")).createObject(a, 1, KeyOrder.INTEGER, 2);
            VosException e = assertVos(VosError.EXIST, tx::commit);
            assertEquals(1, e.failedOperation().orElse(-1));
        }
        assertAbsent(a.fetch(1, 1, 2));
    }

    @Test
    void operationsApplyInOrder() {
        a.createObject(1, KeyOrder.INTEGER, 1);
        try (Transaction tx = pool.newTransaction()) {
            tx.update(a, 1, 1, 2, utf8("first")).punch(a, 1, 1, 2)
                    .punch(a, 1, 2, 2).update(a, 1, 2, 2, utf8("last wins"))
                    .commit();
        }
        assertAbsent(a.fetch(1, 1, 2));
        assertEquals("last wins", text(a.fetch(1, 2, 2)));
    }

    @Test
    void aTransactionIsReusableAfterCommitAndClear() {
        a.createObject(1, KeyOrder.INTEGER, 1);
        try (Transaction tx = pool.newTransaction()) {
            for (int round = 0; round < 50; round++) {
                for (int i = 0; i < 20; i++) {
                    tx.update(a, 1, i, round + 1, pattern(round * 100 + i, 200 + 50 * i));
                }
                tx.commit();
            }
            tx.update(a, 1, 0, 60, utf8("never committed"));
            tx.clear();
            assertTrue(tx.isEmpty());
            tx.commit(); // an empty commit does nothing
        }
        for (int i = 0; i < 20; i++) {
            assertValue(pattern(49 * 100 + i, 200 + 50 * i), a.fetch(1, i, VosLimits.EPOCH_MAX));
        }
        assertEquals(20, a.collect(Iteration.forward(1, VosLimits.EPOCH_MAX), 100).size());
    }

    @Test
    void valuesAreCopiedWhenAdded() {
        a.createObject(1, KeyOrder.INTEGER, 1);
        byte[] value = utf8("original");
        try (Transaction tx = pool.newTransaction()) {
            tx.update(a, 1, 1, 1, value);
            value[0] = 'X';
            tx.commit();
        }
        assertEquals("original", text(a.fetch(1, 1, 1)));
    }

    @Test
    void aValueCanBeGivenAsHeadAndBody() {
        a.createObject(1, KeyOrder.INTEGER, 1);
        byte[] head = utf8("head:");
        byte[] body = utf8("body");
        try (Transaction tx = pool.newTransaction()) {
            tx.update(a, 1, 1, 1, head, body).update(a, 1, 2, 1, new byte[0], body).update(a, 1, 3, 1, head, new byte[0]);
            head[0] = 'X'; // copied when added
            assertVos(VosError.TOOBIG, () -> tx.update(a, 1, 4, 1, new byte[VosLimits.VALUE_BYTES_MAX], new byte[1]));
            assertEquals(3, tx.size());
            tx.commit();
        }
        assertEquals("head:body", text(a.fetch(1, 1, 1)));
        assertEquals("body", text(a.fetch(1, 2, 1)));
        assertEquals("head:", text(a.fetch(1, 3, 1)));
        assertAbsent(a.fetch(1, 4, 1));
    }

    @Test
    void discardIsAnOperationLikeTheOthers() {
        a.createObject(1, KeyOrder.INTEGER, 1);
        a.update(1, Key.of(1), 5, utf8("to be truncated"));
        try (Transaction tx = pool.newTransaction()) {
            tx.discard(a, 5).update(a, 1, 1, 5, utf8("rewritten")).commit();
        }
        assertEquals("rewritten", text(a.fetch(1, 1, 5)));
    }

    @Test
    void moreOperationsThanTheLimitAreRefusedWhenAdded() {
        try (Transaction tx = pool.newTransaction()) {
            for (int i = 0; i < VosLimits.TX_OPS_MAX; i++) {
                tx.punch(a, 1, i, 1);
            }
            VosException e = assertVos(VosError.TOOBIG, () -> tx.punch(a, 1, -1L, 1));
            assertTrue(e.getMessage().contains(String.valueOf(VosLimits.TX_OPS_MAX)), e::getMessage);
            assertEquals(VosLimits.TX_OPS_MAX, tx.size());
        }
    }

    @Test
    void moreBytesThanTheLimitAreRefusedAtCommitAndNothingChanges() {
        a.createObject(1, KeyOrder.INTEGER, 1);
        byte[] largest = new byte[VosLimits.VALUE_BYTES_MAX];
        int fit = VosLimits.TX_BYTES_MAX / VosLimits.VALUE_BYTES_MAX;
        try (Transaction tx = pool.newTransaction()) {
            for (int i = 0; i <= fit; i++) {
                tx.update(a, 1, i, 1, largest);
            }
            VosException e = assertVos(VosError.TOOBIG, tx::commit);
            assertEquals(fit, e.failedOperation().orElse(-1), e::getMessage);
            assertTrue(e.getMessage().contains("VOS_TX_BYTES_MAX"), e::getMessage);
        }
        assertAbsent(a.fetch(1, 0, 1));
    }

    @Test
    void aRefusedOperationIsNotAdded() {
        a.createObject(1, KeyOrder.INTEGER, 1);
        try (Transaction tx = pool.newTransaction()) {
            tx.update(a, 1, 1, 1, utf8("kept"));
            assertVos(VosError.TOOBIG, () -> tx.update(a, 1, 2, 1, new byte[VosLimits.VALUE_BYTES_MAX + 1]));
            assertEquals(1, tx.size());
            tx.commit();
        }
        assertEquals("kept", text(a.fetch(1, 1, 1)));
        assertAbsent(a.fetch(1, 2, 1));
    }

    @Test
    void aClosedTransactionRefusesEverything() {
        Transaction tx = pool.newTransaction();
        tx.update(a, 1, 1, 1, utf8("x"));
        tx.close();
        tx.close();
        assertVos(VosError.BADHANDLE, tx::commit);
        assertVos(VosError.BADHANDLE, () -> tx.update(a, 1, 1, 1, utf8("y")));
        assertVos(VosError.NONEXIST, () -> a.fetch(1, 1, 1));
    }
}
