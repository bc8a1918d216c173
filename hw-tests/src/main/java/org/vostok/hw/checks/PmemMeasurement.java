package org.vostok.hw.checks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.vostok.hw.Machine;
import org.vostok.hw.probe.PersistProbe;
import org.vostok.hw.probe.PersistRun;
import org.vostok.hw.report.Check;
import org.vostok.hw.report.Figure;
import org.vostok.hw.thresholds.Thresholds;

/**
 * 64-byte and 4 KiB persist latency (p50, p99) and bandwidth on persistent memory, measured by
 * the VOS library's probe: writes copied into a libpmem mapping of a file in the data directory
 * and made durable the way PMDK makes a transaction's ranges durable.
 */
public final class PmemMeasurement {
    private final Machine machine;
    private final PersistProbe probe;
    private final WorkDirectory work;
    private final String subject;

    public PmemMeasurement(Machine machine, PersistProbe probe, WorkDirectory work, String subject) {
        this.machine = machine;
        this.probe = probe;
        this.work = work;
        this.subject = subject;
    }

    /** The skipped line of a directory that is not DAX (or where the probe cannot run). */
    public static Check skipped(String subject, String why) {
        return Check.skipped("pmem.persist", "pmem persist", subject, why);
    }

    public List<Check> run() {
        List<Check> checks = new ArrayList<>();
        checks.addAll(Guard.each("pmem.persist64", subject, () -> size(64, "64", machine.workload().pmemSamples64(),
                Thresholds.PMEM_PERSIST64_P50, Thresholds.PMEM_PERSIST64_P99, Thresholds.PMEM_PERSIST64_BANDWIDTH)));
        checks.addAll(Guard.each("pmem.persist4k", subject, () -> size(4096, "4k", machine.workload().pmemSamples4k(),
                Thresholds.PMEM_PERSIST4K_P50, Thresholds.PMEM_PERSIST4K_P99, Thresholds.PMEM_PERSIST4K_BANDWIDTH)));
        return checks;
    }

    private List<Check> size(int bytes, String label, int samples, String p50Limit, String p99Limit, String bandwidthLimit) {
        Path file = work.resolve("persist-" + label + ".probe");
        PersistRun run;
        try {
            run = probe.persist(file, machine.workload().pmemFileBytes(), bytes, samples);
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // The work directory's removal reports it if it is still there.
            }
        }
        long[] latencies = run.latencies();
        String how = Figure.number(samples) + " persists of " + bytes + " B through libpmem ("
                + (run.pmem() ? "cache flushes" : "msync: libpmem does not see persistent memory here") + ", "
                + (run.autoFlush() == 1 ? "eADR" : run.autoFlush() == 0 ? "no eADR" : "eADR unknown") + ")";
        String id = "pmem.persist" + label;
        String title = "pmem persist " + (bytes == 64 ? "64 B" : "4 KiB");
        return List.of(
                Measured.check(id + ".p50", title + " p50", subject, machine.thresholds().get(p50Limit),
                        Latencies.percentile(latencies, 50), how),
                Measured.check(id + ".p99", title + " p99", subject, machine.thresholds().get(p99Limit),
                        Latencies.percentile(latencies, 99), how),
                Measured.check(id + ".bandwidth", title + " bandwidth", subject,
                        machine.thresholds().get(bandwidthLimit), run.mibPerSecond(), how));
    }
}
