package org.vostok.testing.linearizability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vostok.testing.linearizability.KvOp.compareAndSet;
import static org.vostok.testing.linearizability.KvOp.delete;
import static org.vostok.testing.linearizability.KvOp.read;
import static org.vostok.testing.linearizability.KvOp.write;
import static org.vostok.testing.linearizability.KvResult.absent;
import static org.vostok.testing.linearizability.KvResult.ok;
import static org.vostok.testing.linearizability.KvResult.swapped;
import static org.vostok.testing.linearizability.KvResult.value;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Hand-written histories with one anomaly each, which the checker must find and name. */
class NotLinearizableHistoriesTest extends KvHistoryAssertions {

    @Test
    void staleReadAfterACompletedWrite() {
        Violation<KvOp, KvResult> violation = assertNotLinearizable(history()
                .ok(1, write("x", "a"), ok(), 0, 1)
                .ok(1, write("x", "b"), ok(), 2, 3)
                .ok(2, read("x"), value("a"), 4, 5)
                .build(), "x");
        assertEquals(2, violation.lastOperation().id());
        // Linearizing the write of b would leave a, which the read still needs.
        assertEquals(List.of(0), ids(violation.longestLinearization()));
        assertTrue(violation.toString().contains("nothing left could set \"a\" again, which #2 client 2 [4, 5]"
                + " read(x) -> \"a\" still needs"), violation::toString);
    }

    @Test
    void readOfAValueNeverWritten() {
        Violation<KvOp, KvResult> violation = assertNotLinearizable(history()
                .ok(1, write("x", "a"), ok(), 0, 10)
                .ok(2, read("x"), value("zzz"), 5, 6)
                .build(), "x");
        assertEquals(1, violation.lastOperation().id());
    }

    @Test
    void lostUpdateTwoCompareAndSetsFromTheSameValueBothSwap() {
        Violation<KvOp, KvResult> violation = assertNotLinearizable(history()
                .ok(1, write("x", "0"), ok(), 0, 1)
                .ok(1, compareAndSet("x", "0", "1"), swapped(true), 2, 10)
                .ok(2, compareAndSet("x", "0", "2"), swapped(true), 3, 11)
                .build(), "x");
        assertEquals(2, violation.lastOperation().id());
        // Whichever swaps first leaves "0", which the other still needs.
        assertEquals(List.of(0), ids(violation.longestLinearization()));
    }

    @Test
    void twoClientsSeeConcurrentWritesInOppositeOrders() {
        assertNotLinearizable(history()
                .ok(1, write("x", "a"), ok(), 0, 100)
                .ok(2, write("x", "b"), ok(), 0, 100)
                .ok(3, read("x"), value("a"), 10, 20)
                .ok(3, read("x"), value("b"), 30, 40)
                .ok(4, read("x"), value("b"), 10, 20)
                .ok(4, read("x"), value("a"), 30, 40)
                .build(), "x");
    }

    @Test
    void readSeesAFailedWrite() {
        Violation<KvOp, KvResult> violation = assertNotLinearizable(history()
                .ok(1, write("x", "a"), ok(), 0, 1)
                .fail(2, write("x", "b"), 2, 3)
                .ok(3, read("x"), value("b"), 4, 5)
                .build(), "x");
        // The failed write is not part of the history the checker linearizes.
        assertEquals(List.of(0, 2), ids(violation.failingPrefix().operations()));
    }

    @Test
    void readSeesNewValueThenALaterReadSeesTheOldOne() {
        assertNotLinearizable(history()
                .ok(1, write("x", "a"), ok(), 0, 1)
                .ok(2, write("x", "b"), ok(), 10, 50)
                .ok(3, read("x"), value("b"), 20, 30)
                .ok(4, read("x"), value("a"), 35, 45)
                .build(), "x");
    }

    @Test
    void timedOutWriteCannotTakeEffectBeforeItWasInvoked() {
        assertNotLinearizable(history()
                .ok(1, read("x"), value("b"), 0, 5)
                .info(2, write("x", "b"), 10)
                .build(), "x");
    }

    @Test
    void readSeesAbsentAfterACompletedWrite() {
        assertNotLinearizable(history()
                .ok(1, write("x", "a"), ok(), 0, 1)
                .ok(2, read("x"), absent(), 2, 3)
                .build(), "x");
    }

    @Test
    void readSeesAValueAfterACompletedDelete() {
        assertNotLinearizable(history()
                .ok(1, write("x", "a"), ok(), 0, 1)
                .ok(1, delete("x"), ok(), 2, 3)
                .ok(2, read("x"), value("a"), 4, 5)
                .build(), "x");
    }

    @Test
    void compareAndSetReportsNoSwapThoughTheValueMatched() {
        assertNotLinearizable(history()
                .ok(1, write("x", "a"), ok(), 0, 1)
                .ok(2, compareAndSet("x", "a", "b"), swapped(false), 2, 3)
                .build(), "x");
    }

    @Test
    void oneBadKeyAmongGoodOnesIsNamed() {
        CheckResult<KvOp, KvResult> result = checker.check(history()
                .ok(1, write("x", "a"), ok(), 0, 1)
                .ok(2, write("y", "a"), ok(), 0, 1)
                .ok(3, write("z", "a"), ok(), 0, 1)
                .ok(1, read("x"), value("a"), 2, 3)
                .ok(2, read("y"), value("stale"), 2, 3)
                .ok(3, read("z"), value("a"), 2, 3)
                .build());
        assertEquals(Verdict.NOT_LINEARIZABLE, result.verdict());
        assertEquals(List.of("y"), result.violations().stream().map(Violation::partition).toList());
        assertEquals(3, result.partitionsChecked());
    }
}
