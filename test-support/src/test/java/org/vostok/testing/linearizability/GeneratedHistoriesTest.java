package org.vostok.testing.linearizability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The checker against histories whose verdict is known by construction: random concurrent
 * workloads from {@link SimulatedKvWorkload} (linearizable), and the same with one anomaly from
 * {@link AnomalyInjector} (not linearizable). Each case draws its shape from its seed; a failing
 * case replays with {@code -Dlin.replay=<seed>} (see {@link Seeds}).
 */
class GeneratedHistoriesTest {

    static LongStream seeds() {
        return Seeds.of(300);
    }

    private static SimulatedKvWorkload.Shape shape(SplittableRandom random, int operationsMax) {
        return new SimulatedKvWorkload.Shape(Seeds.between(random, 1, 8), Seeds.between(random, 1, 3),
                Seeds.between(random, 1, operationsMax), Seeds.between(random, 1, 8),
                Seeds.between(random, 0, 10), Seeds.between(random, 0, 10));
    }

    private final LinearizabilityChecker<KvOp, KvResult> checker = new LinearizabilityChecker<>(new KvModel());

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void aSequentialExecutionWithRandomOverlapsIsLinearizable(long seed) {
        SimulatedKvWorkload.Shape shape = shape(new SplittableRandom(seed), 80);
        History<KvOp, KvResult> history = SimulatedKvWorkload.generate(seed, shape);

        CheckResult<KvOp, KvResult> result = checker.check(history);

        assertEquals(Verdict.LINEARIZABLE, result.verdict(), () -> "seed " + seed + ", " + shape + "\n" + result + "\n" + history);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void oneInjectedAnomalyMakesItNotLinearizable(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        AnomalyInjector.Kind[] kinds = AnomalyInjector.Kind.values();
        AnomalyInjector.Kind anomaly = kinds[random.nextInt(kinds.length)];
        History<KvOp, KvResult> clean = SimulatedKvWorkload.generate(seed, shape(random, 60));
        AnomalyInjector.Injected injected = AnomalyInjector.inject(clean, anomaly, seed);

        CheckResult<KvOp, KvResult> result = checker.check(injected.history());

        assertEquals(Verdict.NOT_LINEARIZABLE, result.verdict(), () -> "seed " + seed + ", " + anomaly + "\n" + injected.history());
        assertEquals(1, result.violations().size(), result::toString);
        Violation<KvOp, KvResult> violation = result.violations().get(0);
        assertEquals(injected.key(), violation.partition(), result::toString);
        assertTrue(violation.failingPrefix().operations().contains(violation.lastOperation()), result::toString);
        assertEquals(Verdict.NOT_LINEARIZABLE, checker.check(violation.failingPrefix()).verdict(), result::toString);
    }
}
