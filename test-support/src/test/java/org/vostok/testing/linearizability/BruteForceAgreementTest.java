package org.vostok.testing.linearizability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The checker against {@link BruteForceLinearizability} on small random histories: random
 * intervals, random outcomes, random outputs from a small set of values (repeated values
 * included), so that both verdicts are common. The checker's partitioning, memoization and
 * reductions must never change the verdict, and the failing prefix it reports must be the
 * shortest one.
 */
class BruteForceAgreementTest {

    private static final String[] VALUES = {"a", "b", "c"};
    private static final KvModel MODEL = new KvModel();

    private final LinearizabilityChecker<KvOp, KvResult> checker = new LinearizabilityChecker<>(MODEL);

    static LongStream seeds() {
        return Seeds.of(2000);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void theCheckerAgreesWithTheDefinition(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int operations = Seeds.between(random, 1, 8);
        int keys = Seeds.between(random, 1, 2);
        History<KvOp, KvResult> history = randomHistory(random, operations, keys);

        CheckResult<KvOp, KvResult> result = checker.check(history);

        boolean expected = BruteForceLinearizability.isLinearizable(MODEL, history.operations());
        assertEquals(expected ? Verdict.LINEARIZABLE : Verdict.NOT_LINEARIZABLE, result.verdict(),
                () -> "seed " + seed + "\n" + result + "\n" + history);
        for (Violation<KvOp, KvResult> violation : result.violations()) {
            assertShortestFailingPrefix(violation);
        }
    }

    private static void assertShortestFailingPrefix(Violation<KvOp, KvResult> violation) {
        List<Operation<KvOp, KvResult>> prefix = violation.failingPrefix().operations();
        assertFalse(BruteForceLinearizability.isLinearizable(MODEL, prefix), violation::toString);
        assertTrue(violation.prefixIsShortest());
        PartitionHistory<KvOp, KvResult> partition = new PartitionHistory<>(violation.partition(), prefix);
        if (partition.completedCount > 1) {
            List<Operation<KvOp, KvResult>> shorter = partition.prefix(partition.completedCount - 1, MODEL).operations;
            assertTrue(BruteForceLinearizability.isLinearizable(MODEL, shorter),
                    () -> "a shorter prefix fails too:\n" + shorter + "\n" + violation);
        }
    }

    private static History<KvOp, KvResult> randomHistory(SplittableRandom random, int operations, int keys) {
        List<Operation<KvOp, KvResult>> history = new ArrayList<>();
        for (int id = 0; id < operations; id++) {
            String key = "k" + random.nextInt(keys);
            long invoke = random.nextInt(20);
            long response = invoke + random.nextInt(8);
            KvOp input;
            KvResult output;
            switch (random.nextInt(5)) {
                case 0 -> {
                    input = KvOp.read(key);
                    output = KvResult.valueOf(randomValue(random));
                }
                case 1 -> {
                    input = KvOp.write(key, VALUES[random.nextInt(VALUES.length)]);
                    output = KvResult.ok();
                }
                case 2 -> {
                    input = KvOp.delete(key);
                    output = KvResult.ok();
                }
                default -> {
                    Optional<String> expected = randomValue(random);
                    String newValue = VALUES[random.nextInt(VALUES.length)];
                    input = expected.isPresent() ? KvOp.compareAndSet(key, expected.get(), newValue)
                            : KvOp.putIfAbsent(key, newValue);
                    output = KvResult.swapped(random.nextBoolean());
                }
            }
            int outcome = random.nextInt(10);
            history.add(outcome < 7 ? Operation.ok(id, id, input, output, invoke, response)
                    : outcome < 9 ? Operation.info(id, id, input, invoke)
                    : Operation.fail(id, id, input, invoke, response));
        }
        return History.of(history);
    }

    private static Optional<String> randomValue(SplittableRandom random) {
        int pick = random.nextInt(VALUES.length + 1);
        return pick == VALUES.length ? Optional.empty() : Optional.of(VALUES[pick]);
    }
}
