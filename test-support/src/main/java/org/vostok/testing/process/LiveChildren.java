package org.vostok.testing.process;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every child process started and not yet closed, in this JVM, and the shutdown hook that kills
 * them by PID as a last resort when the JVM exits without closing them (a test run interrupted,
 * a {@code System.exit}). A JVM killed by SIGKILL runs no hook: children that call
 * {@link ParentWatch#exitWhenParentDies()} end by themselves then.
 */
final class LiveChildren {

    private static final System.Logger LOG = System.getLogger(ChildProcess.class.getName());
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Thread hook = new Thread(LiveChildren::killAll, "child-process-reaper");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    private LiveChildren() {
    }

    static void add(Process process) {
        LIVE.add(process);
    }

    static void remove(Process process) {
        LIVE.remove(process);
    }

    /** Kills {@code process} and its descendants by PID (SIGKILL); does not wait. */
    static void killTree(Process process) {
        // Descendants first, while they are still known as such: once their parent is gone they
        // are handed to init and can no longer be found from it.
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
    }

    private static void killAll() {
        for (Process process : List.copyOf(LIVE)) {
            if (process.isAlive()) {
                LOG.log(System.Logger.Level.WARNING, "the JVM is exiting with child process " + process.pid()
                        + " still running: killing it");
                killTree(process);
            }
        }
    }
}
