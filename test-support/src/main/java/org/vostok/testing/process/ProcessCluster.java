package org.vostok.testing.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Child JVMs by node id, for multi-process tests: start them, kill, pause, resume and restart
 * them by id, and end them all in {@link #close()}, on every path. Each child is a
 * {@link ChildProcess}; their logs go to one directory.
 *
 * <pre>{@code
 * try (ProcessCluster cluster = ProcessCluster.in(tempDir)) {
 *     for (long id : List.of(1L, 2L, 3L)) {
 *         cluster.start(id, JvmSpec.of("node-" + id, ServerMain.class).withArgs(...).withReadyLine("ready"));
 *     }
 *     cluster.kill(1);       // SIGKILL by PID
 *     cluster.restart(1);    // same command, waits until ready
 *     cluster.pause(2);      // SIGSTOP
 *     cluster.resume(2);     // SIGCONT
 * }                          // every child killed by PID, waited for, its files deleted
 * }</pre>
 */
public final class ProcessCluster implements AutoCloseable {

    private final Path directory;
    private final boolean ownsDirectory;
    private final Map<Long, ChildProcess> children = new TreeMap<>();
    private boolean closed;

    private ProcessCluster(Path directory, boolean ownsDirectory) {
        this.directory = directory;
        this.ownsDirectory = ownsDirectory;
    }

    /** Children's logs go to {@code directory} (the test's temporary directory); close deletes them. */
    public static ProcessCluster in(Path directory) {
        if (directory == null || !Files.isDirectory(directory)) {
            throw new IllegalArgumentException("a process cluster needs an existing directory for its logs, got "
                    + directory);
        }
        return new ProcessCluster(directory, false);
    }

    /** Children's logs go to a new temporary directory, which close deletes with all it holds. */
    public static ProcessCluster create() {
        try {
            return new ProcessCluster(Files.createTempDirectory("vostok-processes-"), true);
        } catch (IOException e) {
            throw new UncheckedIOException("could not create a directory for child processes' logs", e);
        }
    }

    /** Where the children's logs are. */
    public Path directory() {
        return directory;
    }

    /** Starts node {@code id} as {@code spec} says and waits until it is ready. */
    public synchronized ChildProcess start(long id, JvmSpec spec) {
        if (closed) {
            throw new IllegalStateException("this process cluster is closed");
        }
        if (children.containsKey(id)) {
            throw new IllegalArgumentException("node " + id + " was started already (" + children.get(id)
                    + "); restart it instead");
        }
        for (ChildProcess other : children.values()) {
            if (other.name().equals(spec.name())) {
                throw new IllegalArgumentException("node " + id + " is named " + spec.name() + " as " + other
                        + " is: their logs would mix");
            }
        }
        ChildProcess child = ChildProcess.start(spec, directory);
        children.put(id, child);
        return child;
    }

    /** The node ids started, in order. */
    public synchronized List<Long> ids() {
        return List.copyOf(children.keySet());
    }

    public synchronized ChildProcess process(long id) {
        ChildProcess child = children.get(id);
        if (child == null) {
            throw new IllegalArgumentException("no node " + id + " among " + children.keySet());
        }
        return child;
    }

    /** SIGKILL by PID; waits for its end and returns its exit status. */
    public int kill(long id) {
        return process(id).kill();
    }

    /** Starts the ended node {@code id} again with the same command and waits until it is ready. */
    public void restart(long id) {
        process(id).restart();
    }

    /** SIGSTOP by PID. */
    public void pause(long id) {
        process(id).pause();
    }

    /** SIGCONT by PID; nothing if it is not paused. */
    public void resume(long id) {
        process(id).resume();
    }

    /** The PID of each node's current run. */
    public synchronized Map<Long, Long> pids() {
        Map<Long, Long> pids = new TreeMap<>();
        children.forEach((id, child) -> pids.put(id, child.pid()));
        return pids;
    }

    /**
     * Closes every child (each killed by PID if it runs, waited for, its files deleted), then
     * deletes the directory if this cluster created it. Throws the first failure after trying
     * them all.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = null;
        for (ChildProcess child : children.values()) {
            try {
                child.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (ownsDirectory && failure == null && !Boolean.getBoolean("vostok.process.keepLogs")) {
            try {
                deleteTree(directory);
            } catch (IOException e) {
                failure = new UncheckedIOException("could not delete " + directory, e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Deletes root and everything under it. */
    static void deleteTree(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    @Override
    public synchronized String toString() {
        return "process cluster " + children.values();
    }
}
