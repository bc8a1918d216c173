package org.vostok.testing.linearizability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.vostok.testing.linearizability.KvOp.compareAndSet;
import static org.vostok.testing.linearizability.KvOp.delete;
import static org.vostok.testing.linearizability.KvOp.putIfAbsent;
import static org.vostok.testing.linearizability.KvOp.read;
import static org.vostok.testing.linearizability.KvOp.write;
import static org.vostok.testing.linearizability.KvResult.absent;
import static org.vostok.testing.linearizability.KvResult.ok;
import static org.vostok.testing.linearizability.KvResult.swapped;
import static org.vostok.testing.linearizability.KvResult.value;

import org.junit.jupiter.api.Test;

/** Hand-written histories that are linearizable, each showing one thing the checker must allow. */
class LinearizableHistoriesTest extends KvHistoryAssertions {

    @Test
    void sequentialOperationsOfEveryKind() {
        assertLinearizable(history()
                .ok(1, read("x"), absent(), 0, 1)
                .ok(1, putIfAbsent("x", "a"), swapped(true), 2, 3)
                .ok(1, putIfAbsent("x", "b"), swapped(false), 4, 5)
                .ok(1, read("x"), value("a"), 6, 7)
                .ok(1, compareAndSet("x", "a", "b"), swapped(true), 8, 9)
                .ok(1, compareAndSet("x", "a", "c"), swapped(false), 10, 11)
                .ok(1, write("x", "d"), ok(), 12, 13)
                .ok(1, read("x"), value("d"), 14, 15)
                .ok(1, delete("x"), ok(), 16, 17)
                .ok(1, read("x"), absent(), 18, 19)
                .ok(1, delete("x"), ok(), 20, 21)
                .build());
    }

    @Test
    void concurrentWritesMayTakeEffectInEitherOrder() {
        assertLinearizable(history()
                .ok(1, write("x", "a"), ok(), 0, 10)
                .ok(2, write("x", "b"), ok(), 0, 10)
                .ok(3, read("x"), value("a"), 11, 12)
                .build());
        assertLinearizable(history()
                .ok(1, write("x", "a"), ok(), 0, 10)
                .ok(2, write("x", "b"), ok(), 0, 10)
                .ok(3, read("x"), value("b"), 11, 12)
                .build());
    }

    @Test
    void readsOverlappingAWriteMaySeeOldThenNewAndOverlappingReadsNewThenOld() {
        // r1 sees the new value, r2 the old one; allowed because r2 was invoked before r1
        // returned, so r2 can take effect first.
        assertLinearizable(history()
                .ok(1, write("x", "a"), ok(), 0, 1)
                .ok(2, write("x", "b"), ok(), 10, 50)
                .ok(3, read("x"), value("b"), 20, 30)
                .ok(4, read("x"), value("a"), 25, 45)
                .build());
    }

    @Test
    void compareAndSetsRacingFromTheSameValueOneWins() {
        assertLinearizable(history()
                .ok(1, write("x", "a"), ok(), 0, 1)
                .ok(2, compareAndSet("x", "a", "b"), swapped(false), 2, 10)
                .ok(3, compareAndSet("x", "a", "c"), swapped(true), 3, 9)
                .ok(4, read("x"), value("c"), 11, 12)
                .build());
    }

    @Test
    void timedOutWriteThatTookEffect() {
        assertLinearizable(history()
                .ok(1, write("x", "a"), ok(), 0, 1)
                .info(2, write("x", "b"), 2)
                .ok(3, read("x"), value("b"), 10, 11)
                .build());
    }

    @Test
    void timedOutWriteThatDidNotTakeEffect() {
        assertLinearizable(history()
                .ok(1, write("x", "a"), ok(), 0, 1)
                .info(2, write("x", "b"), 2)
                .ok(3, read("x"), value("a"), 10, 11)
                .ok(3, read("x"), value("a"), 12, 13)
                .build());
    }

    @Test
    void timedOutWriteMayTakeEffectLongAfterLaterWrites() {
        // The request for "b" lingered in the system and was applied after "c": an open
        // operation may take effect at any moment after its invocation.
        assertLinearizable(history()
                .info(1, write("x", "b"), 0)
                .ok(2, write("x", "c"), ok(), 5, 6)
                .ok(2, read("x"), value("c"), 7, 8)
                .ok(2, read("x"), value("b"), 9, 10)
                .build());
    }

    @Test
    void timedOutCompareAndSetThatTookEffect() {
        assertLinearizable(history()
                .ok(1, write("x", "a"), ok(), 0, 1)
                .info(1, compareAndSet("x", "a", "b"), 2)
                .ok(2, read("x"), value("b"), 5, 6)
                .build());
    }

    @Test
    void failedWriteThatNobodySees() {
        assertLinearizable(history()
                .ok(1, write("x", "a"), ok(), 0, 1)
                .fail(2, write("x", "b"), 2, 3)
                .ok(3, read("x"), value("a"), 4, 5)
                .build());
    }

    @Test
    void operationsWhoseTimesTouchOverlap() {
        // The read was invoked at the instant the write returned; with equal times the
        // checker cannot tell which came first, so it allows either.
        assertLinearizable(history()
                .ok(1, write("x", "a"), ok(), 0, 5)
                .ok(2, read("x"), absent(), 5, 6)
                .build());
    }

    @Test
    void keysAreIndependent() {
        CheckResult<KvOp, KvResult> result = assertLinearizable(history()
                .ok(1, write("x", "a"), ok(), 0, 1)
                .ok(2, write("y", "b"), ok(), 0, 1)
                .ok(1, read("y"), value("b"), 2, 3)
                .ok(2, read("x"), value("a"), 2, 3)
                .info(3, read("z"), 4)
                .build());
        // The open read of z constrains nothing and is left out.
        assertEquals(2, result.partitionsChecked());
        assertEquals(4, result.operationsChecked());
    }
}
