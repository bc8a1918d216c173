package org.vostok.hw.thresholds;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeSet;
import org.vostok.hw.report.Figure;

/**
 * The limits the measured figures are held to: the defaults below, each of whose levels a
 * thresholds file may change. The file is a Java properties file of lines
 * {@code warn.<limit> = <number>} and {@code fail.<limit> = <number>} in the limit's unit;
 * anything else in it is refused, so a mistyped name is never silently ignored.
 *
 * <p>Thread-safety: an immutable value.
 */
public final class Thresholds {
    /** The prefix of a warning level's key. */
    public static final String WARN_PREFIX = "warn.";
    /** The prefix of a failure level's key. */
    public static final String FAIL_PREFIX = "fail.";

    public static final String FREE_SPACE = "free_space_gib_min";
    public static final String FIO_FDATASYNC_P50 = "fio_fdatasync_p50_us_max";
    public static final String FIO_FDATASYNC_P99 = "fio_fdatasync_p99_us_max";
    public static final String FIO_WRITE = "fio_write_mib_s_min";
    public static final String WAL_COMMIT_P50 = "wal_commit_p50_us_max";
    public static final String WAL_COMMIT_P99 = "wal_commit_p99_us_max";
    public static final String WAL_WRITE = "wal_write_mib_s_min";
    public static final String PMEM_PERSIST64_P50 = "pmem_persist64_p50_ns_max";
    public static final String PMEM_PERSIST64_P99 = "pmem_persist64_p99_ns_max";
    public static final String PMEM_PERSIST64_BANDWIDTH = "pmem_persist64_mib_s_min";
    public static final String PMEM_PERSIST4K_P50 = "pmem_persist4k_p50_ns_max";
    public static final String PMEM_PERSIST4K_P99 = "pmem_persist4k_p99_ns_max";
    public static final String PMEM_PERSIST4K_BANDWIDTH = "pmem_persist4k_mib_s_min";
    public static final String NVME_PERCENT_USED = "nvme_percent_used_max";

    /**
     * The defaults, chosen so that a node that passes can carry a Raft log at the rates the
     * README reports: an fdatasync of NVMe or SATA flash with power-loss protection takes tens of
     * microseconds, one of flash that must flush a volatile cache or of a disk takes milliseconds;
     * Optane persistent memory persists a cache line in hundreds of nanoseconds and a page in a few
     * microseconds.
     */
    private static final List<Limit> DEFAULTS = List.of(
            new Limit(FREE_SPACE, "GiB", 10, 1, "free space for pools under the data directory"),
            new Limit(FIO_FDATASYNC_P50, "us", 500, 5000, "median fdatasync after a 4 KiB O_DIRECT write (fio)"),
            new Limit(FIO_FDATASYNC_P99, "us", 2000, 20000, "99th percentile of the same fdatasync (fio)"),
            new Limit(FIO_WRITE, "MiB/s", 200, 50, "sequential 1 MiB O_DIRECT writes, one at a time (fio)"),
            new Limit(WAL_COMMIT_P50, "us", 1000, 10000, "median commit of a one-update 4 KiB transaction on a WAL pool"),
            new Limit(WAL_COMMIT_P99, "us", 5000, 50000, "99th percentile of the same commit"),
            new Limit(WAL_WRITE, "MiB/s", 100, 20, "bytes committed per second in 1 MiB transactions on a WAL pool"),
            new Limit(PMEM_PERSIST64_P50, "ns", 1000, 10000, "median 64-byte persist on persistent memory (libpmem)"),
            new Limit(PMEM_PERSIST64_P99, "ns", 5000, 50000, "99th percentile of the same persist"),
            new Limit(PMEM_PERSIST64_BANDWIDTH, "MiB/s", 50, 5, "bytes per second persisted 64 bytes at a time"),
            new Limit(PMEM_PERSIST4K_P50, "ns", 5000, 50000, "median 4 KiB persist on persistent memory (libpmem)"),
            new Limit(PMEM_PERSIST4K_P99, "ns", 20000, 200000, "99th percentile of the same persist"),
            new Limit(PMEM_PERSIST4K_BANDWIDTH, "MiB/s", 500, 50, "bytes per second persisted 4 KiB at a time"),
            new Limit(NVME_PERCENT_USED, "%", 80, 100, "an NVMe drive's rated endurance used (SMART percent_used)"));

    private final Map<String, Limit> limits;
    private final String source;

    private Thresholds(Map<String, Limit> limits, String source) {
        this.limits = Map.copyOf(limits);
        this.source = source;
    }

    /** The built-in defaults. */
    public static Thresholds defaults() {
        return new Thresholds(byName(DEFAULTS), "defaults");
    }

    /** Every limit with its default levels, in the order the README lists them. */
    public static List<Limit> defaultLimits() {
        return DEFAULTS;
    }

    /**
     * The defaults with the levels a thresholds file sets.
     *
     * @throws IllegalArgumentException when the file cannot be read or holds a key or a value it
     *                                  should not, with a message that says which and what to write
     */
    public static Thresholds load(Path file) {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(in);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot read the thresholds file " + file + ": " + e.getMessage()
                    + " (it is a properties file of lines like warn." + FIO_FDATASYNC_P99 + " = 2000)", e);
        }
        Map<String, Limit> limits = byName(DEFAULTS);
        Map<String, Double> warnLevels = new LinkedHashMap<>();
        Map<String, Double> failLevels = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (String key : new TreeSet<>(properties.stringPropertyNames())) {
            String raw = properties.getProperty(key).trim();
            boolean warn = key.startsWith(WARN_PREFIX);
            boolean fail = key.startsWith(FAIL_PREFIX);
            Limit limit = limits.get(key.substring(warn ? WARN_PREFIX.length() : fail ? FAIL_PREFIX.length() : 0));
            if ((!warn && !fail) || limit == null) {
                problems.add("unknown key " + key + " (keys are warn.<limit> or fail.<limit>, limits: "
                        + String.join(", ", limits.keySet()) + ")");
                continue;
            }
            double value;
            try {
                value = Double.parseDouble(raw);
            } catch (NumberFormatException e) {
                problems.add(key + " = " + raw + " is not a number (write it in " + limit.unit() + ", e.g. "
                        + key + " = " + Figure.number(warn ? limit.warn() : limit.fail()).replace(",", "") + ")");
                continue;
            }
            if (!(value >= 0) || Double.isInfinite(value)) {
                problems.add(key + " = " + raw + " must be a finite number of at least 0");
                continue;
            }
            (warn ? warnLevels : failLevels).put(limit.name(), value);
        }
        for (Limit limit : List.copyOf(limits.values())) {
            if (!warnLevels.containsKey(limit.name()) && !failLevels.containsKey(limit.name())) {
                continue;
            }
            try {
                limits.put(limit.name(), limit.withLevels(warnLevels.getOrDefault(limit.name(), limit.warn()),
                        failLevels.getOrDefault(limit.name(), limit.fail())));
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("the thresholds file " + file + " is not valid: "
                    + String.join("; ", problems));
        }
        return new Thresholds(limits, file.toString());
    }

    /** The limit of a name, one of this class's constants. */
    public Limit get(String name) {
        Limit limit = limits.get(name);
        if (limit == null) {
            throw new IllegalArgumentException("no limit named " + name);
        }
        return limit;
    }

    /** Where these thresholds came from: {@code defaults} or the file's path. */
    public String source() {
        return source;
    }

    private static Map<String, Limit> byName(List<Limit> list) {
        Map<String, Limit> map = new LinkedHashMap<>();
        for (Limit limit : list) {
            Objects.requireNonNull(limit);
            map.put(limit.name(), limit);
        }
        return map;
    }
}
