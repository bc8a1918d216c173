package org.vostok.server.bench;

import java.util.Locale;

/** How the leader's process is taken away in a failover run. */
public enum Fault {
    /**
     * {@code kill -9}: the process is gone at once, the kernel closes its sockets, and the
     * others see their connections reset and refused (as when a process crashes).
     */
    KILL9("kill -9", "kill9"),
    /**
     * {@code kill -STOP}: the process stops where it is; its sockets stay open and nothing
     * resets them, as when a whole machine hangs or dies: only the election timeout tells.
     */
    SIGSTOP("SIGSTOP", "sigstop");

    private final String display;
    private final String label;

    Fault(String display, String label) {
        this.display = display;
        this.label = label;
    }

    /** How a person reads it: {@code kill -9}, {@code SIGSTOP}. */
    public String display() {
        return display;
    }

    /** The name in options and RESULT lines: {@code kill9}, {@code sigstop}. */
    public String label() {
        return label;
    }

    public static Fault parse(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        for (Fault f : values()) {
            if (f.label.equals(v)) {
                return f;
            }
        }
        throw new IllegalArgumentException("a fault is kill9 or sigstop, not '" + s + "'");
    }
}
