package org.vostok.server.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.vostok.client.CallOptions;
import org.vostok.rdb.RdbConfig;
import org.vostok.server.demo.LocalCluster;

/**
 * One benchmark run against a started {@link LocalCluster}: the register service is created,
 * then either the levels and the failover runs, or the long run alone; what it measured comes
 * back as a {@link BenchReport}. Progress goes to a {@link Progress}; nothing here ends a
 * process or removes a file (the command does, on every path).
 */
public final class BenchRun {

    /** Writes at this many in flight warm the JVMs up before the first level (not measured). */
    static final int WARMUP_CONCURRENCY = 16;
    /** Reads need values to find: when the run wrote fewer keys than this, they are written first. */
    private static final int READ_PREFILL_WRITES = 1_000;
    /** The first write waits for the service's first election at most this long. */
    private static final long FIRST_WRITE_MILLIS = 60_000;

    private final BenchSettings settings;
    private final LocalCluster cluster;
    private final Progress progress;
    private final Timeline timeline;
    private final Path dataDirectory;
    private final String loadBefore;
    private final String startedAt;
    private final LeaderLog leaders;

    BenchRun(BenchSettings settings, LocalCluster cluster, Path dataDirectory, Progress progress, long startNanos,
             String loadBefore) {
        this.settings = settings;
        this.cluster = cluster;
        this.progress = progress;
        this.dataDirectory = dataDirectory;
        this.timeline = new Timeline(startNanos);
        this.loadBefore = loadBefore;
        this.startedAt = OffsetDateTime.now().truncatedTo(ChronoUnit.SECONDS).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        this.leaders = new LeaderLog(this::onLeaderChange);
    }

    private void onLeaderChange(LeaderLog.Change c) {
        double at = timeline.secondsAt(c.atNanos());
        timeline.event(c.atNanos(), Timeline.EventKind.LEADER_CHANGE, "node " + c.toNode() + ", term " + c.toTerm());
        boolean inFault = timeline.phaseAt(at).map(Timeline.Phase::fault).orElse(false);
        if (!inFault) {
            progress.say("LEADER CHANGE WITHOUT A FAULT: node %d (term %d) -> node %d (term %d), seen in %s",
                    c.fromNode(), c.fromTerm(), c.toNode(), c.toTerm(), c.source());
        }
    }

    BenchReport run() throws InterruptedException, IOException, TimeoutException, ExecutionException {
        long t = System.nanoTime();
        try {
            cluster.createRegister(Benchmark.SERVICE_ID);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the nodes did not create the register service: "
                    + (e.getCause() == null ? e : e.getCause()).getMessage(), e);
        }
        CallOptions options = cluster.client().defaultOptions();
        RegisterLoad load = new RegisterLoad(cluster.client().service(Benchmark.SERVICE_ID), options,
                settings.keys(), settings.valueBytes(), timeline, leaders);
        try {
            load.call(Operation.WRITE, options.withDeadlineMillis(FIRST_WRITE_MILLIS)).join();
        } catch (CompletionException e) {
            throw new IllegalStateException("the register service did not take a first write in " + FIRST_WRITE_MILLIS
                    + " ms: " + (e.getCause() == null ? e : e.getCause()).getMessage(), e);
        }
        progress.say("created the register service (id %d) with a replica on each node: node %d leads term %d; first"
                + " write after %d ms", Benchmark.SERVICE_ID, leaders.leader(), leaders.term(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t));
        List<LevelResult> levels = new ArrayList<>();
        List<FailoverResult> failovers = new ArrayList<>();
        Optional<LevelResult> longRun = Optional.empty();
        try (LeaderWatch watch = new LeaderWatch(cluster, leaders)) {
            if (settings.longRun().isPresent()) {
                longRun = Optional.of(longRun(load, settings.longRun().get()));
            } else {
                if (settings.warmupSeconds() > 0) {
                    LevelResult w = level(load, Operation.WRITE, WARMUP_CONCURRENCY, settings.warmupSeconds(),
                            "warm-up: writes at " + WARMUP_CONCURRENCY + " in flight", "warm-up");
                    progress.say("warm-up: %,d writes at %d in flight in %.0f s, not counted", w.ok(),
                            WARMUP_CONCURRENCY, w.seconds());
                }
                for (Operation op : settings.operations()) {
                    if (op == Operation.READ && load.writes() < READ_PREFILL_WRITES) {
                        level(load, Operation.WRITE, WARMUP_CONCURRENCY, 1, "writes for the reads to find", "fill");
                    }
                    for (int conc : settings.levels()) {
                        LevelResult r = level(load, op, conc, settings.secondsPerLevel(),
                                op.label() + "s at " + conc + " in flight", op.label().charAt(0) + " " + conc);
                        levels.add(r);
                        progress.say("%-5s %4d in flight: %,8.0f ops/s  p50 %s ms  p99 %s ms  p99.9 %s ms%s",
                                op.label(), conc, r.opsPerSecond(), BenchReport.millis(r.micros(50)),
                                BenchReport.millis(r.micros(99)), BenchReport.millis(r.micros(99.9)),
                                r.failed() == 0 ? "" : "  (" + r.failed() + " FAILED)");
                    }
                }
                if (load.readMisses() > 0) {
                    progress.say("%d reads found no value (their write had not succeeded)", load.readMisses());
                }
                FailoverRunner failover = new FailoverRunner(cluster, load, leaders, timeline, progress, options);
                for (Fault f : settings.failoverRuns() > 0 ? settings.faults() : List.<Fault>of()) {
                    FailoverResult r = failover.run(f, settings.failoverRuns());
                    failovers.add(r);
                    progress.say("%s of the leader, %d runs: first write ok after %d ms (median), %d ms (max)",
                            f.display(), r.rounds().size(), r.medianMillis(), r.maxMillis());
                }
            }
        }
        RdbConfig rdb = RdbConfig.defaults();
        Environment env = new Environment(startedAt, Environment.hostName(), Runtime.getRuntime().availableProcessors(),
                loadBefore, Environment.loadAverage(), "java " + Runtime.version(),
                System.getProperty("os.name") + " " + System.getProperty("os.version"), dataDirectory.toString(),
                Environment.fileSystemOf(dataDirectory), cluster.pidsStarted(),
                (long) rdb.tickMillis() * rdb.electionTimeoutTicks(), (long) rdb.tickMillis() * rdb.heartbeatTicks(),
                options.attemptTimeoutMillis(), options.deadlineMillis(), BenchRun.class.getPackage()
                .getImplementationVersion() == null ? "(development build)" : BenchRun.class.getPackage().getImplementationVersion());
        timeline.endPhase();
        return new BenchReport(settings, env, levels, failovers, longRun, leaders.changes(), leaders.anomalies(),
                leaders.termsSeen(), timeline, timeline.now());
    }

    private LevelResult level(RegisterLoad load, Operation op, int conc, double seconds, String label, String tag)
            throws InterruptedException {
        ClosedLoop loop = new ClosedLoop(load, op, conc);
        timeline.beginPhase(label, tag, false);
        progress.beginPhase(label, seconds, "s", () -> timeline.now() - phaseStart(), loop::completed);
        try {
            return loop.run(seconds, leaders);
        } finally {
            progress.endPhase();
            timeline.endPhase();
        }
    }

    private double phaseStart() {
        List<Timeline.Phase> p = timeline.phases();
        return p.isEmpty() ? 0 : p.get(p.size() - 1).startSeconds();
    }

    private LevelResult longRun(RegisterLoad load, Duration d) throws InterruptedException {
        double seconds = d.toMillis() / 1000.0;
        progress.say("long run: writes at %d in flight for %s, no fault; every leader change is reported (there"
                + " must be none)", settings.longRunConcurrency(), BenchSettings.describe(d));
        LevelResult r = level(load, Operation.WRITE, settings.longRunConcurrency(), seconds,
                "long run: writes at " + settings.longRunConcurrency() + " in flight", "long run");
        progress.say("long run: %,.0f ops/s  p50 %s ms  p99 %s ms  p99.9 %s ms; %d leader changes; terms seen %s",
                r.opsPerSecond(), BenchReport.millis(r.micros(50)), BenchReport.millis(r.micros(99)),
                BenchReport.millis(r.micros(99.9)), leaders.changes().size(), leaders.termsSeen());
        return r;
    }
}
