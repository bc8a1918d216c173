package org.vostok.hw.report;

import java.util.Locale;
import java.util.Objects;

/**
 * A measured number with its unit, and how a person reads it.
 *
 * <p>Thread-safety: an immutable value.
 *
 * @param value the number, in {@code unit}
 * @param unit  the unit: {@code ns}, {@code us}, {@code MiB/s}, {@code GiB}, {@code %}, {@code tx/s}, ...
 */
public record Figure(double value, String unit) {
    public Figure {
        Objects.requireNonNull(unit, "unit");
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("a figure must be a finite number, not " + value + " " + unit);
        }
    }

    /** The value with at most one decimal (none for large or whole values) and the unit: {@code "72 us"}, {@code "1.5 GiB"}. */
    public String text() {
        return number(value) + " " + unit;
    }

    /** A number as the report prints it: grouped thousands, one decimal below 100 unless whole. */
    public static String number(double value) {
        if (value == Math.rint(value) || Math.abs(value) >= 100) {
            return String.format(Locale.ROOT, "%,d", Math.round(value));
        }
        return String.format(Locale.ROOT, "%,.1f", value);
    }
}
