package org.vostok.server.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Everything one run measured, and its three renderings: the table a person reads at the end,
 * the {@code RESULT} lines in the format of the peers' benchmark (which {@code summarize.py} and
 * {@code scripts/bench-vs-peers.sh} read), and the HTML report ({@link HtmlReport}).
 *
 * <p>RESULT lines: {@code system=vostok-e2e-wal test=write|read|read_index conc=N ... ops_per_s p50_us
 * p99_us p999_us} per level; {@code system=vostok-failover-kill9 test=failover_kill9} and
 * {@code system=vostok-failover-sigstop test=failover_sigstop} with {@code write_ok_ms=[...]
 * median_write_ok_ms max_write_ok_ms leader_seen_ms=[...]} (when a new leader was first seen,
 * -1 for "with the first write"); {@code system=vostok-longrun-wal test=longrun} with
 * {@code leader_changes} and {@code terms=[...]}.
 */
public record BenchReport(BenchSettings settings, Environment environment, List<LevelResult> levels,
                          List<FailoverResult> failovers, Optional<LevelResult> longRun,
                          List<LeaderLog.Change> leaderChanges, List<LeaderLog.Change> anomalies,
                          List<Long> termsSeen, Timeline timeline, double seconds) {

    public static final String SYSTEM_E2E = "vostok-e2e-wal";
    public static final String SYSTEM_LONG_RUN = "vostok-longrun-wal";

    public BenchReport {
        levels = List.copyOf(levels);
        failovers = List.copyOf(failovers);
        leaderChanges = List.copyOf(leaderChanges);
        anomalies = List.copyOf(anomalies);
        termsSeen = List.copyOf(termsSeen);
    }

    public static String system(Fault fault) {
        return "vostok-failover-" + fault.label();
    }

    /** Leader changes outside the failover runs: with no fault made, there must be none. */
    public List<LeaderLog.Change> unexpectedChanges() {
        List<LeaderLog.Change> out = new ArrayList<>();
        for (LeaderLog.Change c : leaderChanges) {
            boolean inFault = timeline.phaseAt(timeline.secondsAt(c.atNanos())).map(Timeline.Phase::fault)
                    .orElse(false);
            if (!inFault) {
                out.add(c);
            }
        }
        return out;
    }

    /** Operations that failed where nothing was made to fail (the levels and the long run). */
    public long failedOperations() {
        return levels.stream().mapToLong(LevelResult::failed).sum() + longRun.map(LevelResult::failed).orElse(0L);
    }

    /** No leader change without a fault, no two leaders in one term, no failed operation. */
    public boolean healthy() {
        return unexpectedChanges().isEmpty() && anomalies.isEmpty() && failedOperations() == 0;
    }

    public List<String> resultLines() {
        List<String> out = new ArrayList<>();
        for (LevelResult r : levels) {
            out.add(levelLine(SYSTEM_E2E, test(r.operation()), r));
        }
        for (FailoverResult f : failovers) {
            out.add(String.format(Locale.ROOT, "RESULT system=%s rpc=netty test=failover_%s rounds=%d write_ok_ms=%s"
                            + " median_write_ok_ms=%d max_write_ok_ms=%d leader_seen_ms=%s", system(f.fault()),
                    f.fault().label(), f.rounds().size(), f.millis(), f.medianMillis(), f.maxMillis(),
                    f.rounds().stream().map(FailoverResult.Round::leaderSeenMillis).toList()));
        }
        longRun.ifPresent(r -> out.add(levelLine(SYSTEM_LONG_RUN, "longrun", r)
                + String.format(Locale.ROOT, " leader_changes=%d terms=%s", leaderChanges.size(), termsSeen)));
        return out;
    }

    /**
     * The RESULT line's {@code test} of an operation: {@code write}, {@code read} (lease reads,
     * the nodes' default) or {@code read_index} (each read confirmed by a heartbeat round).
     */
    public String test(Operation op) {
        return op == Operation.WRITE ? "write" : settings.leaseReads() ? "read" : "read_index";
    }

    private static String levelLine(String system, String test, LevelResult r) {
        return String.format(Locale.ROOT, "RESULT system=%s rpc=netty test=%s conc=%d ops=%d failed=%d ops_per_s=%.0f"
                        + " p50_us=%d p99_us=%d p999_us=%d max_us=%d secs=%.2f", system, test, r.concurrency(), r.ok(),
                r.failed(), r.opsPerSecond(), r.micros(50), r.micros(99), r.micros(99.9), r.maxMicros(), r.seconds());
    }

    static String millis(long micros) {
        return String.format(Locale.ROOT, "%.2f", micros / 1000.0);
    }

    /** The table printed at the end of a run. */
    public String table() {
        StringBuilder b = new StringBuilder();
        Environment e = environment;
        b.append(String.format(Locale.ROOT, "%nvostok bench: 3 node processes on loopback, WAL pools of %d MiB, %,d-byte"
                        + " values over %,d keys, the client in this process%n", settings.poolMib(),
                settings.valueBytes(), settings.keys()));
        b.append(String.format(Locale.ROOT, "machine: %s, %d cores, load average %s before and %s after; pools on %s"
                        + " (%s); %s%n", e.host(), e.cores(), e.loadBefore(), e.loadAfter(), e.dataDirectory(),
                e.fileSystem(), e.javaVersion()));
        List<LevelResult> all = new ArrayList<>(levels);
        longRun.ifPresent(all::add);
        if (!all.isEmpty()) {
            b.append(String.format(Locale.ROOT, "%n%-10s %8s %10s %8s %8s %9s %8s %7s%n", "operation", "in flight",
                    "ops/s", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "failed"));
            for (LevelResult r : all) {
                String op = longRun.isPresent() && r == longRun.get() ? "long run" : test(r.operation());
                b.append(String.format(Locale.ROOT, "%-10s %8d %,10.0f %8s %8s %9s %8s %7d%n", op, r.concurrency(),
                        r.opsPerSecond(), millis(r.micros(50)), millis(r.micros(99)), millis(r.micros(99.9)),
                        millis(r.maxMicros()), r.failed()));
            }
        }
        if (!failovers.isEmpty()) {
            b.append(String.format(Locale.ROOT, "%n%-24s %4s %10s %7s  %s%n", "failover (fault -> first write ok)",
                    "runs", "median ms", "max ms", "each run, ms"));
            for (FailoverResult f : failovers) {
                b.append(String.format(Locale.ROOT, "%-34s %4d %10d %7d  %s%n", f.fault().display() + " of the leader",
                        f.rounds().size(), f.medianMillis(), f.maxMillis(),
                        f.millis().stream().map(String::valueOf).collect(Collectors.joining(" "))));
            }
            b.append(String.format(Locale.ROOT, "(election timeout %d ms, heartbeat %d ms; the client tries another"
                    + " replica after %d ms without an answer)%n", e.electionTimeoutMillis(), e.heartbeatMillis(),
                    e.attemptTimeoutMillis()));
        }
        List<LeaderLog.Change> unexpected = unexpectedChanges();
        b.append(String.format(Locale.ROOT, "%nleaders: terms seen %s; %d leader change%s, %s%n", termsSeen,
                leaderChanges.size(), leaderChanges.size() == 1 ? "" : "s", unexpected.isEmpty()
                        ? (failovers.isEmpty() ? "as there must be with no fault" : "every one in a failover run")
                        : unexpected.size() + " WITHOUT A FAULT"));
        for (LeaderLog.Change c : unexpected) {
            b.append(String.format(Locale.ROOT, "  at %.1f s: node %d (term %d) -> node %d (term %d), seen in %s%n",
                    timeline.secondsAt(c.atNanos()), c.fromNode(), c.fromTerm(), c.toNode(), c.toTerm(), c.source()));
        }
        for (LeaderLog.Change c : anomalies) {
            b.append(String.format(Locale.ROOT, "  TWO LEADERS IN TERM %d: node %d and node %d (%s)%n", c.toTerm(),
                    c.fromNode(), c.toNode(), c.source()));
        }
        if (failedOperations() > 0) {
            b.append(String.format(Locale.ROOT, "%d operations failed with no fault made%n", failedOperations()));
        }
        return b.toString();
    }
}
