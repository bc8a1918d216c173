package org.vostok.testing.linearizability;

import java.util.SplittableRandom;
import java.util.stream.LongStream;

/**
 * Seeds for the generated-history tests: {@code count} seeds drawn from one base seed, so a run
 * is repeatable. The base is fixed unless {@code -Dlin.seed=<n>} picks another (to explore more
 * cases); every failure message names the seed of its case, and {@code -Dlin.replay=<seed>}
 * runs exactly that case.
 */
final class Seeds {
    private static final long BASE_DEFAULT = 0x5EED_1DEA_2026L;

    private Seeds() {
    }

    static LongStream of(int count) {
        String replay = System.getProperty("lin.replay");
        if (replay != null) {
            return LongStream.of(Long.parseLong(replay));
        }
        long base = Long.getLong("lin.seed", BASE_DEFAULT);
        SplittableRandom random = new SplittableRandom(base);
        return LongStream.generate(random::nextLong).limit(count);
    }

    /** A value in {@code [min, max]} drawn from {@code random}. */
    static int between(SplittableRandom random, int min, int max) {
        return min + random.nextInt(max - min + 1);
    }
}
