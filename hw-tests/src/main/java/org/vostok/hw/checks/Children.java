package org.vostok.hw.checks;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The child processes a run has started and not yet reaped, so that a run stopped by a signal
 * ends them (by their handles, never by name) in its shutdown hook.
 *
 * <p>Thread-safety: safe for concurrent use.
 */
public final class Children {
    private static final Set<ProcessHandle> RUNNING = ConcurrentHashMap.newKeySet();

    private Children() {
    }

    static void track(Process process) {
        RUNNING.add(process.toHandle());
    }

    static void untrack(Process process) {
        RUNNING.remove(process.toHandle());
    }

    /** Kills every child still tracked (SIGKILL); returns how many there were. */
    public static int killAll() {
        int killed = 0;
        for (ProcessHandle handle : RUNNING) {
            if (handle.isAlive()) {
                handle.destroyForcibly();
                killed++;
            }
            RUNNING.remove(handle);
        }
        return killed;
    }

    /** How many children are tracked now (for tests: none once a run is over). */
    public static int tracked() {
        return RUNNING.size();
    }
}
