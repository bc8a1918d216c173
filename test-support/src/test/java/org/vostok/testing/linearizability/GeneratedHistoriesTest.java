package org.vostok.testing.linearizability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The checker against histories whose verdict is known by construction: random concurrent
 * workloads from {@link SimulatedKvWorkload} (linearizable), and the same with one anomaly from
 * {@link AnomalyInjector} (not linearizable). A failing case replays from the printed seed.
 */
class GeneratedHistoriesTest {

    private final LinearizabilityChecker<KvOp, KvResult> checker = new LinearizabilityChecker<>(new KvModel());

    @Property(tries = 300)
    void aSequentialExecutionWithRandomOverlapsIsLinearizable(
            @ForAll long seed,
            @ForAll @IntRange(min = 1, max = 8) int clients,
            @ForAll @IntRange(min = 1, max = 3) int keys,
            @ForAll @IntRange(min = 1, max = 80) int operations,
            @ForAll @IntRange(min = 1, max = 8) int durationMax,
            @ForAll @IntRange(min = 0, max = 10) int failPercent,
            @ForAll @IntRange(min = 0, max = 10) int infoPercent) {
        History<KvOp, KvResult> history = SimulatedKvWorkload.generate(seed,
                new SimulatedKvWorkload.Shape(clients, keys, operations, durationMax, failPercent, infoPercent));

        CheckResult<KvOp, KvResult> result = checker.check(history);

        assertEquals(Verdict.LINEARIZABLE, result.verdict(), () -> result + "\n" + history);
    }

    @Property(tries = 300)
    void oneInjectedAnomalyMakesItNotLinearizable(
            @ForAll long seed,
            @ForAll AnomalyInjector.Kind anomaly,
            @ForAll @IntRange(min = 1, max = 8) int clients,
            @ForAll @IntRange(min = 1, max = 3) int keys,
            @ForAll @IntRange(min = 1, max = 60) int operations,
            @ForAll @IntRange(min = 1, max = 8) int durationMax,
            @ForAll @IntRange(min = 0, max = 10) int failPercent,
            @ForAll @IntRange(min = 0, max = 10) int infoPercent) {
        History<KvOp, KvResult> clean = SimulatedKvWorkload.generate(seed,
                new SimulatedKvWorkload.Shape(clients, keys, operations, durationMax, failPercent, infoPercent));
        AnomalyInjector.Injected injected = AnomalyInjector.inject(clean, anomaly, seed);

        CheckResult<KvOp, KvResult> result = checker.check(injected.history());

        assertEquals(Verdict.NOT_LINEARIZABLE, result.verdict(), () -> anomaly + "\n" + injected.history());
        assertEquals(1, result.violations().size(), result::toString);
        Violation<KvOp, KvResult> violation = result.violations().get(0);
        assertEquals(injected.key(), violation.partition(), result::toString);
        assertTrue(violation.failingPrefix().operations().contains(violation.lastOperation()), result::toString);
        assertEquals(Verdict.NOT_LINEARIZABLE, checker.check(violation.failingPrefix()).verdict(), result::toString);
    }
}
