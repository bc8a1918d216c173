package org.vostok.raft;

/**
 * A {@link MonotonicClock} that moves only when a test moves it: virtual time for scripted tests
 * and the simulator, so that every run replays exactly. It starts at an arbitrary origin, as a
 * real monotonic clock does (negative origins included).
 */
public final class ManualClock implements MonotonicClock {

    private long nanos;

    public ManualClock(long originNanos) {
        this.nanos = originNanos;
    }

    public ManualClock() {
        this(0);
    }

    @Override
    public long nanoTime() {
        return nanos;
    }

    /** Moves the clock on by {@code deltaNanos}, which must not be negative. */
    public void advance(long deltaNanos) {
        if (deltaNanos < 0) {
            throw new IllegalArgumentException("a monotonic clock cannot go back: " + deltaNanos + " ns");
        }
        nanos += deltaNanos;
    }
}
