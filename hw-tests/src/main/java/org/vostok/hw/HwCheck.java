package org.vostok.hw;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vostok.hw.checks.Children;
import org.vostok.hw.checks.CrashSmoke;
import org.vostok.hw.checks.DirectoryChecks;
import org.vostok.hw.checks.FioMeasurement;
import org.vostok.hw.checks.NodeChecks;
import org.vostok.hw.checks.PmemMeasurement;
import org.vostok.hw.checks.RdbCommitLoop;
import org.vostok.hw.checks.WalMeasurement;
import org.vostok.hw.checks.WorkDirectory;
import org.vostok.hw.probe.PersistProbe;
import org.vostok.hw.probe.ProbeException;
import org.vostok.hw.report.Check;
import org.vostok.hw.report.Report;
import org.vostok.hw.report.Status;
import org.vostok.vos.PoolBackend;
import org.vostok.vos.VosProvider;
import org.vostok.vos.VosUnavailableException;

/**
 * One run of the hardware checks: the node's, then each data directory's (configuration,
 * measurements, VOS and rdb on the media), each directory's work removed before the next. A
 * run stopped by SIGINT or SIGTERM kills its children and removes its work directories in a
 * shutdown hook; one killed outright leaves a work directory that the next run removes.
 *
 * <p>Thread-safety: one run at a time per instance.
 */
public final class HwCheck {
    private static final Logger LOG = LoggerFactory.getLogger(HwCheck.class);

    private final Machine machine;
    private final Set<WorkDirectory> live = ConcurrentHashMap.newKeySet();

    public HwCheck(Machine machine) {
        this.machine = machine;
    }

    /**
     * Runs every check.
     *
     * @param directories      existing, writable directories that will hold pools
     * @param defaultDirectory whether they are the default because none was given
     */
    public Report run(List<Path> directories, boolean defaultDirectory) {
        Instant started = Instant.now();
        Thread hook = new Thread(this::abandon, "hw-check-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        List<Check> checks = new ArrayList<>();
        Optional<PersistProbe> probe = Optional.empty();
        String probeUnavailable = "";
        try {
            NodeChecks node = new NodeChecks(machine);
            checks.addAll(node.run());
            try {
                probe = Optional.of(PersistProbe.load());
            } catch (ProbeException e) {
                probeUnavailable = e.getMessage();
            }
            Optional<VosProvider> vos = Optional.empty();
            String vosUnavailable = "";
            try {
                vos = Optional.of(VosProvider.load());
            } catch (VosUnavailableException e) {
                vosUnavailable = e.getMessage();
            }
            for (Path directory : directories) {
                checks.addAll(directory(node, probe, probeUnavailable, vos, vosUnavailable, directory));
            }
        } finally {
            probe.ifPresent(PersistProbe::close);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // The JVM is shutting down already: the hook runs.
            }
        }
        return new Report(started, hostName(), directories.stream().map(Path::toString).toList(), defaultDirectory,
                machine.thresholds().source(), checks);
    }

    private List<Check> directory(NodeChecks node, Optional<PersistProbe> probe, String probeUnavailable,
                                  Optional<VosProvider> vos, String vosUnavailable, Path directory) {
        String subject = directory.toString();
        List<Check> checks = new ArrayList<>();
        WorkDirectory work;
        try {
            work = WorkDirectory.create(directory);
        } catch (IOException e) {
            checks.add(Check.of("dir.work", "work directory", subject, Status.FAIL, "cannot create a directory in "
                    + directory + " to work in: " + e + "; nothing was measured there"));
            return checks;
        }
        live.add(work);
        try {
            DirectoryChecks configuration = new DirectoryChecks(machine, node, probe, probeUnavailable, directory, work);
            checks.addAll(configuration.run());
            boolean dax = configuration.dax();
            if (dax && probe.isPresent()) {
                checks.addAll(new PmemMeasurement(machine, probe.get(), work, subject).run());
            } else {
                checks.add(PmemMeasurement.skipped(subject, probe.isEmpty() ? "the persist probe cannot run: "
                        + probeUnavailable : "not a DAX file system: no persistent memory to measure"));
            }
            checks.addAll(new FioMeasurement(machine, work, subject).run());
            if (vos.isEmpty()) {
                checks.add(Check.of("vos", "VOS", subject, Status.FAIL, "the VOS library cannot be loaded, so no "
                        + "pool can be made here: " + vosUnavailable));
            } else {
                checks.addAll(new WalMeasurement(machine, vos.get(), work, subject).run());
                for (PoolBackend backend : List.of(PoolBackend.WAL, PoolBackend.PMEM)) {
                    checks.addAll(new CrashSmoke(machine, vos.get(), work, subject, backend, dax).run());
                }
                for (PoolBackend backend : List.of(PoolBackend.WAL, PoolBackend.PMEM)) {
                    checks.addAll(new RdbCommitLoop(machine, vos.get(), work, subject, backend, dax).run());
                }
            }
        } finally {
            try {
                work.remove();
                checks.add(Check.of("dir.cleanup", "cleanup", subject, Status.PASS, "removed " + work.path()
                        + " and everything the checks made in it"));
            } catch (IOException e) {
                checks.add(Check.of("dir.cleanup", "cleanup", subject, Status.FAIL, "could not remove " + work.path()
                        + ": " + e + "; remove it by hand (or run hw-check again, which removes it)"));
            }
            live.remove(work);
        }
        return checks;
    }

    /** The shutdown hook: a run interrupted by a signal still ends its children and removes its files. */
    private void abandon() {
        int killed = Children.killAll();
        for (WorkDirectory work : live) {
            work.close();
        }
        if (killed > 0 || !live.isEmpty()) {
            LOG.warn("hw-check stopped early: killed {} child processes and removed {} work directories", killed,
                    live.size());
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return Optional.ofNullable(System.getenv("HOSTNAME")).orElse("this node");
        }
    }
}
