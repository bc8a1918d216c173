package org.vostok.hw.report;

/**
 * The exit codes of {@code vostok hw-check}, the convention of monitoring plugins (Nagios,
 * Icinga): a scheduler that already knows it needs no mapping.
 */
public final class ExitCode {
    /** Every check passed or was skipped with a reason. */
    public static final int PASSED = 0;
    /** At least one warning, no failure. */
    public static final int WARNINGS = 1;
    /** At least one failure. */
    public static final int FAILURES = 2;
    /** The checks could not run: bad options, an unreadable thresholds file, a data directory that is not one. */
    public static final int COULD_NOT_RUN = 3;

    private ExitCode() {
    }

    /** The exit code of a worst outcome. */
    public static int of(Status worst) {
        return switch (worst) {
            case PASS, SKIPPED -> PASSED;
            case WARN -> WARNINGS;
            case FAIL -> FAILURES;
        };
    }

    /** What an exit code means, in the words of the report's last line. */
    public static String meaning(int code) {
        return switch (code) {
            case PASSED -> "all passed";
            case WARNINGS -> "warnings";
            case FAILURES -> "failures";
            case COULD_NOT_RUN -> "could not run";
            default -> "unknown exit code " + code;
        };
    }
}
