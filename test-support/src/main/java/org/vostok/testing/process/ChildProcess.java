package org.vostok.testing.process;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A child JVM started from a test: its standard output and error go to log files of their own
 * ({@code <name>.<run>.stdout.log} and {@code .stderr.log}, one pair per run), the harness waits
 * for it to say it is ready, and it can be killed, paused, resumed and restarted, always by PID.
 *
 * <pre>{@code
 * JvmSpec spec = JvmSpec.of("node-1", ServerMain.class)
 *         .withSystemProperty("vostok.node.id", "1")
 *         .withReadyLine("listening on port (\\d+)");
 * try (ChildProcess node = ChildProcess.start(spec, tempDir)) {
 *     int port = Integer.parseInt(node.readyMatch().group(1));
 *     node.pause();            // SIGSTOP
 *     node.resume();           // SIGCONT
 *     int status = node.kill(); // SIGKILL: 137
 *     node.restart();          // the same command; waits for the ready line again
 * }
 * }</pre>
 *
 * <p>{@link #close()} kills it (and its descendants) by PID if it still runs, waits for its end,
 * and deletes the files the harness created for it. A child the test never closes is killed by a
 * shutdown hook when the test JVM exits. When a wait fails (the process did not get ready in
 * time, or ended first), the message carries the tail of its logs.
 *
 * <p>Set the system property {@code vostok.process.keepLogs=true} to keep the log files after
 * close, to read them whole.
 *
 * <p>Its methods are meant to be called by one thread at a time (the test's, or a fault
 * injector's); what they report can be read from any.
 */
public final class ChildProcess implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ChildProcess.class.getName());

    /** How long to wait for a process to end after SIGKILL. */
    private static final long KILL_WAIT_MILLIS_MAX = 30_000;
    /** How often a wait looks at the logs again. */
    private static final long POLL_MILLIS = 5;
    /** Lines of each log that a failure message carries. */
    public static final int TAIL_LINES = 40;
    /** At most this many bytes are read from the end of a log for its tail. */
    private static final int TAIL_BYTES_MAX = 16 * 1024;
    /** A line longer than this is cut when it is matched: a stream with no newline cannot grow memory. */
    private static final int LINE_BYTES_MAX = 64 * 1024;

    private final JvmSpec spec;
    private final Path logDirectory;
    private final List<Path> created = new ArrayList<>();
    // Volatile: a fault injector's thread kills and pauses while the test's thread looks on.
    private volatile Process process;
    private volatile int run;
    private volatile Path stdout;
    private volatile Path stderr;
    private volatile MatchResult readyMatch;
    private volatile String readyText = "";
    private volatile boolean paused;
    private volatile boolean closed;

    private ChildProcess(JvmSpec spec, Path logDirectory) {
        this.spec = spec;
        this.logDirectory = logDirectory;
    }

    /**
     * Starts {@code spec}'s JVM with its logs in {@code logDirectory} and waits until it is ready.
     * If it does not get ready in time, or ends first, it is killed, its files deleted, and the
     * exception says why with the tail of its logs.
     */
    public static ChildProcess start(JvmSpec spec, Path logDirectory) {
        if (spec == null || logDirectory == null || !Files.isDirectory(logDirectory)) {
            throw new IllegalArgumentException("a child process needs a spec and an existing directory for its logs, got "
                    + spec + " and " + logDirectory);
        }
        ChildProcess child = new ChildProcess(spec, logDirectory);
        try {
            child.launch();
        } catch (RuntimeException e) {
            try {
                child.close();
            } catch (RuntimeException again) {
                e.addSuppressed(again);
            }
            throw e;
        }
        return child;
    }

    public String name() {
        return spec.name();
    }

    public JvmSpec spec() {
        return spec;
    }

    /** The PID of the current run. */
    public long pid() {
        return process.pid();
    }

    /**
     * The current run's process, for checks by PID that outlive it: a handle knows its start
     * time, so a PID the system has given to another process since is not taken for it.
     */
    public ProcessHandle handle() {
        return process.toHandle();
    }

    /** Which run this is: 1 for the first start, then one more per {@link #restart()}. */
    public int run() {
        return run;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Whether it was paused by {@link #pause()} and not resumed, killed or restarted since. */
    public boolean isPaused() {
        return paused && process.isAlive();
    }

    /** Its exit status once it has ended: 137 after SIGKILL (128 + 9). */
    public OptionalInt exitStatus() {
        return process.isAlive() ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
    }

    /**
     * The match of the ready line of the current run (with {@link Readiness.Line}), e.g. the
     * port a server printed; throws otherwise.
     */
    public MatchResult readyMatch() {
        if (readyMatch == null) {
            throw new IllegalStateException(name() + " is made ready by " + spec.readiness() + ", which has no match");
        }
        return readyMatch;
    }

    /** What said the current run is ready: the ready line, the ready file's text, or "". */
    public String readyText() {
        return readyText;
    }

    /** The current run's standard output log. */
    public Path stdout() {
        return stdout;
    }

    /** The current run's standard error log. */
    public Path stderr() {
        return stderr;
    }

    /**
     * Waits until a line of the current run's standard output contains a match of {@code pattern}
     * (the first such line since the run started); throws with the tail of the logs if the
     * process ends first or {@code timeout} passes.
     */
    public MatchResult awaitLine(Pattern pattern, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Process watched = process;
        Path log = stdout;
        LineReader lines = new LineReader(log);
        while (true) {
            // Ended before the read: everything it wrote is in the file by now.
            boolean ended = !watched.isAlive();
            for (String line : lines.readNew(ended)) {
                Matcher matcher = pattern.matcher(line);
                if (matcher.find()) {
                    return matcher.toMatchResult();
                }
            }
            if (ended) {
                throw failure("ended with status " + watched.exitValue() + " before printing a line matching '"
                        + pattern + "'");
            }
            if (System.nanoTime() - deadline > 0) {
                throw failure("printed no line matching '" + pattern + "' within " + timeout);
            }
            sleep();
        }
    }

    /**
     * Kills it with SIGKILL, by PID (its descendants too), and waits until it has ended. Returns
     * its exit status: 137 when the signal killed it, or the status it had ended with before.
     */
    public int kill() {
        requireOpen("kill");
        if (process.isAlive()) {
            LiveChildren.killTree(process);
        }
        paused = false;
        return awaitEnd(Duration.ofMillis(KILL_WAIT_MILLIS_MAX), "after SIGKILL");
    }

    /** Waits until it ends by itself; returns its exit status. Throws with the logs' tail on timeout. */
    public int awaitExit(Duration timeout) {
        return awaitEnd(timeout, "");
    }

    /**
     * Pauses it with SIGSTOP, by PID, and returns once the kernel reports it stopped: it keeps
     * its sockets (the kernel still completes connections to its listening ports and buffers what
     * arrives) and runs nothing.
     */
    public void pause() {
        requireOpen("pause");
        if (!process.isAlive()) {
            throw failure("cannot be paused: it has ended with status " + process.exitValue());
        }
        if (paused) {
            return;
        }
        Signals.send("STOP", process.pid());
        Signals.awaitStopped(process.pid(), true);
        paused = true;
        LOG.log(System.Logger.Level.DEBUG, () -> name() + " (pid " + process.pid() + ") paused");
    }

    /** Resumes it with SIGCONT, by PID, once the kernel reports it running; does nothing unless it is paused. */
    public void resume() {
        requireOpen("resume");
        if (!paused || !process.isAlive()) {
            paused = false;
            return;
        }
        Signals.send("CONT", process.pid());
        Signals.awaitStopped(process.pid(), false);
        paused = false;
        LOG.log(System.Logger.Level.DEBUG, () -> name() + " (pid " + process.pid() + ") resumed");
    }

    /**
     * Starts it again with the same command (a new run, with new log files) and waits until it is
     * ready. It must have ended: {@link #kill()} it first. If the new run does not get ready, it
     * is killed and the exception says why.
     */
    public void restart() {
        requireOpen("restart");
        if (process.isAlive()) {
            throw new IllegalStateException(name() + " (pid " + process.pid() + ") is still running: kill it before "
                    + "restarting it");
        }
        launch();
    }

    /** The last {@link #TAIL_LINES} lines of the current run's stdout and stderr, for failure messages. */
    public String logTail() {
        if (stdout == null) {
            return "(never started)";
        }
        return "last lines of " + stdout + ":\n" + tail(stdout) + "\nlast lines of " + stderr + ":\n" + tail(stderr);
    }

    /**
     * Kills it and its descendants by PID if it still runs, waits for its end, and deletes every
     * file the harness created for it, its temporary directory ({@code java.io.tmpdir}) with all it
     * holds included (unless {@code vostok.process.keepLogs} is true).
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        RuntimeException failure = null;
        if (process != null) {
            try {
                if (process.isAlive()) {
                    LiveChildren.killTree(process);
                }
                awaitEnd(Duration.ofMillis(KILL_WAIT_MILLIS_MAX), "after SIGKILL");
            } catch (RuntimeException e) {
                failure = e;
            }
            closeQuietly(process);
        }
        closed = true;
        paused = false;
        if (process == null || !process.isAlive()) {
            if (process != null) {
                LiveChildren.remove(process);
            }
            deleteCreated();
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public String toString() {
        return name() + (process == null ? " (not started)" : " (pid " + process.pid() + ", run " + run + ", "
                + (process.isAlive() ? (paused ? "paused" : "running") : "ended with " + process.exitValue()) + ")");
    }

    // ---- starting ----

    private void launch() {
        run++;
        stdout = logDirectory.resolve(spec.name() + "." + run + ".stdout.log");
        stderr = logDirectory.resolve(spec.name() + "." + run + ".stderr.log");
        created.add(stdout);
        created.add(stderr);
        readyMatch = null;
        readyText = "";
        paused = false;
        if (spec.readiness() instanceof Readiness.File file) {
            deleteIfExists(file.path());
            if (!created.contains(file.path())) {
                created.add(file.path());
            }
        }
        // The child's temporary files (the VOS bindings extract their native library there) go to a
        // directory of its own that close() deletes: a child killed with SIGKILL runs no hook to
        // remove them, and /tmp would keep one directory for each.
        Path tmp = logDirectory.resolve(name() + ".tmp");
        try {
            Files.createDirectories(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException("could not create the temporary directory " + tmp + " of " + name(), e);
        }
        List<String> command = new ArrayList<>(spec.command());
        if (!spec.systemProperties().containsKey("java.io.tmpdir")) {
            command.add(1, "-Djava.io.tmpdir=" + tmp);
        }
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(spec.workingDirectory().orElse(logDirectory).toFile())
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile());
        // Standard input stays a pipe that the harness holds open and never writes: its end tells
        // a child using ParentWatch that the test JVM is gone.
        builder.environment().putAll(spec.environment());
        if (process != null) {
            LiveChildren.remove(process);
            closeQuietly(process);
        }
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + name() + ": " + String.join(" ", spec.command()), e);
        }
        LiveChildren.add(process);
        LOG.log(System.Logger.Level.DEBUG, () -> "started " + name() + " (pid " + process.pid() + ", run " + run + ")");
        try {
            awaitReady();
        } catch (RuntimeException e) {
            if (process.isAlive()) {
                LiveChildren.killTree(process);
            }
            throw e;
        }
    }

    private void awaitReady() {
        Readiness readiness = spec.readiness();
        if (readiness instanceof Readiness.Line line) {
            readyMatch = awaitLine(line.pattern(), spec.readyTimeout());
            readyText = readyMatch.group();
        } else if (readiness instanceof Readiness.File file) {
            readyText = awaitFile(file.path(), spec.readyTimeout());
        }
    }

    private String awaitFile(Path file, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            boolean ended = !process.isAlive();
            if (Files.exists(file)) {
                try {
                    String text = Files.readString(file, StandardCharsets.UTF_8);
                    if (text.endsWith("\n")) {
                        return text.strip();
                    }
                } catch (IOException e) {
                    // Being replaced as we read it: look again.
                }
            }
            if (ended) {
                throw failure("ended with status " + process.exitValue() + " before writing " + file);
            }
            if (System.nanoTime() - deadline > 0) {
                throw failure("did not write " + file + " (ending with a newline) within " + timeout);
            }
            sleep();
        }
    }

    private int awaitEnd(Duration timeout, String when) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw failure("did not end within " + timeout + (when.isEmpty() ? "" : " " + when));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + this + " to end", e);
        }
        return process.exitValue();
    }

    private IllegalStateException failure(String what) {
        String message = "child process " + name() + " (pid " + process.pid() + ", run " + run + ") " + what
                + "\n" + logTail()
                + "\n(set -Dvostok.process.keepLogs=true to keep its logs after the test)";
        LOG.log(System.Logger.Level.WARNING, message);
        return new IllegalStateException(message);
    }

    private void requireOpen(String what) {
        if (closed) {
            throw new IllegalStateException("cannot " + what + " " + name() + ": it is closed");
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a child process", e);
        }
    }

    // ---- files ----

    private void deleteCreated() {
        if (Boolean.getBoolean("vostok.process.keepLogs")) {
            LOG.log(System.Logger.Level.INFO, () -> "keeping the logs of " + name() + " in " + logDirectory);
            return;
        }
        for (Path file : created) {
            deleteIfExists(file);
        }
        created.clear();
        deleteTree(logDirectory.resolve(name() + ".tmp"));
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            ProcessCluster.deleteTree(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + dir, e);
        }
    }

    private static void deleteIfExists(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + file, e);
        }
    }

    private static void closeQuietly(Process process) {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // The child is gone; its end of the pipe with it.
        }
    }

    /** The last {@link #TAIL_LINES} lines of {@code file}, read from at most its last {@link #TAIL_BYTES_MAX} bytes. */
    static String tail(Path file) {
        try (SeekableByteChannel channel = Files.newByteChannel(file)) {
            long size = channel.size();
            int length = (int) Math.min(size, TAIL_BYTES_MAX);
            ByteBuffer buffer = ByteBuffer.allocate(length);
            channel.position(size - length);
            while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
                // Reads until the buffer is full.
            }
            String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
            List<String> lines = text.lines().toList();
            if (length < size && !lines.isEmpty()) {
                lines = lines.subList(1, lines.size()); // The first may be cut in the middle.
            }
            List<String> last = lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size());
            return last.isEmpty() ? "  (empty)" : "  " + String.join("\n  ", last);
        } catch (IOException e) {
            return "  (cannot read it: " + e + ")";
        }
    }

    /** Reads a growing log line by line, from where it stopped the last time. */
    private static final class LineReader {
        private final Path file;
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
        private long position;

        LineReader(Path file) {
            this.file = file;
        }

        /** The lines completed since the last call; with {@code atEnd}, an unfinished last line too. */
        List<String> readNew(boolean atEnd) {
            List<String> lines = new ArrayList<>();
            try (SeekableByteChannel channel = Files.newByteChannel(file)) {
                channel.position(position);
                ByteBuffer buffer = ByteBuffer.allocate(8192);
                int n;
                while ((n = channel.read(buffer)) > 0) {
                    position += n;
                    for (int i = 0; i < n; i++) {
                        byte b = buffer.get(i);
                        if (b == '\n') {
                            lines.add(partial.toString(StandardCharsets.UTF_8));
                            partial.reset();
                        } else if (partial.size() < LINE_BYTES_MAX) {
                            partial.write(b);
                        }
                    }
                    buffer.clear();
                }
            } catch (IOException e) {
                throw new UncheckedIOException("could not read " + file, e);
            }
            if (atEnd && partial.size() > 0) {
                lines.add(partial.toString(StandardCharsets.UTF_8));
                partial.reset();
            }
            return lines;
        }
    }
}
