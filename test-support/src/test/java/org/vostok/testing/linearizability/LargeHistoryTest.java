package org.vostok.testing.linearizability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * A history the size the cluster tests will record (50 clients, 10 keys, 10,000 operations,
 * some failed and some timed out) must get a verdict within the default search budget, so the
 * checker is usable in CI. It asserts the verdict only; how long it takes is not a test's business.
 */
class LargeHistoryTest {

    private static final SimulatedKvWorkload.Shape SHAPE = new SimulatedKvWorkload.Shape(50, 10, 10_000, 10, 1, 1);

    private final LinearizabilityChecker<KvOp, KvResult> checker =
            new LinearizabilityChecker<>(new KvModel(), CheckerConfig.defaults());

    @Test
    void aLinearizableHistoryOfTenThousandOperationsIsDecided() {
        History<KvOp, KvResult> history = SimulatedKvWorkload.generate(4, SHAPE);

        CheckResult<KvOp, KvResult> result = checker.check(history);

        assertEquals(Verdict.LINEARIZABLE, result.verdict(), result::toString);
        assertEquals(10, result.partitionsChecked());
    }

    /**
     * Fifty clients on one key keep about fifty operations in flight at every moment. Before the
     * search refused steps that strand a needed value, such a history ran out of any budget.
     */
    @Test
    void oneKeyThatFiftyClientsHammerIsDecided() {
        History<KvOp, KvResult> history = SimulatedKvWorkload.generate(6,
                new SimulatedKvWorkload.Shape(50, 1, 5_000, 10, 1, 1));

        CheckResult<KvOp, KvResult> result = checker.check(history);

        assertEquals(Verdict.LINEARIZABLE, result.verdict(), result::toString);
    }

    @Test
    void oneStaleReadInTenThousandOperationsIsFound() {
        History<KvOp, KvResult> history = SimulatedKvWorkload.generate(5, SHAPE);
        AnomalyInjector.Injected injected = AnomalyInjector.inject(history, AnomalyInjector.Kind.STALE_READ, 5);

        CheckResult<KvOp, KvResult> result = checker.check(injected.history());

        assertEquals(Verdict.NOT_LINEARIZABLE, result.verdict(), result::toString);
        assertEquals(injected.key(), result.violations().get(0).partition());
    }
}
