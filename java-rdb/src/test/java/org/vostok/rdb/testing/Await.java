package org.vostok.rdb.testing;

import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits for a condition with a generous deadline, polling: tests never measure time, they only
 * wait for something to become true, on a machine that may be slow and loaded.
 */
public final class Await {

    /** How long any condition is waited for before the test fails. */
    public static final long DEADLINE_MILLIS = 120_000;
    private static final long POLL_MILLIS = 10;

    private Await() {
    }

    /** Waits until {@code condition} holds; fails naming {@code what} after the deadline. */
    public static void until(String what, BooleanSupplier condition) {
        value(what, () -> condition.getAsBoolean() ? Optional.of(Boolean.TRUE) : Optional.empty());
    }

    /** Waits until {@code value} is present and returns it. */
    public static <T> T value(String what, Supplier<Optional<T>> value) {
        long deadline = System.nanoTime() + DEADLINE_MILLIS * 1_000_000L;
        while (true) {
            Optional<T> v = value.get();
            if (v.isPresent()) {
                return v.get();
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("gave up waiting after " + DEADLINE_MILLIS + " ms for: " + what);
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for: " + what);
            }
        }
    }
}
