package org.vostok.server.config;

import java.util.Objects;

/**
 * A setting of the server's configuration file that is missing or wrong: which setting (its
 * path in the file, e.g. {@code logging.level}), the value found, what is wrong with it and how
 * to fix it, and where in the file it is. {@code vostok server} prints {@link #getMessage()} and
 * exits with {@link #EXIT_CODE}.
 */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The exit code of {@code vostok server} for a bad configuration (sysexits' EX_CONFIG). */
    public static final int EXIT_CODE = 78;

    private final String setting;
    private final String value;
    private final String problem;
    private final String fix;

    /**
     * @param where the file and line ("vostok.yml:12"), or "" when not known
     * @param setting the setting's path in the file
     * @param value the value found, as written ("" when the setting is missing)
     * @param problem what is wrong, in a sentence without the setting's name
     * @param fix what to write instead
     */
    public ConfigException(String where, String setting, String value, String problem, String fix) {
        super(format(where, setting, value, problem, fix));
        this.setting = Objects.requireNonNull(setting, "setting");
        this.value = Objects.requireNonNull(value, "value");
        this.problem = Objects.requireNonNull(problem, "problem");
        this.fix = Objects.requireNonNull(fix, "fix");
    }

    private static String format(String where, String setting, String value, String problem, String fix) {
        StringBuilder b = new StringBuilder();
        if (!where.isEmpty()) {
            b.append(where).append(": ");
        }
        b.append(setting);
        if (!value.isEmpty()) {
            b.append(": '").append(value).append("'");
        }
        b.append(' ').append(problem);
        if (!fix.isEmpty()) {
            b.append(". ").append(Character.toUpperCase(fix.charAt(0))).append(fix, 1, fix.length());
        }
        return b.toString();
    }

    /** The setting's path in the file, e.g. {@code tuning.election_timeout}. */
    public String setting() {
        return setting;
    }

    /** The value as written, or "" when the setting is missing. */
    public String value() {
        return value;
    }

    public String problem() {
        return problem;
    }

    public String fix() {
        return fix;
    }
}
