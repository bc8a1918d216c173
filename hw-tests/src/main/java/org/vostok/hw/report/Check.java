package org.vostok.hw.report;

import java.util.Objects;
import java.util.Optional;

/**
 * One line of the report: what was checked, on what, the outcome, the figure measured, the
 * threshold it was held to, and why the outcome is what it is.
 *
 * <p>Thread-safety: an immutable value.
 *
 * @param id        a stable name for automation, e.g. {@code fio.fdatasync.p99}
 * @param title     what a person reads in the table, e.g. {@code fio fdatasync p99}
 * @param subject   what it was checked on: {@code node}, a data directory, a device
 * @param status    the outcome
 * @param measured  the figure, when the check measures one
 * @param threshold the limits it was held to, as the table prints them; empty when none
 * @param why       one sentence: what was seen, and what to do when it is not a pass
 */
public record Check(String id, String title, String subject, Status status, Optional<Figure> measured,
                    String threshold, String why) {
    public Check {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(measured, "measured");
        Objects.requireNonNull(threshold, "threshold");
        Objects.requireNonNull(why, "why");
        if (id.isBlank() || title.isBlank() || subject.isBlank() || why.isBlank()) {
            throw new IllegalArgumentException("a check needs an id, a title, a subject and a reason: " + id);
        }
    }

    /** A check without a figure or a threshold. */
    public static Check of(String id, String title, String subject, Status status, String why) {
        return new Check(id, title, subject, status, Optional.empty(), "", why);
    }

    /** A check that could not run here, and why. */
    public static Check skipped(String id, String title, String subject, String why) {
        return of(id, title, subject, Status.SKIPPED, why);
    }
}
