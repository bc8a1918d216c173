package org.vostok.testing.net;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * How long a {@link FaultProxy} holds each chunk of bytes before it passes it on: a fixed delay
 * ({@code millisMin == millisMax}) or one drawn uniformly from {@code [millisMin, millisMax]} per
 * chunk. Order within a connection is kept whatever is drawn: a chunk never leaves before the one
 * read before it, so a short draw after a long one waits for it.
 *
 * @param millisMin the shortest delay
 * @param millisMax the longest delay, at most {@link #MILLIS_MAX}
 */
public record Delay(long millisMin, long millisMax) {

    /** The longest delay a proxy accepts: a test that needs more is testing something else. */
    public static final long MILLIS_MAX = 60_000;

    /** No delay. */
    public static final Delay NONE = new Delay(0, 0);

    public Delay {
        if (millisMin < 0 || millisMax < millisMin || millisMax > MILLIS_MAX) {
            throw new IllegalArgumentException("a delay needs 0 <= min <= max <= " + MILLIS_MAX + " ms, got "
                    + millisMin + " and " + millisMax + " ms");
        }
    }

    public static Delay fixed(long millis) {
        return new Delay(millis, millis);
    }

    public static Delay between(long millisMin, long millisMax) {
        return new Delay(millisMin, millisMax);
    }

    public boolean isNone() {
        return millisMax == 0;
    }

    /** One delay, in nanoseconds, drawn from {@code random}. */
    long drawNanos(SplittableRandom random) {
        long millis = millisMin == millisMax ? millisMin : millisMin + random.nextLong(millisMax - millisMin + 1);
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }

    @Override
    public String toString() {
        if (isNone()) {
            return "no delay";
        }
        return millisMin == millisMax ? millisMin + " ms" : millisMin + ".." + millisMax + " ms";
    }
}
