package org.vostok.server.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where and how a run was taken, for the report: the machine, its load before and after (a
 * busy machine makes slow figures, and the report says so), the JVM, the file system the pools
 * were on, the node processes, and the settings that bound failover: the election timeout and
 * the client's attempt timeout.
 */
public record Environment(String startedAt, String host, int cores, String loadBefore, String loadAfter,
                          String javaVersion, String os, String dataDirectory, String fileSystem, List<Long> nodePids,
                          long electionTimeoutMillis, long heartbeatMillis, long attemptTimeoutMillis,
                          long callDeadlineMillis, String version) {

    public Environment {
        nodePids = List.copyOf(nodePids);
    }

    /** The 1-, 5- and 15-minute load averages, or "unknown" off Linux. */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg"), StandardCharsets.US_ASCII).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** The type of the file system holding {@code dir} (ext4, xfs, tmpfs), or "unknown". */
    static String fileSystemOf(Path dir) {
        try {
            return Files.getFileStore(dir).type();
        } catch (IOException e) {
            return "unknown";
        }
    }

    static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
