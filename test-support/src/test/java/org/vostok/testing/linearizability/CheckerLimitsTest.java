package org.vostok.testing.linearizability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vostok.testing.linearizability.KvOp.read;
import static org.vostok.testing.linearizability.KvOp.write;
import static org.vostok.testing.linearizability.KvResult.ok;
import static org.vostok.testing.linearizability.KvResult.value;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The search budget, and the errors a wrongly recorded history or config gets. */
class CheckerLimitsTest {

    private static final KvModel MODEL = new KvModel();

    /** A counter: add(n) returns nothing, get returns the total. Its inputs are Longs, add(n) as n and get as 0. */
    private static final class CounterModel implements Model<Long, Long, Long> {
        @Override
        public Long initialState() {
            return 0L;
        }

        @Override
        public Step<Long, Long> step(Long total, Long input) {
            return input == 0 ? new Step<>(total, total) : new Step<>(total + input, 0L);
        }
    }

    @Test
    void manyOpenOperationsAndAnImpossibleReadGiveUnknownInsteadOfRunningForever() {
        // Thirty increments that timed out, then a read of 31. To prove that impossible, the
        // search must try every subset of the increments: far beyond any budget. The budget
        // turns that into an answer.
        History.Builder<Long, Long> history = History.builder();
        for (int i = 0; i < 30; i++) {
            history.info(i, 1L, i);
        }
        history.ok(99, 0L, 31L, 100, 101);
        var checker = new LinearizabilityChecker<>(new CounterModel(), CheckerConfig.defaults().withStatesMax(20_000));

        CheckResult<Long, Long> result = checker.check(history.build());

        assertEquals(Verdict.UNKNOWN, result.verdict(), result::toString);
        CheckResult.Undecided undecided = result.undecided().get(0);
        assertEquals("all", undecided.partition());
        assertEquals(31, undecided.operations());
        assertEquals(20_001, undecided.statesExplored());
        assertTrue(result.toString().contains("Gave up on partition all (31 operations) after 20001 search states:"
                + " raise CheckerConfig.statesMax"), result::toString);
    }

    @Test
    void theSameHistoryWithAPossibleReadIsLinearizable() {
        History.Builder<Long, Long> history = History.builder();
        for (int i = 0; i < 30; i++) {
            history.info(i, 1L, i);
        }
        history.ok(99, 0L, 17L, 100, 101);
        var checker = new LinearizabilityChecker<>(new CounterModel(), CheckerConfig.defaults().withStatesMax(20_000));

        assertEquals(Verdict.LINEARIZABLE, checker.check(history.build()).verdict());
    }

    @Test
    void aViolationOnOneKeyOutranksAnUndecidedOne() {
        History.Builder<KvOp, KvResult> history = History.builder();
        for (int i = 0; i < 10; i++) {
            history.ok(1, write("x", "v" + i), ok(), 2L * i, 2L * i + 1);
        }
        history.ok(2, write("y", "a"), ok(), 0, 1)
                .ok(2, read("y"), value("b"), 2, 3);
        var checker = new LinearizabilityChecker<>(MODEL, new CheckerConfig(5));

        CheckResult<KvOp, KvResult> result = checker.check(history.build());

        assertEquals(Verdict.NOT_LINEARIZABLE, result.verdict());
        assertEquals(List.of("y"), result.violations().stream().map(Violation::partition).toList());
        assertEquals(List.of("x"), result.undecided().stream().map(CheckResult.Undecided::partition).toList());
    }

    @Test
    void aReadRecordedWithAWritesOutputIsARecordingError() {
        History<KvOp, KvResult> history = History.<KvOp, KvResult>builder()
                .ok(1, read("x"), ok(), 0, 1)
                .build();
        var checker = new LinearizabilityChecker<>(MODEL);

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> checker.check(history));

        assertEquals("operation #0 client 1 [0, 1] read(x) -> ok was recorded wrongly: read(x) cannot output ok;"
                + " its output is KvResult.value(...) or KvResult.absent()", error.getMessage());
    }

    @Test
    void statesMaxMustBePositive() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> new CheckerConfig(0));
        assertEquals("statesMax must be at least 1, got 0; the default is 1000000", error.getMessage());
    }

    @Test
    void operationIdsMustBeUnique() {
        var first = Operation.<KvOp, KvResult>ok(7, 1, write("x", "a"), ok(), 0, 1);
        var second = Operation.<KvOp, KvResult>ok(7, 2, read("x"), value("a"), 2, 3);
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> History.of(List.of(first, second)));
        assertTrue(error.getMessage().startsWith("two operations of the history have id 7"), error.getMessage());
    }

    @Test
    void aResponseBeforeItsInvocationIsRefused() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> Operation.ok(3, 1, write("x", "a"), ok(), 10, 9));
        assertEquals("operation #3 write(x, \"a\") responded at 9, before it was invoked at 10; times must come"
                + " from one monotonic clock", error.getMessage());
    }

    @Test
    void anOkOperationNeedsAnOutput() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> new Operation<KvOp, KvResult>(3, 1, read("x"), Outcome.OK, Optional.empty(), 0,
                        OptionalLong.of(1)));
        assertEquals("operation #3 read(x) is OK but has no output; record what the client was told",
                error.getMessage());
    }
}
