package org.vostok.vos;

import java.util.Objects;
import java.util.Optional;

/**
 * How an iteration ended.
 *
 * <p>Thread-safety: an immutable value.
 *
 * @param records  the records delivered to the visitor
 * @param complete true when no live key remains past the last one delivered; false when the
 *                 visitor stopped early
 * @param lastKey  the last key delivered, empty when none was; resume with
 *                 {@code iteration.after(lastKey)}
 */
public record IterationResult(long records, boolean complete, Optional<Key> lastKey) {
    public IterationResult {
        Objects.requireNonNull(lastKey, "lastKey");
        if (records < 0) {
            throw new IllegalArgumentException("records must not be negative: " + records);
        }
    }

    /** The iteration that continues after this one stopped; empty when it was complete. */
    public Optional<Iteration> resume(Iteration iteration) {
        if (complete) {
            return Optional.empty();
        }
        return Optional.of(lastKey.map(iteration::after).orElse(iteration));
    }
}
