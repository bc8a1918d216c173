package org.vostok.server.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.vostok.server.demo.LocalCluster;

/**
 * {@code vostok bench} without its command line: makes the data directory, starts the three
 * node processes, runs the {@link BenchRun}, prints the table and the RESULT lines, writes the
 * report files, and on every path, Ctrl-C included (a shutdown hook), ends each process it
 * started by its PID and removes the data directory (unless asked to keep it).
 */
public final class Benchmark {

    /** The file names in the output directory. */
    /** The register service the benchmark creates (the built-in services use the low ids). */
    public static final long SERVICE_ID = 100;
    public static final String CLUSTER = "bench";
    public static final String REPORT_FILE = "report.html";
    public static final String RESULTS_FILE = "results.txt";
    public static final String SUMMARY_FILE = "summary.txt";

    /** What a finished run leaves: the report, and where its files are. */
    public record Outcome(BenchReport report, Path reportFile, Path resultsFile) {
    }

    private Benchmark() {
    }

    /**
     * Runs the benchmark.
     *
     * @param dataDirectory where the nodes keep their data: a directory that does not exist or
     *     is empty (default: a new temporary directory)
     * @param keep keep the data directory and the nodes' logs at the end
     * @param outputDirectory where the report, the RESULT lines and the table go (made if needed)
     */
    public static Outcome run(BenchSettings settings, Optional<Path> dataDirectory, boolean keep, Path outputDirectory,
                              Progress.Style style, PrintWriter out) throws IOException, InterruptedException,
            TimeoutException, ExecutionException {
        long start = System.nanoTime();
        String loadBefore = Environment.loadAverage();
        Path dir = prepare(dataDirectory);
        LocalCluster cluster = new LocalCluster(CLUSTER);
        AtomicBoolean cleaned = new AtomicBoolean();
        AtomicBoolean signalled = new AtomicBoolean();
        Runnable cleanup = () -> {
            if (cleaned.compareAndSet(false, true)) {
                cluster.close();
                if (!keep) {
                    delete(dir);
                }
            }
        };
        Thread hook = new Thread(() -> {
            signalled.set(true);
            cleanup.run();
        }, "vostok-bench-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try (Progress progress = new Progress(out, style, start)) {
            String fs = Environment.fileSystemOf(dir);
            progress.say("starting three node processes on loopback; their data in %s (%s)%s", dir, fs,
                    fs.equals("tmpfs") ? ": A TMPFS, where fdatasync costs nothing, so the figures are not a disk's"
                            : "");
            cluster.launch(dir, settings.nodeJvmOptions(), settings.poolMib(), settings.leaseReads());
            progress.say("nodes 1, 2, 3 listen on %s, %s, %s and run as processes %d, %d, %d", cluster.address(1),
                    cluster.address(2), cluster.address(3), cluster.pid(1), cluster.pid(2), cluster.pid(3));
            BenchReport report = new BenchRun(settings, cluster, dir, progress, start, loadBefore).run();
            List<String> results = report.resultLines();
            String table = report.table();
            progress.print(table + "\n" + results.stream().collect(Collectors.joining("\n")) + "\n\n");
            Files.createDirectories(outputDirectory);
            Path html = outputDirectory.resolve(REPORT_FILE);
            Path txt = outputDirectory.resolve(RESULTS_FILE);
            Files.write(txt, results, StandardCharsets.UTF_8);
            Files.writeString(outputDirectory.resolve(SUMMARY_FILE), table, StandardCharsets.UTF_8);
            HtmlReport.write(report, html);
            progress.say("report: %s (RESULT lines in %s)", html.toAbsolutePath(), txt.getFileName());
            return new Outcome(report, html, txt);
        } catch (IOException | InterruptedException | TimeoutException | ExecutionException | RuntimeException e) {
            if (signalled.get()) {
                // What failed is only the nodes and the client going away under the run.
                throw new InterruptedException("stopped by a signal (Ctrl-C or kill)");
            }
            throw e;
        } finally {
            cleanup.run();
            out.printf("vostok bench: ended every node process (%s)%s%n",
                    cluster.pidsStarted().stream().map(String::valueOf).collect(Collectors.joining(", ")),
                    keep ? "; their data and logs are in " + dir : " and removed " + dir);
            out.flush();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook runs, and finds the work done
            }
        }
    }

    /** The data directory: a new temporary one, or the one given when it is new or empty. */
    private static Path prepare(Optional<Path> given) throws IOException {
        if (given.isEmpty()) {
            return Files.createTempDirectory("vostok-bench-");
        }
        checkDataDirectory(given.get());
        return Files.createDirectories(given.get());
    }

    /**
     * Refuses a data directory that holds anything ({@link IllegalArgumentException} saying what
     * to do): the benchmark removes the directory at the end.
     */
    public static void checkDataDirectory(Path dir) {
        if (Files.exists(dir)) {
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException("--dir " + dir + " is a file: name a new or empty directory");
            }
            try (Stream<Path> s = Files.list(dir)) {
                if (s.findAny().isPresent()) {
                    throw new IllegalArgumentException("--dir " + dir + " is not empty, and the benchmark removes"
                            + " the directory at the end: name a new or empty directory");
                }
            } catch (IOException e) {
                throw new IllegalArgumentException("--dir " + dir + " cannot be read (" + e.getMessage() + ")");
            }
        }
    }

    static void delete(Path dir) {
        try {
            LocalCluster.removeTree(dir);
        } catch (IOException e) {
            System.err.println("vostok bench: could not remove " + dir + ": " + e.getMessage());
        }
    }
}
