package org.vostok.hw.tools;

import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import tools.jackson.databind.JsonNode;

/**
 * Reads {@code fio --output-format=json}: the first job's write side (bandwidth, IOPS,
 * completion-latency percentiles) and its {@code sync} side (the latency of each fsync or
 * fdatasync fio issued, with percentiles, since fio 3.x).
 */
public final class FioParser {
    private static final String TOOL = "fio";

    private FioParser() {
    }

    /**
     * One fio job's results.
     *
     * @param job          the job's name
     * @param writeBytes   bytes written
     * @param writeBytesPerSecond fio's write bandwidth
     * @param writeIops    writes per second
     * @param writeP50Nanos median write completion latency, when fio reported percentiles
     * @param writeP99Nanos 99th percentile of the same
     * @param syncs        fsync/fdatasync calls measured
     * @param syncP50Nanos median fdatasync latency, when there were syncs
     * @param syncP99Nanos 99th percentile of the same
     */
    public record Job(String job, long writeBytes, long writeBytesPerSecond, double writeIops, OptionalLong writeP50Nanos,
                      OptionalLong writeP99Nanos, long syncs, OptionalLong syncP50Nanos, OptionalLong syncP99Nanos) {
        public Job {
            Objects.requireNonNull(job, "job");
        }
    }

    public static Job job(String stdout) {
        JsonNode root = ToolJson.parse(TOOL, stdout).orElseThrow(() -> new ToolOutputException("fio printed nothing"));
        JsonNode jobs = root.get("jobs");
        if (jobs == null || !jobs.isArray() || jobs.isEmpty()) {
            throw new ToolOutputException("fio printed JSON without jobs: " + ToolJson.abbreviate(root));
        }
        JsonNode job = jobs.get(0);
        String name = ToolJson.text(job, "jobname").orElse("job");
        long error = ToolJson.number(job, "error").orElse(0);
        if (error != 0) {
            throw new ToolOutputException("fio job " + name + " failed with error " + error + " ("
                    + describe((int) error) + ")");
        }
        JsonNode write = job.get("write");
        if (write == null || !write.isObject()) {
            throw new ToolOutputException("fio job " + name + " has no \"write\" results");
        }
        JsonNode clat = write.path("clat_ns").path("percentile");
        JsonNode sync = job.path("sync").path("lat_ns");
        return new Job(name, ToolJson.number(write, "io_bytes").orElse(0), ToolJson.number(write, "bw_bytes").orElse(0),
                write.path("iops").asDouble(0), percentile(clat, 50), percentile(clat, 99),
                ToolJson.number(sync, "N").orElse(0), percentile(sync.path("percentile"), 50),
                percentile(sync.path("percentile"), 99));
    }

    /** fio keys percentiles as {@code "99.000000"}; the key is matched by its value, not its spelling. */
    private static OptionalLong percentile(JsonNode percentiles, double which) {
        if (!percentiles.isObject()) {
            return OptionalLong.empty();
        }
        for (Map.Entry<String, JsonNode> entry : percentiles.properties()) {
            try {
                if (Double.parseDouble(entry.getKey()) == which && entry.getValue().isNumber()) {
                    return OptionalLong.of(entry.getValue().asLong());
                }
            } catch (NumberFormatException e) {
                // Not a percentile key: fio adds none today, so skip whatever it is.
            }
        }
        return OptionalLong.empty();
    }

    private static String describe(int errno) {
        return switch (errno) {
            case 22 -> "EINVAL: the file system may not support O_DIRECT";
            case 28 -> "ENOSPC: no space left";
            case 13 -> "EACCES: permission denied";
            case 5 -> "EIO: an I/O error";
            default -> "errno " + errno;
        };
    }
}
