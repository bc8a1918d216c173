package org.vostok.server;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.vostok.server.bench.BenchSettings;
import org.vostok.server.bench.Benchmark;
import org.vostok.server.bench.Fault;
import org.vostok.server.bench.Operation;
import org.vostok.server.bench.Progress;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vostok bench}: the system's end-to-end benchmark on this machine. Three node processes
 * on loopback with durable WAL pools and the register service on them; this process is the
 * client. Throughput and latency of 1 KiB writes and of linearizable reads at each level of
 * operations in flight, then the failover time (the leader's process killed with SIGKILL, and
 * stopped with SIGSTOP: the fault until the client's first successful write), or, with
 * {@code --duration}, a long run under load without faults that reports every leader change.
 * The details are in {@code org.vostok.server.bench} and the module's README.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Benchmark a three-node system on this machine: three node processes on loopback with durable WAL pools,"
                    + " the register service on them, and this process as the client.",
            "Measures 1 KiB writes and linearizable reads at each level of operations in flight (ops/s, p50, p99,"
                    + " p99.9), then the failover time: the leader's process killed with kill -9, and paused with"
                    + " SIGSTOP, until the client's first successful write (the node restarted or resumed and caught"
                    + " up between runs). With --duration: a long run under load without faults instead, reporting"
                    + " every leader change (there must be none).",
            "Prints progress, a table and RESULT lines (the format of the peers' benchmark), and writes report.html"
                    + " (self-contained, with charts), results.txt and summary.txt to the output directory. Every"
                    + " process it starts is ended and its data removed on every path, Ctrl-C included.",
            ""},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the run finished and the system behaved: no leader change without a fault, no failed operation",
            "1:the run could not finish (a node did not start, the service stopped answering); the message says why",
            "2:a wrong option (the message names it)",
            "3:the run finished, but the leader changed without a fault, two leaders shared a term, or operations"
                    + " failed with no fault made (see the table and the report)",
            "130:interrupted by Ctrl-C (143: by SIGTERM); the nodes were ended and their data removed"})
final class BenchCommand implements Callable<Integer> {

    static final int EXIT_UNHEALTHY = 3;

    @Spec
    private CommandSpec spec;

    @Option(names = "--levels", split = ",", splitSynopsisLabel = ",", paramLabel = "N", defaultValue = "1,16,64,256",
            description = "Operations in flight, one level each (default: ${DEFAULT-VALUE}).")
    private List<Integer> levels = new ArrayList<>();

    @Option(names = "--seconds", paramLabel = "S", description = "Seconds per level (default: ${DEFAULT-VALUE}).")
    private double seconds = 8;

    @Option(names = "--warmup-seconds", paramLabel = "S",
            description = "Writes at 16 in flight before the first level, not counted, at least this long (default:"
                    + " ${DEFAULT-VALUE}; 0: no warm-up). They go on until the JIT compilers of the four processes"
                    + " are quiet, up to --warmup-seconds-max.")
    private double warmupSeconds = 5;

    @Option(names = "--warmup-seconds-max", paramLabel = "S",
            description = "The warm-up's longest (default: ${DEFAULT-VALUE}).")
    private double warmupSecondsMax = 120;

    @Option(names = "--ops", split = ",", splitSynopsisLabel = ",", paramLabel = "OP", defaultValue = "write,read",
            description = "What the levels measure: write, read (default: ${DEFAULT-VALUE}).")
    private List<String> ops = new ArrayList<>();

    @Option(names = "--read-index",
            description = "Confirm each read with a heartbeat round to a majority (ReadIndex) instead of the leader's"
                    + " lease, which the nodes use by default.")
    private boolean readIndex;

    @Option(names = "--failover-runs", paramLabel = "N",
            description = "Failover runs of each fault (default: ${DEFAULT-VALUE}; 0: none).")
    private int failoverRuns = 10;

    @Option(names = "--faults", split = ",", splitSynopsisLabel = ",", paramLabel = "FAULT",
            defaultValue = "kill9,sigstop",
            description = "The faults of the failover runs: kill9, sigstop (default: ${DEFAULT-VALUE}).")
    private List<String> faults = new ArrayList<>();

    @Option(names = "--duration", paramLabel = "D",
            description = "The long-run mode: only writes under load for D (10m, 1h, 90s), no fault; every leader"
                    + " change is reported.")
    private Optional<String> duration = Optional.empty();

    @Option(names = "--duration-conc", paramLabel = "N",
            description = "Writes in flight during the long run (default: ${DEFAULT-VALUE}).")
    private int durationConcurrency = 64;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Where report.html, results.txt and summary.txt go (default: ./vostok-bench-<date>-<time>).")
    private Optional<Path> out = Optional.empty();

    @Option(names = "--dir", paramLabel = "DIR",
            description = "Where the nodes keep their data: a new or empty directory on the disk to measure (default:"
                    + " a new temporary directory). Removed at the end unless --keep.")
    private Optional<Path> dir = Optional.empty();

    @Option(names = "--keep", description = "Keep the nodes' data and logs at the end.")
    private boolean keep;

    @Option(names = "--keys", paramLabel = "N", description = "Keys the writes spread over (default: ${DEFAULT-VALUE}).")
    private int keys = 100_000;

    @Option(names = "--value-bytes", paramLabel = "N", description = "Each write's value (default: ${DEFAULT-VALUE}).")
    private int valueBytes = 1024;

    @Option(names = "--pool-mib", paramLabel = "N",
            description = "Each replica's pool, in MiB (default: ${DEFAULT-VALUE}).")
    private long poolMib = 512;

    @Option(names = "--node-jvm-options", paramLabel = "OPTIONS",
            description = "The node processes' JVM options, in one argument (default: ${DEFAULT-VALUE}).")
    // No -Xms: with the heap fixed at 1 GiB, a node's young pauses after the warm-up took 18-25 ms
    // (G1 collected up to 600 MiB of eden at a time); grown as needed, the heaps stayed at 56-220
    // MiB and the pauses at 2-7 ms, and the runs were faster (the README has the pairs).
    private String nodeJvmOptions = "-Xmx1g";

    @Option(names = "--progress", paramLabel = "STYLE",
            description = "auto (a bar on a terminal, plain lines otherwise), bar, lines or none (default:"
                    + " ${DEFAULT-VALUE}).")
    private String progress = "auto";

    @Override
    public Integer call() throws Exception {
        BenchSettings settings;
        Progress.Style style;
        try {
            settings = new BenchSettings(levels, seconds, warmupSeconds, warmupSecondsMax,
                    ops.stream().map(Operation::parse).distinct().toList(), failoverRuns,
                    faults.stream().map(Fault::parse).distinct().toList(), duration.map(BenchSettings::parseDuration),
                    durationConcurrency, keys, valueBytes, poolMib,
                    Arrays.stream(nodeJvmOptions.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList(), !readIndex);
            style = Arrays.stream(Progress.Style.values()).filter(s -> s.name().equalsIgnoreCase(progress)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("--progress is auto, bar, lines or none, not '"
                            + progress + "'"));
            dir.ifPresent(Benchmark::checkDataDirectory);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        Path output = out.orElseGet(() -> Path.of("vostok-bench-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))));
        Benchmark.Outcome outcome = Benchmark.run(settings, dir, keep, output, style, spec.commandLine().getOut());
        return outcome.report().healthy() ? 0 : EXIT_UNHEALTHY;
    }
}
