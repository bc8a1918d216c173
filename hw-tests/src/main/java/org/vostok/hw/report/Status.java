package org.vostok.hw.report;

/**
 * The outcome of one check, in order of severity: the report's exit code follows the worst
 * outcome that is not {@link #SKIPPED}.
 *
 * <p>Thread-safety: an enum, immutable.
 */
public enum Status {
    /** Measured or inspected, and within the thresholds. */
    PASS,
    /** Could not run here (no such hardware, no tool, not a DAX mount); the reason says which. */
    SKIPPED,
    /** Usable, but outside a warning threshold or configured in a way worth a look. */
    WARN,
    /** Not fit to hold replicas: outside a failure threshold, broken, or lost data. */
    FAIL;

    /** The worse of two outcomes, where {@link #SKIPPED} is worse than nothing but better than {@link #WARN}. */
    public Status worse(Status other) {
        return other.ordinal() > ordinal() ? other : this;
    }
}
