package org.vostok.server.config;

import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as the configuration file writes them: a whole number with a unit, {@code ms}, {@code s} or {@code m}. */
final class Durations {

    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})\\s*(ms|s|m)");

    private Durations() {
    }

    /** The duration {@code text} names, in milliseconds, or empty when it is not one. */
    static OptionalLong parseMillis(String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            return OptionalLong.empty();
        }
        long n = Long.parseLong(m.group(1));
        return OptionalLong.of(switch (m.group(2)) {
            case "ms" -> n;
            case "s" -> n * 1_000;
            default -> n * 60_000;
        });
    }

    static String format(long millis) {
        if (millis % 60_000 == 0 && millis > 0) {
            return millis / 60_000 + "m";
        }
        if (millis % 1_000 == 0 && millis > 0) {
            return millis / 1_000 + "s";
        }
        return millis + "ms";
    }
}
