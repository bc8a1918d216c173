package org.vostok.testing.linearizability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

/**
 * What the hand-written history tests share: a key-value checker and assertions on its verdict.
 * Times are written as [invoke, response]; operation ids are the order of the builder calls.
 */
abstract class KvHistoryAssertions {

    final LinearizabilityChecker<KvOp, KvResult> checker = new LinearizabilityChecker<>(new KvModel());

    static History.Builder<KvOp, KvResult> history() {
        return History.builder();
    }

    CheckResult<KvOp, KvResult> assertLinearizable(History<KvOp, KvResult> history) {
        CheckResult<KvOp, KvResult> result = checker.check(history);
        assertEquals(Verdict.LINEARIZABLE, result.verdict(), result::toString);
        return result;
    }

    Violation<KvOp, KvResult> assertNotLinearizable(History<KvOp, KvResult> history, String key) {
        CheckResult<KvOp, KvResult> result = checker.check(history);
        assertEquals(Verdict.NOT_LINEARIZABLE, result.verdict(), () -> "expected a violation on " + key + "\n" + history);
        assertEquals(1, result.violations().size(), result::toString);
        Violation<KvOp, KvResult> violation = result.violations().get(0);
        assertEquals(key, violation.partition(), result::toString);
        return violation;
    }

    static List<Integer> ids(List<Operation<KvOp, KvResult>> operations) {
        return operations.stream().map(Operation::id).toList();
    }
}
