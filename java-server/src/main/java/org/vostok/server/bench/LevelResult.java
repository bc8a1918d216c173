package org.vostok.server.bench;

import org.HdrHistogram.Histogram;

/**
 * One level of the load: {@code concurrency} operations of one kind kept in flight for
 * {@code seconds}; the latencies of the successful ones (nanoseconds, HdrHistogram with three
 * significant digits), how many succeeded and failed, and the leader changes seen meanwhile.
 */
public record LevelResult(Operation operation, int concurrency, long ok, long failed, double seconds,
                          Histogram latencies, int leaderChanges) {

    public double opsPerSecond() {
        return seconds <= 0 ? 0 : ok / seconds;
    }

    /** The latency at {@code percentile} (0..100) in microseconds; 0 when nothing succeeded. */
    public long micros(double percentile) {
        return latencies.getTotalCount() == 0 ? 0 : latencies.getValueAtPercentile(percentile) / 1_000;
    }

    public long maxMicros() {
        return latencies.getTotalCount() == 0 ? 0 : latencies.getMaxValue() / 1_000;
    }
}
