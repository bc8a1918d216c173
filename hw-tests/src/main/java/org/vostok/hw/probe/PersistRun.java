package org.vostok.hw.probe;

/**
 * What one run of {@link PersistProbe#persist} measured.
 *
 * <p>Thread-safety: immutable once made (the array is not handed out).
 *
 * @param writeBytes   the size of each persisted write
 * @param latencies    each persist's time in nanoseconds, in the order they ran
 * @param elapsedNanos the whole loop, first write to last persist
 * @param pmem         whether libpmem persisted with cache flushes (else with msync)
 * @param autoFlush    1 when the platform flushes CPU caches on power loss (eADR), 0 when not, -1 unknown
 */
public record PersistRun(int writeBytes, long[] latencies, long elapsedNanos, boolean pmem, int autoFlush) {
    public PersistRun {
        latencies = latencies.clone();
        if (latencies.length == 0 || writeBytes <= 0) {
            throw new IllegalArgumentException("a persist run has samples and a write size");
        }
    }

    @Override
    public long[] latencies() {
        return latencies.clone();
    }

    /** Bytes made durable per second over the whole loop, in MiB/s. */
    public double mibPerSecond() {
        double seconds = Math.max(1, elapsedNanos) / 1e9;
        return (double) writeBytes * latencies.length / seconds / (1 << 20);
    }
}
