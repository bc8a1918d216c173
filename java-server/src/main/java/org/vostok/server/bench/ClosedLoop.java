package org.vostok.server.bench;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * A closed loop, as the peers' benchmark: {@code concurrency} operations in flight, each
 * completion issuing the next, for a fixed time; the latency of each is from its call to its
 * successful reply (for a write: committed on a majority and applied on the leader). A failed
 * operation is counted and replaced, not timed.
 */
final class ClosedLoop {

    /** Latencies above this are recorded as this (a call's deadline is 30 s by default). */
    static final long LATENCY_NANOS_MAX = TimeUnit.SECONDS.toNanos(120);
    /** How long the last operations of a level may take to come back before the run fails. */
    private static final long DRAIN_SECONDS_MAX = 120;

    private final RegisterLoad load;
    private final Operation operation;
    private final int concurrency;
    private final ConcurrentHistogram latencies = new ConcurrentHistogram(LATENCY_NANOS_MAX, 3);
    private final AtomicLong ok = new AtomicLong();
    /** Successes that completed before the level's end: the throughput counts only these. */
    private final AtomicLong okInTime = new AtomicLong();
    private volatile long endNanos = Long.MAX_VALUE;
    private final AtomicLong failed = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final CountDownLatch idle;

    ClosedLoop(RegisterLoad load, Operation operation, int concurrency) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("a closed loop needs 1 or more operations in flight, got " + concurrency);
        }
        this.load = load;
        this.operation = operation;
        this.concurrency = concurrency;
        this.idle = new CountDownLatch(concurrency);
    }

    /** Operations that succeeded so far (for progress). */
    long completed() {
        return ok.get();
    }

    /**
     * Runs the loop for {@code seconds} (the calling thread sleeps meanwhile), waits for the
     * operations still in flight, and says what it measured; leader changes are counted by
     * the caller.
     */
    LevelResult run(double seconds, LeaderLog leaders) throws InterruptedException {
        return run(seconds, seconds, seconds, () -> true, leaders);
    }

    /**
     * Runs the loop for at least {@code minSeconds}, then on in steps of {@code stepSeconds}
     * for as long as {@code enough} (asked at the end of the first period and of each step)
     * says no, for at most {@code maxSeconds} in all; then as {@link #run(double, LeaderLog)}.
     */
    LevelResult run(double minSeconds, double maxSeconds, double stepSeconds, BooleanSupplier enough,
                    LeaderLog leaders) throws InterruptedException {
        int changesBefore = leaders.changes().size();
        long start = System.nanoTime();
        long last = start + (long) (Math.max(minSeconds, maxSeconds) * 1e9);
        for (int i = 0; i < concurrency; i++) {
            issue();
        }
        endNanos = start + (long) (minSeconds * 1e9);
        while (true) {
            long left = endNanos - System.nanoTime();
            if (left <= 0) {
                if (endNanos >= last || enough.getAsBoolean()) {
                    break;
                }
                endNanos = Math.min(last, endNanos + (long) (stepSeconds * 1e9));
                continue;
            }
            TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
        }
        running.set(false);
        double elapsed = (endNanos - start) / 1e9;
        if (!idle.await(DRAIN_SECONDS_MAX, TimeUnit.SECONDS)) {
            throw new IllegalStateException(operation.label() + "s were still in flight " + DRAIN_SECONDS_MAX
                    + " s after the level at " + concurrency + " in flight ended: the service stopped answering");
        }
        Histogram copy = latencies.copy();
        int changes = leaders.changes().size() - changesBefore;
        return new LevelResult(operation, concurrency, okInTime.get(), failed.get(), elapsed, copy, changes);
    }

    private void issue() {
        if (!running.get()) {
            idle.countDown();
            return;
        }
        long t0 = System.nanoTime();
        load.call(operation).whenComplete((reply, error) -> {
            if (error == null) {
                // Operations that complete after the level's end are timed too: they were issued in it.
                long now = System.nanoTime();
                latencies.recordValue(Math.min(now - t0, LATENCY_NANOS_MAX));
                ok.incrementAndGet();
                if (now <= endNanos) {
                    okInTime.incrementAndGet();
                }
            } else {
                failed.incrementAndGet();
            }
            issue();
        });
    }
}
