package org.vostok.rsvc.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.vostok.client.VostokClient;
import org.vostok.client.register.RegisterClient;
import org.vostok.rdb.RdbConfig;
import org.vostok.rsvc.register.RegisterService;
import org.vostok.rsvc.testing.InProcessCluster;
import org.vostok.testing.workload.JitQuiet;
import org.vostok.vos.PoolBackend;

/**
 * The register service's write throughput and latency, shaped like the peers' benchmark
 * ({@code ../shared/peers}): three replicas in one JVM, each a node with its own loopback port
 * and durable pool, talking Raft over Netty; the load comes as client requests over TCP to the
 * leader (1 KiB writes of the register service, keys drawn from 100,000), from one closed loop
 * that keeps {@code conc} writes in flight. Each write is acknowledged once it is committed on
 * a majority and applied on the leader.
 *
 * <p>Output: {@code RESULT system=vostok-rsvc-<backend> conc=... ops_per_s=... p50_us=...
 * p99_us=... p999_us=...} lines, the format {@code shared/peers/summarize.py} reads. PMDK pools
 * are durable only with {@code PMEM_IS_PMEM_FORCE=0}; with it set to 1 the system is labelled
 * {@code vostok-rsvc-pmem-forced}, so the figure is never taken for a durable one.
 *
 * <pre>
 * RsvcBench [--dir=DIR] [--backend=wal[,pmem]] [--conc=1,16,64,256] [--seconds=8] [--warmup-seconds=5]
 *           [--warmup-seconds-max=120] [--pool-mib=512] [--value-bytes=1024] [--keys=100000] [--stall-ms=0]
 *           [--slice-keys=256]
 * </pre>
 * The warm-up (writes at 16 in flight, not measured) lasts {@code --warmup-seconds}, then goes on in
 * steps of {@value #WARMUP_STEP_SECONDS} s while the JVM's JIT compilers used {@link JitQuiet#QUIET_SHARE}
 * of a core or more in the last one, up to {@code --warmup-seconds-max}, as {@code vostok bench}'s does:
 * the first level otherwise measures C2 compiling too (p99 at 1 in flight 5.8 to 7.0 times p50 after
 * 5 s of warm-up on a 2-core machine, 4.1 to 5.2 times once the compilers were quiet; four runs each).
 * With {@code --stall-ms=N} a watcher counts the stalls, spans of N ms or more in which no write
 * completed although writes were in flight, and prints to stderr what every thread was doing at
 * the first moment of each (at most {@link StallWatch#DUMPS_MAX} per level): the tool for finding
 * what holds the whole pipeline up.
 * Without {@code --dir} the pools go to a new temporary directory, removed at the end.
 * The pools are 512 MiB, as in the in-process benchmark and {@code vostok bench}: 100,000 keys of
 * 1 KiB with their request records fill about 120 MiB, so smaller pools measure a full pool's
 * NOSPACE handling rather than throughput.
 */
public final class RsvcBench {

    private static final long SERVICE = 100;
    /** After {@code --warmup-seconds}, the warm-up goes on in steps this long while the compilers are busy. */
    static final double WARMUP_STEP_SECONDS = 5;
    /** How long the last writes of a level may take to come back before the level is abandoned. */
    private static final long DRAIN_SECONDS_MAX = 60;

    private record Options(List<PoolBackend> backends, List<Integer> levels, double seconds, double warmup,
                           double warmupMax, Path dir, boolean ownDir, long poolBytes, int valueBytes, int keys,
                           long stallMillis, int sliceKeys) {

        static Options parse(String[] args) throws IOException {
            List<PoolBackend> backends = List.of(PoolBackend.WAL);
            List<Integer> levels = List.of(1, 16, 64, 256);
            double seconds = 8;
            double warmup = 5;
            double warmupMax = 120;
            Path dir = null;
            long poolMiB = 512;
            int valueBytes = 1024;
            int keys = 100_000;
            long stallMillis = 0;
            int sliceKeys = 0;
            for (String a : args) {
                String[] kv = a.replaceFirst("^--", "").split("=", 2);
                String v = kv.length > 1 ? kv[1] : "";
                try {
                    switch (kv[0]) {
                        case "dir" -> dir = Path.of(v);
                        case "backend" -> {
                            backends = new ArrayList<>();
                            for (String b : v.split(",")) {
                                if (!b.equals("wal") && !b.equals("pmem")) {
                                    throw new IllegalArgumentException("--backend takes wal and/or pmem, got " + b);
                                }
                                backends.add(PoolBackend.valueOf(b.toUpperCase(Locale.ROOT)));
                            }
                        }
                        case "conc" -> {
                            levels = new ArrayList<>();
                            for (String s : v.split(",")) {
                                levels.add(Integer.parseInt(s.trim()));
                            }
                        }
                        case "seconds" -> seconds = Double.parseDouble(v);
                        case "warmup-seconds" -> warmup = Double.parseDouble(v);
                        case "warmup-seconds-max" -> warmupMax = Double.parseDouble(v);
                        case "pool-mib" -> poolMiB = Long.parseLong(v);
                        case "value-bytes" -> valueBytes = Integer.parseInt(v);
                        case "keys" -> keys = Integer.parseInt(v);
                        case "stall-ms" -> stallMillis = Long.parseLong(v);
                        case "slice-keys" -> sliceKeys = Integer.parseInt(v);
                        case "help" -> throw new IllegalArgumentException("usage");
                        default -> throw new IllegalArgumentException("unknown option " + a);
                    }
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("option " + a + " needs a number");
                }
            }
            for (int c : levels) {
                if (c < 1) {
                    throw new IllegalArgumentException("--conc takes counts of 1 or more, got " + c);
                }
            }
            if (seconds <= 0 || warmup < 0 || warmupMax < 0 || poolMiB < 64 || valueBytes < 1 || keys < 1
                    || stallMillis < 0) {
                throw new IllegalArgumentException("--seconds must be above 0, --warmup-seconds and"
                        + " --warmup-seconds-max at least 0, --pool-mib at least 64, --value-bytes and --keys at"
                        + " least 1, --stall-ms at least 0");
            }
            boolean own = dir == null;
            Path d = own ? Files.createTempDirectory("rsvc-bench") : dir;
            return new Options(List.copyOf(backends), List.copyOf(levels), seconds, warmup, warmupMax, d, own,
                    poolMiB << 20,
                    valueBytes, keys, stallMillis, sliceKeys);
        }
    }

    private final Options options;
    private final byte[] value;
    private final byte[][] keys;
    private final String pmemForce = System.getenv().getOrDefault("PMEM_IS_PMEM_FORCE", "");

    private RsvcBench(Options options) {
        this.options = options;
        this.value = new byte[options.valueBytes()];
        new SplittableRandom(42).nextBytes(value);
        this.keys = new byte[options.keys()][];
        for (int k = 0; k < keys.length; k++) {
            keys[k] = ("key-" + k).getBytes(StandardCharsets.UTF_8);
        }
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            if (!e.getMessage().equals("usage")) {
                System.err.println("rsvc-bench: " + e.getMessage());
            }
            System.err.println("usage: RsvcBench [--dir=DIR] [--backend=wal[,pmem]] [--conc=1,16,64,256]"
                    + " [--seconds=8] [--warmup-seconds=5] [--warmup-seconds-max=120] [--pool-mib=512]"
                    + " [--value-bytes=1024] [--keys=100000] [--stall-ms=0] [--slice-keys=256]");
            System.exit(2);
            return;
        }
        try {
            new RsvcBench(options).run();
        } finally {
            if (options.ownDir()) {
                deleteRecursively(options.dir());
            }
        }
        System.exit(0);
    }

    private void run() throws Exception {
        System.out.printf(Locale.ROOT, "# rsvc-bench: backends=%s conc=%s warmup=%.1f..%.1fs seconds=%.1fs value=%dB"
                        + " keys=%d pool=%dMiB dir=%s PMEM_IS_PMEM_FORCE=%s java=%s cpus=%d%n", options.backends(),
                options.levels(), options.warmup(), Math.max(options.warmup(), options.warmupMax()), options.seconds(),
                options.valueBytes(), options.keys(),
                options.poolBytes() >> 20, options.dir(), pmemForce.isEmpty() ? "(unset)" : pmemForce,
                Runtime.version(), Runtime.getRuntime().availableProcessors());
        for (PoolBackend backend : options.backends()) {
            runBackend(backend);
        }
    }

    /**
     * Writes at 16 in flight for {@code --warmup-seconds}, then on in steps while the JIT
     * compilers were busy in the last one, up to {@code --warmup-seconds-max}.
     */
    private void warmUp(String system, RegisterClient reg) throws InterruptedException {
        String did = JitQuiet.warmUp(options.warmup(), options.warmupMax(), WARMUP_STEP_SECONDS, seconds -> {
            Result r = run(reg, 16, seconds);
            return new JitQuiet.Span(r.ok, r.seconds);
        });
        System.out.printf(Locale.ROOT, "# %s: warm-up at 16 in flight: %s%n", system, did);
    }

    private String system(PoolBackend backend) {
        String name = backend.name().toLowerCase(Locale.ROOT);
        return "vostok-rsvc-" + (backend == PoolBackend.PMEM && pmemForce.equals("1") ? "pmem-forced" : name);
    }

    private void runBackend(PoolBackend backend) throws Exception {
        String system = system(backend);
        Path dir = options.dir().resolve("rsvc-" + backend.name().toLowerCase(Locale.ROOT));
        deleteRecursively(dir);
        long started = System.nanoTime();
        try (InProcessCluster cluster = new InProcessCluster(dir, 3, config(), backend,
                options.poolBytes())) {
            cluster.createService(RegisterService.NAME, SERVICE);
            VostokClient client = cluster.client();
            RegisterClient reg = RegisterClient.of(client, SERVICE);
            reg.write(keys[0], value);
            System.out.printf(Locale.ROOT, "# %s: three nodes on %s, %s, %s; the register service answered after %d ms"
                            + " (leader: node %d)%n", system, cluster.address(1), cluster.address(2),
                    cluster.address(3), (System.nanoTime() - started) / 1_000_000,
                    reg.service().leader().map(r -> r.nodeId()).orElse(0L));
            if (options.warmup() > 0) {
                warmUp(system, reg);
            }
            for (int conc : options.levels()) {
                Result r = run(reg, conc, options.seconds());
                System.out.printf(Locale.ROOT, "RESULT system=%s rpc=netty conc=%d ops=%d failed=%d ops_per_s=%.0f"
                                + " p50_us=%d p99_us=%d p999_us=%d secs=%.2f cpu_us_per_op=%.1f%n", system, conc, r.ok,
                        r.failed, r.ok / r.seconds, micros(r.histogram, 50), micros(r.histogram, 99),
                        micros(r.histogram, 99.9), r.seconds, r.cpuMicros / Math.max(1, r.ok));
                if (options.stallMillis() > 0) {
                    System.out.printf(Locale.ROOT, "# %s conc=%d: %d stalls (no write completed for %d ms or more),"
                                    + " %d ms in all, the longest %d ms%n", system, conc, r.stalls.count(),
                            options.stallMillis(), r.stalls.totalMillis(), r.stalls.longestMillis());
                }
            }
        }
        deleteRecursively(dir);
    }

    private RdbConfig config() {
        return options.sliceKeys() > 0 ? RdbConfig.builder().aggregationSliceKeys(options.sliceKeys()).build()
                : RdbConfig.defaults();
    }

    private static long micros(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1000;
    }

    private record Result(long ok, long failed, double seconds, Histogram histogram, double cpuMicros,
                          StallWatch.Summary stalls) {
    }

    /** A closed loop keeping {@code conc} writes in flight for {@code seconds}. */
    private Result run(RegisterClient reg, int conc, double seconds) throws InterruptedException {
        ConcurrentHistogram h = new ConcurrentHistogram(TimeUnit.SECONDS.toNanos(60), 3);
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong next = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        CountDownLatch idle = new CountDownLatch(conc);
        StallWatch watch = new StallWatch(options.stallMillis(), "conc=" + conc);
        long cpuBefore = processCpuNanos();
        long start = System.nanoTime();
        watch.start();
        for (int i = 0; i < conc; i++) {
            issue(reg, next, ok, failed, running, idle, h, watch);
        }
        Thread.sleep((long) (seconds * 1000));
        running.set(false);
        long elapsed = System.nanoTime() - start;
        StallWatch.Summary stalls = watch.stop();
        if (!idle.await(DRAIN_SECONDS_MAX, TimeUnit.SECONDS)) {
            throw new IllegalStateException("writes still in flight " + DRAIN_SECONDS_MAX + " s after the level ended");
        }
        double cpu = (processCpuNanos() - cpuBefore) / 1000.0;
        return new Result(ok.get(), failed.get(), elapsed / 1e9, h, cpu, stalls);
    }

    private void issue(RegisterClient reg, AtomicLong next, AtomicLong ok, AtomicLong failed, AtomicBoolean running,
                       CountDownLatch idle, ConcurrentHistogram h, StallWatch watch) {
        if (!running.get()) {
            idle.countDown();
            return;
        }
        // A multiplicative hash spreads consecutive writes over the keys, as the peers' benchmark does.
        int k = (int) Math.floorMod(next.incrementAndGet() * 0x9E3779B97F4A7C15L, (long) keys.length);
        long t0 = System.nanoTime();
        CompletableFuture<Void> f = reg.writeAsync(keys[k], value);
        f.whenComplete((v, e) -> {
            if (e == null) {
                long t1 = System.nanoTime();
                h.recordValue(t1 - t0);
                ok.incrementAndGet();
                watch.completed(t1);
            } else {
                if (failed.incrementAndGet() <= 3) {
                    System.err.println("bench: a write failed: " + e);
                }
            }
            issue(reg, next, ok, failed, running, idle, h, watch);
        });
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not remove " + dir, e);
        }
    }
}
