package org.vostok.hw.thresholds;

import java.util.Objects;
import org.vostok.hw.report.Figure;
import org.vostok.hw.report.Status;

/**
 * One threshold: a figure that must stay below (a {@code _max} limit) or above (a {@code _min}
 * limit) a warning level and a failure level.
 *
 * <p>Thread-safety: an immutable value.
 *
 * @param name    the key in a thresholds file, without the {@code warn.}/{@code fail.} prefix,
 *                unit last: {@code fio_fdatasync_p99_us_max}
 * @param unit    the unit of the levels and of the figures held to them
 * @param warn    beyond this the check warns
 * @param fail    beyond this the check fails
 * @param meaning what the figure is, one line for the README and error messages
 */
public record Limit(String name, String unit, double warn, double fail, String meaning) {
    public Limit {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(meaning, "meaning");
        if (!name.endsWith("_max") && !name.endsWith("_min")) {
            throw new IllegalArgumentException("a limit's name ends with _max or _min: " + name);
        }
        if (!(warn >= 0) || !(fail >= 0) || Double.isInfinite(warn) || Double.isInfinite(fail)) {
            throw new IllegalArgumentException(name + ": the levels must be finite numbers of at least 0, not warn "
                    + warn + " and fail " + fail);
        }
        if (name.endsWith("_max") ? warn > fail : warn < fail) {
            throw new IllegalArgumentException(name + ": the warning level (" + Figure.number(warn)
                    + ") must not be beyond the failure level (" + Figure.number(fail) + "): a "
                    + (name.endsWith("_max") ? "maximum warns at or below where it fails"
                            : "minimum warns at or above where it fails"));
        }
    }

    /** Whether a figure must stay at or below the levels (else at or above). */
    public boolean isMaximum() {
        return name.endsWith("_max");
    }

    /** The outcome of a figure in this limit's unit. */
    public Status judge(double value) {
        if (isMaximum()) {
            return value > fail ? Status.FAIL : value > warn ? Status.WARN : Status.PASS;
        }
        return value < fail ? Status.FAIL : value < warn ? Status.WARN : Status.PASS;
    }

    /** The levels as the table prints them: {@code "warn >500, fail >5,000 us"}. */
    public String text() {
        String sign = isMaximum() ? ">" : "<";
        return "warn " + sign + Figure.number(warn) + ", fail " + sign + Figure.number(fail) + " " + unit;
    }

    /** This limit with other levels. */
    public Limit withLevels(double newWarn, double newFail) {
        return new Limit(name, unit, newWarn, newFail, meaning);
    }
}
