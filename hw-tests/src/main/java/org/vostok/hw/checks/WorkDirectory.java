package org.vostok.hw.checks;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The directory a run works in, inside a data directory: {@code vostok-hw-check-<pid>-<n>}.
 * Everything the checks create (pools, logs, fio's files, probe files) goes in it and is removed
 * with it. A run that was killed leaves its directory behind; the next run removes those whose
 * process is gone before it starts.
 *
 * <p>Thread-safety: not for concurrent use; one per data directory and run.
 */
public final class WorkDirectory implements AutoCloseable {
    /** The prefix of every work directory's name. */
    public static final String PREFIX = "vostok-hw-check-";

    private static final Logger LOG = LoggerFactory.getLogger(WorkDirectory.class);
    private static final Pattern NAME = Pattern.compile(Pattern.quote(PREFIX) + "([0-9]+)-[0-9]+");

    private final Path path;
    private boolean removed;

    private WorkDirectory(Path path) {
        this.path = path;
    }

    /** Makes a new work directory in {@code dataDirectory}, after removing those of runs that died. */
    public static WorkDirectory create(Path dataDirectory) throws IOException {
        removeStale(dataDirectory);
        Path path = dataDirectory.resolve(PREFIX + ProcessHandle.current().pid() + "-"
                + ThreadLocalRandom.current().nextInt(1_000_000_000));
        Files.createDirectory(path);
        return new WorkDirectory(path);
    }

    public Path path() {
        return path;
    }

    public Path resolve(String name) {
        return path.resolve(name);
    }

    /** The work directories in {@code dataDirectory} whose process is no longer running; removes them and returns their names. */
    public static List<String> removeStale(Path dataDirectory) {
        List<String> removed = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dataDirectory, PREFIX + "*")) {
            for (Path entry : entries) {
                Matcher m = NAME.matcher(entry.getFileName().toString());
                if (!m.matches() || !Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                long pid = Long.parseLong(m.group(1));
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    continue;
                }
                try {
                    deleteTree(entry);
                    removed.add(entry.getFileName().toString());
                } catch (IOException e) {
                    LOG.warn("could not remove {}, left by an earlier run: {}", entry, e.toString());
                }
            }
        } catch (IOException e) {
            LOG.debug("could not look for earlier runs' directories in {}: {}", dataDirectory, e.toString());
        }
        return removed;
    }

    /**
     * Removes the directory and everything in it.
     *
     * @throws IOException naming what could not be removed
     */
    public void remove() throws IOException {
        if (!removed) {
            deleteTree(path);
            removed = true;
        }
    }

    /** Removes the directory, logging instead of throwing; for paths where a failure is already being reported. */
    @Override
    public void close() {
        try {
            remove();
        } catch (IOException e) {
            LOG.warn("could not remove the work directory {}: {}", path, e.toString());
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
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
}
