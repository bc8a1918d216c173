package org.vostok.server.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
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

    /** Writes (and reads, when measured) at this many in flight warm the JVMs up before the first level (not measured). */
    static final int WARMUP_CONCURRENCY = 16;
    /**
     * After its first {@code --warmup-seconds}, the warm-up goes on in steps this long while
     * the JIT compilers of any of the four processes were busy in the last one.
     */
    static final double WARMUP_STEP_SECONDS = 5;
    /**
     * A process's compilers count as quiet below this share of one core. Measured on a 2-core
     * machine: about 0.2 in each process for the first 20-30 s of load, then 0-0.05 with rare
     * bursts up to 0.07 as the last methods are compiled.
     */
    static final double JIT_QUIET_SHARE = 0.05;
    /**
     * A level during which some process's compilers used this share of a core or more is
     * reported as measuring them too (a new level's new code paths get compiled at its start:
     * up to 0.08 after a quiet warm-up).
     */
    static final double LEVEL_JIT_BUSY_SHARE = 0.10;
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
                    warmUp(load);
                }
                Optional<JitActivity> jit = JitActivity.of(processes());
                for (Operation op : settings.operations()) {
                    if (op == Operation.READ && load.writes() < READ_PREFILL_WRITES) {
                        level(load, Operation.WRITE, WARMUP_CONCURRENCY, 1, "writes for the reads to find", "fill");
                    }
                    for (int conc : settings.levels()) {
                        jit.ifPresent(JitActivity::sample);
                        LevelResult r = level(load, op, conc, settings.secondsPerLevel(),
                                op.label() + "s at " + conc + " in flight", op.label().charAt(0) + " " + conc);
                        levels.add(r);
                        progress.say("%-5s %4d in flight: %,8.0f ops/s  p50 %s ms  p99 %s ms  p99.9 %s ms%s",
                                op.label(), conc, r.opsPerSecond(), BenchReport.millis(r.micros(50)),
                                BenchReport.millis(r.micros(99)), BenchReport.millis(r.micros(99.9)),
                                r.failed() == 0 ? "" : "  (" + r.failed() + " FAILED)");
                        jit.map(JitActivity::sample).filter(BenchRun::compilersBusy).ifPresent(shares -> progress.say(
                                "      the JIT compilers were busy during this level (%s): its figures include the"
                                        + " JVMs' warm-up", describe(shares)));
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
        return level(load, op, conc, seconds, seconds, () -> true, label, tag);
    }

    private LevelResult level(RegisterLoad load, Operation op, int conc, double minSeconds, double maxSeconds,
                              BooleanSupplier enough, String label, String tag) throws InterruptedException {
        ClosedLoop loop = new ClosedLoop(load, op, conc);
        timeline.beginPhase(label, tag, false);
        progress.beginPhase(label, Math.max(minSeconds, maxSeconds), "s", () -> timeline.now() - phaseStart(),
                loop::completed);
        try {
            return loop.run(minSeconds, maxSeconds, WARMUP_STEP_SECONDS, enough, leaders);
        } finally {
            progress.endPhase();
            timeline.endPhase();
        }
    }

    /**
     * Writes at {@value #WARMUP_CONCURRENCY} in flight for {@code --warmup-seconds}, then on
     * until the JIT compilers of the client and the three nodes are quiet: four JVMs compile on
     * the same cores, and levels measured while they still do measure the compilers (writes at 1
     * in flight at 2.5-3.3 ms instead of 1.2 ms at the median, after the 5 s that used to be the
     * whole warm-up). When reads are measured, reads the same way after the writes: a read runs
     * code a write does not (the read epoch, the lookup, the reply with a value), and after
     * writes alone the first read level measured its compilation (the leader's compilers at
     * 0.11-0.13 of a core; reads at 1 in flight with a p99 of 8.3-10.4 times p50 in four runs,
     * 4.2-5.0 in four of five after a read warm-up).
     */
    private void warmUp(RegisterLoad load) throws InterruptedException {
        warmUp(load, Operation.WRITE);
        if (settings.operations().contains(Operation.READ)) {
            warmUp(load, Operation.READ);
        }
    }

    private void warmUp(RegisterLoad load, Operation op) throws InterruptedException {
        Optional<JitActivity> jit = JitActivity.of(processes());
        double max = Math.max(settings.warmupSeconds(), settings.warmupSecondsMax());
        AtomicReference<Map<Long, Double>> last = new AtomicReference<>(Map.of());
        BooleanSupplier quiet = () -> jit.map(j -> {
            Map<Long, Double> shares = j.sample();
            last.set(shares);
            return quiet(shares);
        }).orElse(true);
        LevelResult w = level(load, op, WARMUP_CONCURRENCY, settings.warmupSeconds(), max, quiet,
                "warm-up: " + op.label() + "s at " + WARMUP_CONCURRENCY + " in flight", "warm-up");
        if (jit.isPresent() && last.get().isEmpty()) {
            // --warmup-seconds-max at or below --warmup-seconds: never asked, so say how the whole warm-up went
            last.set(jit.get().sample());
        }
        String why;
        if (jit.isEmpty()) {
            why = "; the JIT compilers' activity cannot be read here (no /proc), so the warm-up took its least";
        } else if (quiet(last.get())) {
            why = ", until the JIT compilers were quiet (" + describe(last.get()) + String.format(Locale.ROOT,
                    " in the last %.0f s)", w.seconds() > settings.warmupSeconds() ? WARMUP_STEP_SECONDS
                            : settings.warmupSeconds());
        } else {
            why = "; the JIT compilers were STILL BUSY at its end (" + describe(last.get()) + "): the first levels"
                    + " measure them too (a longer --warmup-seconds-max helps)";
        }
        progress.say("warm-up: %,d %ss at %d in flight in %.0f s, not counted%s", w.ok(), op.label(),
                WARMUP_CONCURRENCY, w.seconds(), why);
    }

    /** The client (this process) and the three nodes, in that order. */
    private List<Long> processes() {
        List<Long> pids = new ArrayList<>();
        pids.add(ProcessHandle.current().pid());
        for (long id : cluster.nodeIds()) {
            pids.add(cluster.pid(id));
        }
        return pids;
    }

    /** Whether any process's compilers used {@value #LEVEL_JIT_BUSY_SHARE} of a core or more. */
    private static boolean compilersBusy(Map<Long, Double> shares) {
        return shares.values().stream().anyMatch(v -> v >= LEVEL_JIT_BUSY_SHARE);
    }

    private static boolean quiet(Map<Long, Double> shares) {
        return shares.values().stream().allMatch(v -> v < JIT_QUIET_SHARE);
    }

    /** "client 0.01, node 1 0.12, ..." of a core, by process. */
    private String describe(Map<Long, Double> shares) {
        List<String> parts = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        shares.forEach((pid, share) -> {
            String who = pid == self ? "client" : cluster.nodeIds().stream().filter(id -> cluster.pid(id) == pid)
                    .findFirst().map(id -> "node " + id).orElse("process " + pid);
            parts.add(String.format(Locale.ROOT, "%s %.2f", who, share));
        });
        return String.join(", ", parts) + " of a core";
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
