package org.vostok.rdb.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.vostok.rdb.RdbConfig;
import org.vostok.rdb.Replica;
import org.vostok.rdb.Tx;
import org.vostok.rdb.model.KvsPath;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.model.RequestId;
import org.vostok.rdb.testing.RecordingListener;
import org.vostok.rdb.testing.TestCluster;
import org.vostok.testing.workload.JitQuiet;
import org.vostok.vos.Container;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.Pool;
import org.vostok.vos.PoolOptions;
import org.vostok.vos.Transaction;
import org.vostok.vos.VosProvider;

/**
 * The rdb benchmark of issue 4: commits per second and p50/p99 latency of single-update
 * transactions (one value of {@code --value-bytes}, 1 KiB by default) on a 3-replica cluster in
 * one process ({@link org.vostok.rdb.transport.LocalNetwork}, no artificial delay) with durable
 * pools, at each concurrency of {@code --conc} (transactions in flight), for each pool backend of
 * {@code --backend}. Next to them it prints the pool's own persist latency, measured in the same
 * run: one-update VOS transactions on a pool of that backend in the same directory.
 *
 * <p>Output: {@code RESULT system=vostok-<backend> conc=<n> ops_per_s=<n> p50_us=<n> p99_us=<n>
 * ...} lines, the format of {@code shared/peers} (its {@code summarize.py} reads them), and
 * {@code RESULT system=vostok-<backend>-persist ...} for the pool alone. The PMDK backend is
 * durable only with {@code PMEM_IS_PMEM_FORCE=0} (PMDK then msyncs); run with it set to 1 it is
 * labelled {@code vostok-pmem-forced}, so the figure is never taken for a durable one.
 *
 * <p>Method, as the peers': a closed loop from one issuing thread that keeps at most {@code conc}
 * transactions in flight (begin on the leader, one update, commit; the next begins when one
 * completes), a warm-up at 16 in flight, then each concurrency for {@code --seconds}. The warm-up
 * lasts {@code --warmup-seconds}, then goes on in steps of {@value #WARMUP_STEP_SECONDS} s while the
 * JVM's JIT compilers used {@link JitQuiet#QUIET_SHARE} of a core or more in the last one, up to
 * {@code --warmup-seconds-max} (as {@code vostok bench} and the netty mode do). Latency is
 * from {@code begin} to the commit's completion (committed on a majority and applied on the
 * leader). Unlike the peers there is no client hop: the transactions begin on the leader, as a
 * service's handler does.
 *
 * <pre>
 *   java --enable-native-access=ALL-UNNAMED -cp ... org.vostok.rdb.bench.RdbBench \
 *       [--backend=pmem,wal] [--conc=1,16,64] [--warmup-seconds=5] [--warmup-seconds-max=120] [--seconds=8] \
 *       [--persist-seconds=2] [--dir=/tmp/rdb-bench] [--pool-mib=512] [--value-bytes=1024] \
 *       [--keys=100000] [--ops-max=4000000] [--keep] [--request-ids]
 * </pre>
 *
 * <p>{@code --request-ids} tags every transaction with a request id of its own (the run's client id
 * and the next sequence number, as rsvc passes a client's update on), so that each commit also
 * writes a request record, as a service's update does (rsvc's exactly-once updates); its rows are
 * labelled {@code vostok-<backend>-reqid}.
 */
public final class RdbBench {

    private record Options(List<String> backends, int[] concurrency, double warmupSeconds, double warmupSecondsMax,
                           double seconds,
                           double persistSeconds, Path dir, long poolBytes, int valueBytes, int keys, int opsMax,
                           boolean keep, boolean requestIds) {

        static Options parse(String[] args) {
            List<String> backends = List.of("pmem", "wal");
            int[] conc = {1, 16, 64};
            double warmup = 5;
            double warmupMax = 120;
            double seconds = 8;
            double persist = 2;
            Path dir = Path.of(System.getProperty("java.io.tmpdir"), "rdb-bench");
            long poolMiB = 512;
            int valueBytes = 1024;
            int keys = 100_000;
            int opsMax = 4_000_000;
            boolean keep = false;
            boolean requestIds = false;
            for (String a : args) {
                String[] kv = a.replaceFirst("^--", "").split("=", 2);
                String v = kv.length > 1 ? kv[1] : "";
                try {
                    switch (kv[0]) {
                        case "backend" -> backends = List.of(v.split(","));
                        case "conc" -> conc = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
                        case "warmup-seconds" -> warmup = Double.parseDouble(v);
                        case "warmup-seconds-max" -> warmupMax = Double.parseDouble(v);
                        case "seconds" -> seconds = Double.parseDouble(v);
                        case "persist-seconds" -> persist = Double.parseDouble(v);
                        case "dir" -> dir = Path.of(v);
                        case "pool-mib" -> poolMiB = Long.parseLong(v);
                        case "value-bytes" -> valueBytes = Integer.parseInt(v);
                        case "keys" -> keys = Integer.parseInt(v);
                        case "ops-max" -> opsMax = Integer.parseInt(v);
                        case "keep" -> keep = true;
                        case "request-ids" -> requestIds = true;
                        case "help" -> throw new IllegalArgumentException("usage");
                        default -> throw new IllegalArgumentException("unknown option " + a);
                    }
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("option " + a + " needs a number");
                }
            }
            for (String b : backends) {
                if (!b.equals("pmem") && !b.equals("wal")) {
                    throw new IllegalArgumentException("--backend takes pmem and/or wal, got " + b);
                }
            }
            for (int c : conc) {
                if (c < 1) {
                    throw new IllegalArgumentException("--conc takes counts of 1 or more, got " + c);
                }
            }
            if (seconds <= 0 || warmup < 0 || warmupMax < 0 || persist <= 0 || poolMiB < 64 || valueBytes < 1
                    || keys < 1 || opsMax < 1) {
                throw new IllegalArgumentException("--seconds and --persist-seconds must be above 0, --warmup-seconds"
                        + " and --warmup-seconds-max at least 0, --pool-mib at least 64, --value-bytes, --keys and"
                        + " --ops-max at least 1");
            }
            return new Options(backends, conc, warmup, warmupMax, seconds, persist, dir, poolMiB << 20, valueBytes,
                    keys, opsMax, keep, requestIds);
        }
    }

    /**
     * Latencies of one measured run, in nanoseconds, what it achieved, and the CPU time the whole
     * process used meanwhile (every replica, the issuing thread, the JIT and the collector).
     */
    private record Run(int concurrency, long ok, long failed, double seconds, long[] sortedNanos, long cpuNanos) {
        double opsPerSecond() {
            return ok / seconds;
        }

        double cpuMicrosPerOp() {
            return ok == 0 ? Double.NaN : cpuNanos / 1e3 / ok;
        }

        double percentileMicros(double p) {
            return RdbBench.percentileMicros(sortedNanos, p);
        }
    }

    /** After {@code --warmup-seconds}, the warm-up goes on in steps this long while the compilers are busy. */
    static final double WARMUP_STEP_SECONDS = 5;

    private final Options options;
    private final byte[] value;
    private final String pmemForce = System.getenv().getOrDefault("PMEM_IS_PMEM_FORCE", "");
    /** With --request-ids: this run's client id, and the sequence number of its next request (issuing thread only). */
    private final UUID clientId;
    private long requestSequence;

    private RdbBench(Options options) {
        this.options = options;
        this.value = new byte[options.valueBytes()];
        new SplittableRandom(42).nextBytes(value);
        SplittableRandom ids = new SplittableRandom(7);
        this.clientId = new UUID(ids.nextLong(), ids.nextLong());
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            if (!e.getMessage().equals("usage")) {
                System.err.println("rdb-bench: " + e.getMessage());
            }
            System.err.println("usage: RdbBench [--backend=pmem,wal] [--conc=1,16,64] [--warmup-seconds=5]"
                    + " [--warmup-seconds-max=120]"
                    + " [--seconds=8] [--persist-seconds=2] [--dir=DIR] [--pool-mib=512] [--value-bytes=1024]"
                    + " [--keys=100000] [--ops-max=4000000] [--keep] [--request-ids]");
            System.exit(2);
            return;
        }
        new RdbBench(options).run();
        System.exit(0);
    }

    private void run() throws Exception {
        System.out.printf(Locale.ROOT, "# rdb-bench: backends=%s conc=%s warmup=%.1f..%.1fs seconds=%.1fs value=%dB"
                        + " keys=%d request-ids=%s pool=%dMiB dir=%s PMEM_IS_PMEM_FORCE=%s java=%s cpus=%d%n",
                options.backends(), Arrays.toString(options.concurrency()), options.warmupSeconds(),
                Math.max(options.warmupSeconds(), options.warmupSecondsMax()), options.seconds(),
                options.valueBytes(), options.keys(), options.requestIds(), options.poolBytes() >> 20, options.dir(),
                pmemForce.isEmpty() ? "(unset)" : pmemForce, Runtime.version(),
                Runtime.getRuntime().availableProcessors());
        for (String backend : options.backends()) {
            runBackend(backend);
        }
    }

    /** The label of a backend's rows (its commit rows add {@code -reqid} under --request-ids). */
    private String system(String backend) {
        return backend.equals("pmem") && pmemForce.equals("1") ? "vostok-pmem-forced" : "vostok-" + backend;
    }

    private static PoolOptions poolOptions(String backend) {
        return backend.equals("wal") ? PoolOptions.wal() : PoolOptions.pmem();
    }

    private void runBackend(String backend) throws Exception {
        Path dir = options.dir().resolve(backend);
        deleteRecursively(dir);
        Files.createDirectories(dir);
        Run persist = measurePersist(dir.resolve("persist.pool"), poolOptions(backend));
        System.out.printf(Locale.ROOT, "RESULT system=%s-persist conc=1 ops_per_s=%.0f p50_us=%.0f p99_us=%.0f%n",
                system(backend), persist.opsPerSecond(), persist.percentileMicros(0.50), persist.percentileMicros(0.99));
        String system = system(backend) + (options.requestIds() ? "-reqid" : "");
        RdbConfig config = RdbConfig.builder().randomSeed(42).build();
        long started = System.nanoTime();
        try (TestCluster cluster = TestCluster.start(dir, 3, config, 42, id -> new RecordingListener(),
                poolOptions(backend), options.poolBytes())) {
            Replica leader = cluster.awaitLeader();
            System.out.printf(Locale.ROOT, "# %s: replica %d leads term %d after %d ms%n", system, leader.id(),
                    leader.status().term(), (System.nanoTime() - started) / 1_000_000);
            cluster.commit(tx -> tx.createRoot(KeyOrder.INTEGER));
            if (options.warmupSeconds() > 0) {
                warmUp(cluster, system);
            }
            for (int conc : options.concurrency()) {
                Run r = measure(cluster, conc, options.seconds());
                System.out.printf(Locale.ROOT, "RESULT system=%s conc=%d ops=%d failed=%d ops_per_s=%.0f p50_us=%.0f"
                                + " p99_us=%.0f secs=%.2f persist_p50_us=%.0f cpu_us_per_op=%.1f%n", system, conc, r.ok(),
                        r.failed(), r.opsPerSecond(), r.percentileMicros(0.50), r.percentileMicros(0.99), r.seconds(),
                        persist.percentileMicros(0.50), r.cpuMicrosPerOp());
            }
            Replica l = cluster.awaitLeader();
            System.out.printf(Locale.ROOT, "# %s: leader %d, term %d, applied %d, log base %d, pool free %d MiB%n",
                    system, l.id(), l.status().term(), l.status().appliedIndex(), l.status().baseIndex(),
                    cluster.pool(l.id()).query().freeBytes() >> 20);
        }
        if (!options.keep()) {
            deleteRecursively(dir);
        }
    }

    /**
     * One-update VOS transactions (a value of {@code --value-bytes} at a new epoch each) on a
     * fresh pool of the backend, one after another, for {@code --persist-seconds}: what one
     * durable local transaction costs on this file system.
     */
    private Run measurePersist(Path path, PoolOptions poolOptions) {
        VosProvider vos = VosProvider.load();
        UUID uuid = UUID.nameUUIDFromBytes(path.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        long[] nanos = new long[1 << 20];
        int n = 0;
        double seconds;
        try (Pool pool = vos.createPool(path, 64L << 20, poolOptions)) {
            pool.createContainer(uuid);
            try (Container c = pool.openContainer(uuid); Transaction tx = pool.newTransaction()) {
                tx.createObject(c, 1, KeyOrder.INTEGER, 1).commit();
                long epoch = 2;
                // A short warm-up: the first transactions grow the tree and fault pages in.
                for (int i = 0; i < 200; i++, epoch++) {
                    tx.update(c, 1, epoch % options.keys(), epoch, value).commit();
                }
                long t0 = System.nanoTime();
                long deadline = t0 + (long) (options.persistSeconds() * 1e9);
                long end = t0;
                while (end < deadline && n < nanos.length) {
                    long s = System.nanoTime();
                    tx.update(c, 1, epoch % options.keys(), epoch, value).commit();
                    end = System.nanoTime();
                    nanos[n++] = end - s;
                    epoch++;
                }
                seconds = (end - t0) / 1e9;
            }
        }
        vos.destroyPool(path);
        long[] sorted = Arrays.copyOf(nanos, n);
        Arrays.sort(sorted);
        return new Run(1, n, 0, seconds, sorted, 0);
    }

    /**
     * Commits at 16 in flight for {@code --warmup-seconds}, then on in steps while the JIT
     * compilers were busy in the last one, up to {@code --warmup-seconds-max}.
     */
    private void warmUp(TestCluster cluster, String system) throws InterruptedException {
        String did = JitQuiet.warmUp(options.warmupSeconds(), options.warmupSecondsMax(), WARMUP_STEP_SECONDS,
                seconds -> {
                    Run r = measure(cluster, 16, seconds);
                    return new JitQuiet.Span(r.ok(), r.seconds());
                });
        System.out.printf(Locale.ROOT, "# %s: warm-up at 16 in flight: %s%n", system, did);
    }

    /**
     * A closed loop with at most {@code conc} transactions in flight for {@code seconds}: each
     * begins on the leader, updates one key of the root KVS and commits.
     */
    private Run measure(TestCluster cluster, int conc, double seconds) throws InterruptedException {
        Replica leader = cluster.awaitLeader();
        long term = leader.status().term();
        long[] nanos = new long[options.opsMax()];
        Semaphore window = new Semaphore(conc);
        AtomicLong failed = new AtomicLong();
        AtomicLong lastDone = new AtomicLong();
        AtomicReference<Throwable> firstError = new AtomicReference<>();
        KvsPath root = KvsPath.root();
        long cpu0 = processCpuNanos();
        long t0 = System.nanoTime();
        long deadline = t0 + (long) (seconds * 1e9);
        int issued = 0;
        while (issued < nanos.length && System.nanoTime() - deadline < 0) {
            if (!window.tryAcquire(1, TimeUnit.SECONDS)) {
                continue;
            }
            final int op = issued++;
            final long start = System.nanoTime();
            CompletableFuture<Long> f;
            try {
                Tx tx = leader.begin(term);
                if (options.requestIds()) {
                    tx.requestId(new RequestId(clientId, requestSequence++));
                }
                tx.update(root, Key.of(op % options.keys()), value);
                f = tx.commit();
            } catch (RdbException e) {
                f = CompletableFuture.failedFuture(e);
            }
            f.whenComplete((index, error) -> {
                long done = System.nanoTime();
                if (error != null) {
                    failed.incrementAndGet();
                    firstError.compareAndSet(null, error);
                } else {
                    nanos[op] = done - start;
                }
                lastDone.accumulateAndGet(done, Math::max);
                window.release();
            });
            if (firstError.get() != null && failed.get() > 1000) {
                break; // the leader is gone: no point in failing on
            }
        }
        if (!window.tryAcquire(conc, 120, TimeUnit.SECONDS)) {
            throw new IllegalStateException("transactions still in flight 120 s after the run ended");
        }
        long cpu = processCpuNanos() - cpu0;
        if (firstError.get() != null) {
            System.out.println("# " + failed.get() + " commits failed, the first with: " + firstError.get());
        }
        long ok = issued - failed.get();
        long[] sorted = Arrays.stream(nanos, 0, issued).filter(x -> x > 0).sorted().toArray();
        return new Run(conc, ok, failed.get(), Math.max(1e-9, (lastDone.get() - t0) / 1e9), sorted, cpu);
    }

    /** CPU time of the whole process so far (user and system, every thread). */
    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return 0;
    }

    private static double percentileMicros(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.min(sorted.length - 1, Math.floor(p * sorted.length));
        return sorted[i] / 1e3;
    }

    private static void deleteRecursively(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> w = Files.walk(p)) {
            List<Path> all = new ArrayList<>(w.toList());
            all.sort(Comparator.reverseOrder());
            for (Path x : all) {
                Files.delete(x);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + p + ": " + e.getMessage(), e);
        }
    }
}
