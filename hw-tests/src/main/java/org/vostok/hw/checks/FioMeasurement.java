package org.vostok.hw.checks;

import java.util.ArrayList;
import java.util.List;
import org.vostok.hw.Machine;
import org.vostok.hw.report.Check;
import org.vostok.hw.report.Figure;
import org.vostok.hw.report.Status;
import org.vostok.hw.thresholds.Thresholds;
import org.vostok.hw.tools.FioParser;
import org.vostok.hw.tools.ToolResult;

/**
 * fio on the data directory, the way a Raft log writes: 4 KiB O_DIRECT writes each followed by
 * fdatasync (the fdatasync's p50 and p99), and sequential 1 MiB O_DIRECT writes one at a time
 * (bandwidth). Both run with {@code --output-format=json} and {@code --unlink=1} on files in the
 * run's work directory.
 */
public final class FioMeasurement {
    private final Machine machine;
    private final WorkDirectory work;
    private final String subject;

    public FioMeasurement(Machine machine, WorkDirectory work, String subject) {
        this.machine = machine;
        this.work = work;
        this.subject = subject;
    }

    public List<Check> run() {
        if (!machine.tools().installed("fio")) {
            return List.of(Check.skipped("fio", "fio", subject, "fio is not installed (apt-get install fio): the "
                    + "O_DIRECT write and fdatasync figures come from the WAL pool alone"));
        }
        List<Check> checks = new ArrayList<>();
        checks.addAll(Guard.each("fio.fdatasync", subject, this::latency));
        checks.addAll(Guard.each("fio.write", subject, this::bandwidth));
        return checks;
    }

    private List<Check> latency() {
        FioParser.Job job = fio("sync-write", List.of("--name=vostok-sync-write",
                "--filename=" + work.resolve("fio-sync-write.dat"),
                "--size=" + machine.workload().fioLatencyFileBytes(), "--bs=4k", "--rw=write", "--direct=1",
                "--ioengine=psync", "--fdatasync=1", "--time_based=1",
                "--runtime=" + machine.workload().fioLatencySeconds(), "--unlink=1", "--output-format=json"));
        if (job.syncs() == 0 || job.syncP50Nanos().isEmpty() || job.syncP99Nanos().isEmpty()) {
            return List.of(Check.of("fio.fdatasync", "fio fdatasync", subject, Status.FAIL, "fio reported no "
                    + "fdatasync latencies (" + job.syncs() + " syncs): is it older than 3.x?"));
        }
        String how = "4 KiB O_DIRECT writes, fdatasync after each: " + Figure.number(job.syncs()) + " syncs, "
                + Figure.number(job.writeIops()) + " write+fdatasync/s"
                + job.writeP50Nanos().stream().mapToObj(w -> ", write p50 " + Figure.number(w / 1000.0) + " us")
                        .findFirst().orElse("");
        return List.of(
                Measured.check("fio.fdatasync.p50", "fio fdatasync p50", subject,
                        machine.thresholds().get(Thresholds.FIO_FDATASYNC_P50), job.syncP50Nanos().getAsLong() / 1000.0, how),
                Measured.check("fio.fdatasync.p99", "fio fdatasync p99", subject,
                        machine.thresholds().get(Thresholds.FIO_FDATASYNC_P99), job.syncP99Nanos().getAsLong() / 1000.0, how));
    }

    private List<Check> bandwidth() {
        FioParser.Job job = fio("write", List.of("--name=vostok-write", "--filename=" + work.resolve("fio-write.dat"),
                "--size=" + machine.workload().fioBandwidthBytes(), "--bs=1M", "--rw=write", "--direct=1",
                "--ioengine=psync", "--end_fsync=1", "--unlink=1", "--output-format=json"));
        return List.of(Measured.check("fio.write.bandwidth", "fio write bandwidth", subject,
                machine.thresholds().get(Thresholds.FIO_WRITE), job.writeBytesPerSecond() / (double) (1 << 20),
                Figure.number(job.writeBytes() / (double) (1 << 20)) + " MiB in 1 MiB O_DIRECT writes, one at a time"));
    }

    private FioParser.Job fio(String what, List<String> args) {
        ToolResult result = machine.tools().run("fio", args, machine.workload().fioTimeout());
        if (!(result instanceof ToolResult.Finished finished)) {
            throw new org.vostok.hw.tools.ToolOutputException("fio " + what + ": " + result.failure());
        }
        if (!finished.succeeded() && finished.stdout().indexOf('{') < 0) {
            throw new org.vostok.hw.tools.ToolOutputException(result.failure());
        }
        return FioParser.job(finished.stdout());
    }
}
