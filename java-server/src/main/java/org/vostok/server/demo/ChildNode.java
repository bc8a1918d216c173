package org.vostok.server.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.vostok.client.net.HostPort;

/**
 * A node running as a child process of this JVM (the same Java and class path, {@code vostok
 * _node}), for the demo and the benchmark: started, waited for, killed with SIGKILL, paused
 * with SIGSTOP and resumed with SIGCONT, stopped with SIGTERM and restarted, always by its PID.
 * Its output goes to a log file beside its data, and its temporary files (the VOS library's
 * extraction among them) to a directory beside its data too, so that a node killed with SIGKILL
 * leaves nothing outside the directory its owner removes.
 */
public final class ChildNode implements AutoCloseable {

    /** How long {@code kill -STOP} or {@code kill -CONT} may take before it counts as failed. */
    private static final long SIGNAL_MILLIS_MAX = 10_000;

    private final long nodeId;
    private final List<String> command;
    private final Path log;
    private final Path tmp;
    private Process process;

    public ChildNode(long nodeId, HostPort listen, Path data, String cluster, List<String> peers, List<Long> mgmt,
                     List<String> jvmOptions) {
        this(nodeId, listen, data, cluster, peers, mgmt, jvmOptions, List.of());
    }

    /**
     * A node with {@code nodeOptions} added to its {@code vostok _node} command line (say
     * {@code --pool-mib=512}).
     */
    public ChildNode(long nodeId, HostPort listen, Path data, String cluster, List<String> peers, List<Long> mgmt,
                     List<String> jvmOptions, List<String> nodeOptions) {
        this.nodeId = nodeId;
        this.log = data.resolveSibling("node-" + nodeId + ".log");
        this.tmp = data.resolveSibling("node-" + nodeId + ".tmp");
        List<String> c = new ArrayList<>();
        c.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        c.add("--enable-native-access=ALL-UNNAMED");
        // A JVM killed with SIGKILL leaves its performance-data file in /tmp/hsperfdata_<user>.
        c.add("-XX:-UsePerfData");
        c.add("-Djava.io.tmpdir=" + tmp);
        c.addAll(jvmOptions);
        c.add("-cp");
        c.add(System.getProperty("java.class.path"));
        c.add("org.vostok.server.Main");
        c.add("_node");
        c.add("--node=" + nodeId);
        c.add("--cluster=" + cluster);
        c.add("--listen=" + listen);
        c.add("--data=" + data);
        for (String p : peers) {
            c.add("--peer=" + p);
        }
        c.add("--mgmt=" + String.join(",", mgmt.stream().map(String::valueOf).toList()));
        c.addAll(nodeOptions);
        this.command = List.copyOf(c);
    }

    public long nodeId() {
        return nodeId;
    }

    private CompletableFuture<Void> ready;

    /** Starts the process and waits until it listens ({@code READY}), at most {@code timeoutMillis}. */
    public void start(long timeoutMillis) throws IOException, InterruptedException, TimeoutException {
        launch();
        awaitReady(timeoutMillis);
    }

    /** Starts the process; {@link #awaitReady} waits for it to listen (start several, then wait for all). */
    public synchronized void launch() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("node " + nodeId + " runs already");
        }
        Files.createDirectories(log.getParent());
        Files.createDirectories(tmp);
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        process = pb.start();
        Process p = process;
        CompletableFuture<Void> ready = new CompletableFuture<>();
        this.ready = ready;
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    Files.writeString(log, line + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                            java.nio.file.StandardOpenOption.APPEND);
                    if (line.startsWith("READY")) {
                        ready.complete(null);
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
            ready.completeExceptionally(new IOException("node " + nodeId + " exited before it was ready; see " + log));
        }, "node-" + nodeId + "-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Waits until the launched process listens, at most {@code timeoutMillis}; kills it when it does not. */
    public void awaitReady(long timeoutMillis) throws IOException, InterruptedException, TimeoutException {
        CompletableFuture<Void> r;
        synchronized (this) {
            r = ready;
        }
        try {
            r.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException(e.getCause().getMessage() + "\n" + tail(), e.getCause());
        } catch (TimeoutException e) {
            killNow();
            throw new TimeoutException("node " + nodeId + " was not ready within " + timeoutMillis + " ms; its log:\n"
                    + tail());
        }
    }

    public synchronized long pid() {
        return process == null ? -1 : process.pid();
    }

    public synchronized boolean alive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL, and waits until the process is gone. */
    public synchronized void killNow() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /**
     * SIGSTOP: the process stops where it is, its sockets stay open and nothing resets them, as
     * when a machine hangs. {@link #resume} lets it go on.
     */
    public synchronized void pause() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** SIGCONT after {@link #pause}. */
    public synchronized void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    /** Sends a signal by the process's PID through {@code kill(1)}, never by name. */
    private void signal(String name) throws IOException, InterruptedException {
        if (process == null || !process.isAlive()) {
            throw new IllegalStateException("node " + nodeId + " does not run: cannot send SIG" + name);
        }
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
                .redirectErrorStream(true).start();
        if (!kill.waitFor(SIGNAL_MILLIS_MAX, TimeUnit.MILLISECONDS)) {
            kill.destroyForcibly();
            throw new IOException("kill -" + name + " " + process.pid() + " did not finish in " + SIGNAL_MILLIS_MAX
                    + " ms");
        }
        if (kill.exitValue() != 0) {
            String said = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            throw new IOException("kill -" + name + " " + process.pid() + " failed with exit code "
                    + kill.exitValue() + ": " + said);
        }
    }

    /** The file the node's output goes to. */
    public Path log() {
        return log;
    }

    /** Sends SIGTERM (a clean stop: leaderships handed over) without waiting. */
    public synchronized void terminate() {
        if (process != null && process.isAlive()) {
            process.destroy();
        }
    }

    /** SIGTERM (a clean stop: leaderships handed over), then SIGKILL after {@code graceMillis}. */
    public synchronized void stop(long graceMillis) throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(graceMillis, TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    /** The last lines of the node's log. */
    public String tail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        try {
            killNow();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (process != null) {
                process.destroyForcibly();
            }
        }
    }
}
