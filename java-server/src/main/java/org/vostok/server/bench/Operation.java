package org.vostok.server.bench;

import java.util.Locale;

/** What the load does: 1 KiB writes of the register service, or its linearizable reads. */
public enum Operation {
    WRITE, READ;

    /** The name in options, RESULT lines and the report: {@code write}, {@code read}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Operation parse(String s) {
        for (Operation o : values()) {
            if (o.label().equals(s.trim().toLowerCase(Locale.ROOT))) {
                return o;
            }
        }
        throw new IllegalArgumentException("an operation is write or read, not '" + s + "'");
    }
}
