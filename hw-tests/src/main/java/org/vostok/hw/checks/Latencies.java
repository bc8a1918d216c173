package org.vostok.hw.checks;

import java.util.Arrays;

/** Percentiles of measured latencies (nearest rank, the definition fio and HdrHistogram report). */
final class Latencies {
    private Latencies() {
    }

    /** The {@code p}-th percentile (0 < p <= 100) of {@code samples}, which must not be empty. */
    static long percentile(long[] samples, double p) {
        if (samples.length == 0 || !(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("a percentile needs samples and 0 < p <= 100, not " + samples.length
                    + " samples and p " + p);
        }
        long[] sorted = samples.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }
}
