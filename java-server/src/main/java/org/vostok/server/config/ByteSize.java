package org.vostok.server.config;

import java.util.Locale;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sizes as the configuration file writes them: a whole number of bytes, or a number with a
 * binary unit ({@code KiB}, {@code MiB}, {@code GiB}, {@code TiB}). Decimal units ({@code MB},
 * {@code GB}) are refused rather than guessed at: a pool of "1GB" that is 7 % smaller than its
 * writer meant is a surprise found only when it fills.
 */
public final class ByteSize {

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([A-Za-z]*)");

    private ByteSize() {
    }

    /** The size {@code text} names, or empty when it is not a size. */
    public static OptionalLong parse(String text) {
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            return OptionalLong.empty();
        }
        int shift;
        switch (m.group(2)) {
            case "", "B" -> shift = 0;
            case "KiB" -> shift = 10;
            case "MiB" -> shift = 20;
            case "GiB" -> shift = 30;
            case "TiB" -> shift = 40;
            default -> {
                return OptionalLong.empty();
            }
        }
        try {
            long n = Long.parseLong(m.group(1));
            if (n > (Long.MAX_VALUE >> shift)) {
                return OptionalLong.empty();
            }
            return OptionalLong.of(n << shift);
        } catch (NumberFormatException tooLong) {
            return OptionalLong.empty();
        }
    }

    /** What to write instead of {@code text}, for an error message. */
    static String suggestion(String text) {
        Matcher m = SIZE.matcher(text.trim());
        if (m.matches()) {
            String unit = switch (m.group(2).toUpperCase(Locale.ROOT)) {
                case "K", "KB", "KIB" -> "KiB";
                case "M", "MB", "MIB" -> "MiB";
                case "G", "GB", "GIB" -> "GiB";
                case "T", "TB", "TIB" -> "TiB";
                default -> "";
            };
            if (!unit.isEmpty()) {
                return "write it with a binary unit, e.g. " + m.group(1) + unit;
            }
        }
        return "write a whole number of bytes or a number with a unit: KiB, MiB, GiB or TiB (e.g. 256MiB, 1GiB)";
    }

    /** {@code bytes} in the largest binary unit that divides it (1 GiB, 256 MiB, 1000 B). */
    public static String format(long bytes) {
        String[] units = {"TiB", "GiB", "MiB", "KiB"};
        int[] shifts = {40, 30, 20, 10};
        for (int i = 0; i < units.length; i++) {
            if (bytes != 0 && bytes % (1L << shifts[i]) == 0) {
                return (bytes >> shifts[i]) + " " + units[i];
            }
        }
        return bytes + " B";
    }
}
