package org.vostok.rsvc.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.vostok.client.VostokClient;
import org.vostok.client.register.RegisterClient;
import org.vostok.rdb.RdbConfig;
import org.vostok.rsvc.register.RegisterService;
import org.vostok.rsvc.testing.InProcessCluster;
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
 * p99_us=... p999_us=...} lines, the format {@code shared/peers/summarize.py} reads.
 *
 * <pre>
 * RsvcBench --dir=DIR [--backend=wal|pmem] [--conc=1,16,64,256] [--seconds=8] [--warmup-seconds=5]
 * </pre>
 */
public final class RsvcBench {

    private static final long SERVICE = 100;
    private static final int KEYS = 100_000;
    private static final int VALUE_BYTES = 1024;

    private RsvcBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = null;
        PoolBackend backend = PoolBackend.WAL;
        List<Integer> levels = List.of(1, 16, 64, 256);
        double seconds = 8;
        double warmup = 5;
        for (String a : args) {
            String v = a.substring(a.indexOf('=') + 1);
            if (a.startsWith("--dir=")) {
                dir = Path.of(v);
            } else if (a.startsWith("--backend=")) {
                backend = PoolBackend.valueOf(v.toUpperCase(Locale.ROOT));
            } else if (a.startsWith("--conc=")) {
                levels = new ArrayList<>();
                for (String s : v.split(",")) {
                    levels.add(Integer.parseInt(s.trim()));
                }
            } else if (a.startsWith("--seconds=")) {
                seconds = Double.parseDouble(v);
            } else if (a.startsWith("--warmup-seconds=")) {
                warmup = Double.parseDouble(v);
            } else {
                System.err.println("usage: RsvcBench --dir=DIR [--backend=wal|pmem] [--conc=1,16,64,256]"
                        + " [--seconds=8] [--warmup-seconds=5]");
                System.exit(2);
            }
        }
        if (dir == null) {
            dir = Files.createTempDirectory("rsvc-bench");
        }
        String system = "vostok-rsvc-" + backend.name().toLowerCase(Locale.ROOT);
        try (InProcessCluster cluster = new InProcessCluster(dir, 3, RdbConfig.defaults(), backend)) {
            cluster.createService(RegisterService.NAME, SERVICE);
            VostokClient client = cluster.client();
            RegisterClient reg = RegisterClient.of(client, SERVICE);
            reg.write(key(0), new byte[VALUE_BYTES]);
            run(reg, 16, warmup);
            for (int conc : levels) {
                Result r = run(reg, conc, seconds);
                System.out.printf(Locale.ROOT, "RESULT system=%s conc=%d ops=%d failed=%d ops_per_s=%.0f p50_us=%d"
                                + " p99_us=%d p999_us=%d secs=%.2f cpu_us_per_op=%.1f%n", system, conc, r.ok, r.failed,
                        r.ok / r.seconds, r.histogram.getValueAtPercentile(50) / 1000,
                        r.histogram.getValueAtPercentile(99) / 1000, r.histogram.getValueAtPercentile(99.9) / 1000,
                        r.seconds, r.cpuMicros / Math.max(1, r.ok));
            }
        }
    }

    private static byte[] key(long k) {
        return ("key-" + k).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private record Result(long ok, long failed, double seconds, Histogram histogram, double cpuMicros) {
    }

    /** A closed loop keeping {@code conc} writes in flight for {@code seconds}. */
    static Result run(RegisterClient reg, int conc, double seconds) throws InterruptedException {
        ConcurrentHistogram h = new ConcurrentHistogram(TimeUnit.SECONDS.toNanos(60), 3);
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicLong next = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        java.util.concurrent.CountDownLatch idle = new java.util.concurrent.CountDownLatch(conc);
        byte[] value = new byte[VALUE_BYTES];
        long cpuBefore = processCpuNanos();
        long start = System.nanoTime();
        for (int i = 0; i < conc; i++) {
            issue(reg, value, next, ok, failed, running, idle, h);
        }
        Thread.sleep((long) (seconds * 1000));
        running.set(false);
        long elapsed = System.nanoTime() - start;
        idle.await(60, TimeUnit.SECONDS);
        double cpu = (processCpuNanos() - cpuBefore) / 1000.0;
        return new Result(ok.get(), failed.get(), elapsed / 1e9, h, cpu);
    }

    private static void issue(RegisterClient reg, byte[] value, AtomicLong next, AtomicLong ok, AtomicLong failed,
                              AtomicBoolean running, java.util.concurrent.CountDownLatch idle, ConcurrentHistogram h) {
        if (!running.get()) {
            idle.countDown();
            return;
        }
        long k = Math.floorMod(next.incrementAndGet() * 0x9E3779B97F4A7C15L, KEYS);
        long t0 = System.nanoTime();
        CompletableFuture<Void> f = reg.writeAsync(key(k), value);
        f.whenComplete((v, e) -> {
            if (e == null) {
                h.recordValue(System.nanoTime() - t0);
                ok.incrementAndGet();
            } else {
                if (failed.incrementAndGet() <= 3) {
                    System.err.println("bench: a write failed: " + e);
                }
            }
            issue(reg, value, next, ok, failed, running, idle, h);
        });
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
