package org.vostok.server.bench;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one benchmark run does; every setting is checked here, and a wrong one is refused with
 * the option's name, the value and what is allowed.
 *
 * @param levels operations in flight, one level each (1, 16, 64, 256)
 * @param secondsPerLevel how long each level runs
 * @param warmupSeconds writes at 16 in flight before the first level, not measured, at least
 *     this long (0: no warm-up)
 * @param warmupSecondsMax the warm-up goes on until the JIT compilers of the four processes
 *     are quiet, at most this long in all
 * @param operations what the levels measure: writes, linearizable reads, or both
 * @param failoverRuns runs of each fault in {@code faults} (0: none)
 * @param faults the faults of the failover runs
 * @param longRun the long-run mode: only a load without faults for this long
 * @param longRunConcurrency writes in flight during the long run
 * @param keys how many keys the writes spread over
 * @param valueBytes each write's value
 * @param poolMib each replica's pool, in MiB
 * @param nodeJvmOptions the node processes' JVM options
 * @param leaseReads whether the nodes answer linearizable reads from the leader's lease (their
 *     default) or confirm each with a heartbeat round to a majority first (ReadIndex)
 */
public record BenchSettings(List<Integer> levels, double secondsPerLevel, double warmupSeconds, double warmupSecondsMax,
                            List<Operation> operations, int failoverRuns, List<Fault> faults, Optional<Duration> longRun,
                            int longRunConcurrency, int keys, int valueBytes, long poolMib,
                            List<String> nodeJvmOptions, boolean leaseReads) {

    /** Operations in flight at most: a client connection answers BUSY beyond 4,096 waiting requests. */
    public static final int CONCURRENCY_MAX = 4_096;
    public static final double SECONDS_PER_LEVEL_MAX = 3_600;
    public static final int FAILOVER_RUNS_MAX = 1_000;
    public static final Duration LONG_RUN_MAX = Duration.ofDays(7);
    public static final int KEYS_MAX = 1_000_000;
    /** A value at most (the register takes far more; beyond this the benchmark measures copying). */
    public static final int VALUE_BYTES_MAX = 1 << 20;
    /** The smallest pool a node takes. */
    public static final long POOL_MIB_MIN = 64;
    public static final long POOL_MIB_MAX = 1 << 20;

    public BenchSettings {
        levels = List.copyOf(levels);
        operations = List.copyOf(operations);
        faults = List.copyOf(faults);
        nodeJvmOptions = List.copyOf(nodeJvmOptions);
        if (levels.isEmpty() && longRun.isEmpty()) {
            throw new IllegalArgumentException("--levels needs at least one level, e.g. --levels=1,16,64,256");
        }
        for (int c : levels) {
            require(c >= 1 && c <= CONCURRENCY_MAX, "--levels takes 1 .. " + CONCURRENCY_MAX
                    + " operations in flight, not " + c);
        }
        require(secondsPerLevel > 0 && secondsPerLevel <= SECONDS_PER_LEVEL_MAX, "--seconds must be above 0 and at"
                + " most " + (int) SECONDS_PER_LEVEL_MAX + ", not " + secondsPerLevel);
        require(warmupSeconds >= 0 && warmupSeconds <= SECONDS_PER_LEVEL_MAX, "--warmup-seconds must be 0 .. "
                + (int) SECONDS_PER_LEVEL_MAX + ", not " + warmupSeconds);
        require(warmupSecondsMax >= 0 && warmupSecondsMax <= SECONDS_PER_LEVEL_MAX, "--warmup-seconds-max must be"
                + " 0 .. " + (int) SECONDS_PER_LEVEL_MAX + ", not " + warmupSecondsMax);
        require(!operations.isEmpty(), "--ops needs write, read or both");
        require(failoverRuns >= 0 && failoverRuns <= FAILOVER_RUNS_MAX, "--failover-runs must be 0 .. "
                + FAILOVER_RUNS_MAX + ", not " + failoverRuns);
        longRun.ifPresent(d -> require(!d.isNegative() && !d.isZero() && d.compareTo(LONG_RUN_MAX) <= 0,
                "--duration must be above 0 and at most 7d, not " + d));
        require(longRunConcurrency >= 1 && longRunConcurrency <= CONCURRENCY_MAX, "--duration-conc must be 1 .. "
                + CONCURRENCY_MAX + ", not " + longRunConcurrency);
        require(keys >= 1 && keys <= KEYS_MAX, "--keys must be 1 .. " + KEYS_MAX + ", not " + keys);
        require(valueBytes >= 1 && valueBytes <= VALUE_BYTES_MAX, "--value-bytes must be 1 .. " + VALUE_BYTES_MAX
                + ", not " + valueBytes);
        require(poolMib >= POOL_MIB_MIN && poolMib <= POOL_MIB_MAX, "--pool-mib must be " + POOL_MIB_MIN + " .. "
                + POOL_MIB_MAX + ", not " + poolMib);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** A duration as {@link #parseDuration} reads it: {@code 10m}, {@code 1h30m}, {@code 45s}, {@code 2.5s}. */
    public static String describe(Duration d) {
        long ms = d.toMillis();
        if (ms % 1000 != 0) {
            return String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
        }
        long s = ms / 1000;
        StringBuilder b = new StringBuilder();
        if (s >= 86_400) {
            b.append(s / 86_400).append('d');
            s %= 86_400;
        }
        if (s >= 3_600) {
            b.append(s / 3_600).append('h');
            s %= 3_600;
        }
        if (s >= 60) {
            b.append(s / 60).append('m');
            s %= 60;
        }
        if (s > 0 || b.length() == 0) {
            b.append(s).append('s');
        }
        return b.toString();
    }

    private static final Pattern DURATION = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*(ms|s|m|h|d)?");

    /**
     * A duration as a person writes it: {@code 10m}, {@code 90s}, {@code 1.5h}, {@code 2d},
     * {@code 500ms}; a bare number is seconds.
     */
    public static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("a duration is a number with ms, s, m, h or d (10m, 90s, 1h),"
                    + " not '" + text + "'");
        }
        double v = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double millis = switch (unit) {
            case "ms" -> v;
            case "s" -> v * 1_000;
            case "m" -> v * 60_000;
            case "h" -> v * 3_600_000;
            default -> v * 86_400_000;
        };
        return Duration.ofMillis(Math.round(millis));
    }
}
