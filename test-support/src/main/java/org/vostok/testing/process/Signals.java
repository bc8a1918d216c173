package org.vostok.testing.process;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Sends SIGSTOP and SIGCONT to a process by its PID, through the {@code kill} command (the JDK
 * sends only SIGTERM and SIGKILL), and reads its scheduling state from {@code /proc} to know when
 * the signal has taken effect. Never by name.
 */
final class Signals {

    /** How long the {@code kill} command, or a signal's effect, may take. */
    private static final long SIGNAL_MILLIS_MAX = 10_000;

    private Signals() {
    }

    /** Sends {@code signal} ("STOP", "CONT") to {@code pid}; throws if {@code kill} fails. */
    static void send(String signal, long pid) {
        ProcessBuilder builder = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true);
        Process kill;
        try {
            kill = builder.start();
        } catch (IOException e) {
            throw new IllegalStateException("could not run 'kill -" + signal + " " + pid + "' (procps' kill must be "
                    + "on the PATH to pause and resume processes): " + e.getMessage(), e);
        }
        try (InputStream output = kill.getInputStream()) {
            kill.getOutputStream().close();
            if (!kill.waitFor(SIGNAL_MILLIS_MAX, TimeUnit.MILLISECONDS)) {
                kill.destroyForcibly();
                throw new IllegalStateException("'kill -" + signal + " " + pid + "' did not finish within "
                        + SIGNAL_MILLIS_MAX + " ms");
            }
            String said = new String(output.readAllBytes(), StandardCharsets.UTF_8).strip();
            if (kill.exitValue() != 0) {
                throw new IllegalStateException("'kill -" + signal + " " + pid + "' failed with status "
                        + kill.exitValue() + (said.isEmpty() ? "" : ": " + said));
            }
        } catch (IOException e) {
            throw new IllegalStateException("could not read what 'kill -" + signal + " " + pid + "' said", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill.destroyForcibly();
            throw new IllegalStateException("interrupted while sending SIG" + signal + " to " + pid, e);
        }
    }

    /**
     * Waits until {@code pid} is stopped ({@code stopped}) or running again (not), as
     * {@code /proc/<pid>/stat} tells; returns at once where there is no /proc.
     */
    static void awaitStopped(long pid, boolean stopped) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SIGNAL_MILLIS_MAX);
        while (true) {
            Optional<Character> state = state(pid);
            if (state.isEmpty() || (state.get() == 'T') == stopped) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("process " + pid + " is in state '" + state.get() + "' "
                        + SIGNAL_MILLIS_MAX + " ms after SIG" + (stopped ? "STOP" : "CONT"));
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for process " + pid + " to "
                        + (stopped ? "stop" : "run again"), e);
            }
        }
    }

    /**
     * The state letter of {@code /proc/<pid>/stat} (R, S, D, T stopped, Z zombie, ...), empty if
     * there is no such file (no /proc, or the process is gone).
     */
    static Optional<Character> state(long pid) {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
        // "pid (comm) S ...": comm may hold spaces and parentheses, so look after the last ')'.
        int close = stat.lastIndexOf(')');
        if (close < 0 || close + 2 >= stat.length()) {
            throw new IllegalStateException("cannot read the state of process " + pid + " from '" + stat + "'");
        }
        return Optional.of(stat.charAt(close + 2));
    }
}
