package org.vostok.hw;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vostok.hw.report.ExitCode;
import org.vostok.hw.report.JsonFormat;
import org.vostok.hw.report.Report;
import org.vostok.hw.report.TableFormat;
import org.vostok.hw.thresholds.Thresholds;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vostok hw-check}: validates this node before it holds replicas. It finds the PMEM and
 * NVMe hardware, checks that it and each data directory are set up the way a crash-consistent
 * store needs, measures persist and fdatasync latency and bandwidth against thresholds, and runs
 * VOS and rdb on each data directory, killing a writer mid-transaction; then removes all it made.
 * It prints a table, or JSON with {@code --json}, and exits 0 (all passed), 1 (warnings),
 * 2 (failures) or 3 (could not run).
 */
@Command(name = "hw-check", mixinStandardHelpOptions = true,
        description = {"Validate this node's PMEM / NVMe hardware and data directories before they hold replicas.",
            "Discovery with ndctl, daxctl, ipmctl and nvme-cli where installed, configuration checks, persist and "
                + "fdatasync measurements (libpmem, fio, the WAL backend) against thresholds, and VOS and rdb runs on "
                + "each data directory (a writer killed with SIGKILL mid-transaction). Everything it creates is removed."},
        exitCodeOnInvalidInput = ExitCode.COULD_NOT_RUN,
        exitCodeOnExecutionException = ExitCode.COULD_NOT_RUN,
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every check passed (or was skipped with a reason)", "1:warnings, no failure",
            "2:at least one failure", "3:could not run (bad options, thresholds file or data directory)"})
public final class HwCheckCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(HwCheckCommand.class);

    @Spec
    private CommandSpec spec;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "A directory that will hold pools (repeat for each). Default: the temporary directory.")
    private List<Path> dataDirectories = new ArrayList<>();

    @Option(names = "--json", description = "Print the report as JSON instead of a table.")
    private boolean json;

    @Option(names = "--thresholds", paramLabel = "FILE",
            description = "A properties file of warn.<limit> / fail.<limit> levels (see hw-tests/README.md).")
    private Optional<Path> thresholdsFile = Optional.empty();

    private final Workload workload;

    /** The command as {@code vostok hw-check} runs it. */
    public HwCheckCommand() {
        this(Workload.standard());
    }

    /** The command with another workload (the tests' is quick). */
    public HwCheckCommand(Workload workload) {
        this.workload = workload;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            Thresholds thresholds = thresholdsFile.map(Thresholds::load).orElseGet(Thresholds::defaults);
            boolean defaulted = dataDirectories.isEmpty();
            List<Path> directories = directories(defaulted
                    ? List.of(Path.of(System.getProperty("java.io.tmpdir"))) : dataDirectories);
            Report report = new HwCheck(Machine.local(thresholds, workload)).run(directories, defaulted);
            out.print(json ? JsonFormat.format(report) : TableFormat.format(report));
            out.flush();
            return report.exitCode();
        } catch (IllegalArgumentException e) {
            err.println("vostok hw-check: " + e.getMessage());
            err.flush();
            return ExitCode.COULD_NOT_RUN;
        } catch (RuntimeException e) {
            LOG.debug("hw-check could not run", e);
            err.println("vostok hw-check: could not run: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            err.flush();
            return ExitCode.COULD_NOT_RUN;
        }
    }

    /** The directories, each existing, a directory and writable, once each. */
    private static List<Path> directories(List<Path> given) {
        Set<Path> seen = new LinkedHashSet<>();
        List<Path> directories = new ArrayList<>();
        for (Path dir : given) {
            Path absolute = dir.toAbsolutePath().normalize();
            if (!Files.exists(absolute)) {
                throw new IllegalArgumentException("--data-dir " + dir + " does not exist: create it, or name the "
                        + "directory where the pools will be");
            }
            if (!Files.isDirectory(absolute)) {
                throw new IllegalArgumentException("--data-dir " + dir + " is not a directory");
            }
            if (!Files.isWritable(absolute)) {
                throw new IllegalArgumentException("--data-dir " + dir + " is not writable by this user: run as the "
                        + "user that will own the pools");
            }
            Path real;
            try {
                real = absolute.toRealPath();
            } catch (IOException e) {
                throw new IllegalArgumentException("--data-dir " + dir + ": " + e.getMessage(), e);
            }
            if (seen.add(real)) {
                directories.add(absolute);
            }
        }
        return directories;
    }
}
