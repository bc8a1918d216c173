package org.vostok.vos.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.vostok.vos.Container;
import org.vostok.vos.Iteration;
import org.vostok.vos.Pool;
import org.vostok.vos.Transaction;
import org.vostok.vos.VosProvider;

/**
 * C and one binding taking turns in one process, on one pool, with the same keys: the ratio of
 * each pair of adjacent rounds (one of C, one through the binding, the same number of ops) is
 * measured within a few tens of milliseconds, so a change in the machine's speed (the
 * neighbours of a shared VM) meets both sides of a pair alike, which separate processes run
 * minutes apart do not (C's own fetch moved by 1.6 times between two runs of one binary).
 *
 * <p>C's rounds are vos_bench's own loops (native/bench/bench_ops.c, through {@link CLoops}),
 * called once per round on the pool and container the binding has open; one JNI call per round
 * of thousands of ops costs nothing measurable. Both sides do the same work per op as in
 * scripts/bench-vos.sh's other columns (its header lists what is matched): the same xorshift
 * sequence of keys for the fetches, continued from one side to the other; the same cycle of keys
 * and the same run of epochs for the updates, continued likewise, and after every round of
 * updates, whichever side ran it, an aggregation up to its last epoch outside the time, so every
 * round meets the same version chains; fetch into a buffer in native memory (C: malloc'd, Java: a
 * direct ByteBuffer), fetch_alloc handing over each value in a buffer of its own (C: malloc, copy,
 * read its last byte, free; Java: the new byte[] of the fetch, its last byte read). Within each
 * pair the side that goes first alternates.
 *
 * <p>Each operation has a pool of its own, made as vos_bench makes it ({@code keys} values of
 * 1 KiB preloaded 1000 per transaction, closed and opened again); fetch and fetch_hot share one,
 * as in vos_bench. Per operation it prints one line:
 * {@code PAIRS provider=<p> op=<op> pairs=<n> c_ops_per_s=<median of C's rounds>
 * java_ops_per_s=<median of the binding's> ratio=<median of the pairs' C time / Java time>
 * ratio_q1= ratio_q3= ratio_min= ratio_max= cpu_ratio=<the same in thread CPU time> cpu_q1=
 * cpu_q3= c_cpu_ns= java_cpu_ns=<medians per op>}; a ratio is the binding's share of C's
 * throughput (1.00: as fast as C).
 *
 * <p>Arguments: {@code keys poolMiB provider [op...]} (default every op); needs
 * {@code -Dvostok.bench.loops=/path/to/libvostok-bench-loops.so} and a heap that does not grow
 * while it measures (-Xms = -Xmx).
 */
public final class SameProcess {
    private static final long READ_OID = VosBenchmark.READ_OID;
    private static final long WRITE_OID = VosBenchmark.WRITE_OID;
    private static final long LOAD_EPOCH = VosBenchmark.LOAD_EPOCH;
    private static final int VALUE_BYTES = 1024;
    private static final int BATCH_UPDATES = 64;
    private static final long HOT_KEY = 7;
    private static final int ITERATE_BATCH_BYTES = 1 << 20;
    private static final long RANDOM_SEED = 0x9E3779B97F4A7C15L;
    /** The operations in the order measured, as vos_bench runs them. */
    private static final List<String> OPS = List.of("fetch", "fetch_hot", "fetch_alloc", "update1", "update64",
            "iterate");
    /** Ops per round: fetches, transactions (update1), updates (update64), passes (iterate). */
    private static final int FETCH_ROUND = 20_000;
    private static final int UPDATE_ROUND = 16_384;
    private static final int ITERATE_ROUND = 2;

    private static long sink;

    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final VosProvider vos;
    private final int keys;
    private final int poolMiB;
    private final Path dir;
    private final byte[] value = new byte[VALUE_BYTES];
    private final ByteBuffer into = ByteBuffer.allocateDirect(VALUE_BYTES);
    private Path path;
    private Pool pool;
    private Container container;
    private Transaction tx;
    private long context;
    private long random = RANDOM_SEED;
    private long next;
    private long epoch = LOAD_EPOCH;

    private SameProcess(VosProvider vos, int keys, int poolMiB, Path dir) {
        this.vos = vos;
        this.keys = keys;
        this.poolMiB = poolMiB;
        this.dir = dir;
        for (int i = 0; i < VALUE_BYTES; i++) {
            value[i] = (byte) (i * 31 + 7);
        }
    }

    public static void main(String[] args) throws IOException {
        int keys = Integer.parseInt(args[0]);
        int poolMiB = Integer.parseInt(args[1]);
        String provider = args[2];
        List<String> ops = args.length > 3 ? Arrays.asList(args).subList(3, args.length) : OPS;
        for (String op : ops) {
            if (!OPS.contains(op)) {
                throw new IllegalArgumentException("no operation " + op + "; the operations: " + OPS);
            }
        }
        Path dir = Files.createTempDirectory("vos-same-process-");
        SameProcess bench = new SameProcess(VosProvider.load(provider), keys, poolMiB, dir);
        try {
            for (String op : OPS) {
                if (!ops.contains(op)) {
                    continue;
                }
                if (bench.pool == null || !op.equals("fetch_hot") || !ops.contains("fetch")) {
                    bench.close();
                    bench.open();
                }
                bench.measure(provider, op);
            }
        } finally {
            bench.close();
            Files.deleteIfExists(dir);
        }
        if (sink == 42) {
            System.out.println(); // keeps what was read observable
        }
    }

    /** A fresh pool, preloaded as vos_bench preloads its own, and C's context over it. */
    private void open() {
        path = dir.resolve("bench.pool");
        pool = vos.createPool(path, (long) poolMiB << 20);
        UUID uuid = UUID.randomUUID();
        pool.createContainer(uuid);
        container = pool.openContainer(uuid);
        VosBenchmark.preload(pool, container, keys, value);
        container.close();
        pool.close();
        pool = vos.openPool(path);
        container = pool.openContainer(uuid);
        tx = pool.newTransaction();
        random = RANDOM_SEED;
        next = 0;
        epoch = LOAD_EPOCH;
        context = CLoops.open(CLoops.handleOf(pool), CLoops.handleOf(container), keys, VALUE_BYTES);
    }

    private void close() {
        if (pool == null) {
            return;
        }
        CLoops.close(context);
        tx.close();
        container.close();
        pool.close();
        vos.destroyPool(path);
        pool = null;
    }

    private void measure(String provider, String op) {
        int warmupPairs = op.equals("update64") ? 40 : op.equals("update1") ? 4 : 10;
        int pairs = op.equals("update1") ? 20 : 40;
        long perRound = switch (op) {
            case "update1", "update64" -> UPDATE_ROUND;
            case "iterate" -> (long) ITERATE_ROUND * keys;
            default -> FETCH_ROUND;
        };
        double[] cWall = new double[pairs];
        double[] javaWall = new double[pairs];
        double[] cCpu = new double[pairs];
        double[] javaCpu = new double[pairs];
        long[] took = new long[2];
        for (int pair = 0; pair < warmupPairs + pairs; pair++) {
            boolean cFirst = pair % 2 == 0;
            for (int turn = 0; turn < 2; turn++) {
                boolean c = cFirst == (turn == 0);
                round(op, c, took);
                if (pair >= warmupPairs) {
                    int at = pair - warmupPairs;
                    (c ? cWall : javaWall)[at] = took[0];
                    (c ? cCpu : javaCpu)[at] = took[1];
                }
            }
        }
        double[] ratio = new double[pairs];
        double[] cpuRatio = new double[pairs];
        for (int i = 0; i < pairs; i++) {
            ratio[i] = cWall[i] / javaWall[i];
            cpuRatio[i] = cCpu[i] / javaCpu[i];
        }
        Arrays.sort(ratio);
        Arrays.sort(cpuRatio);
        System.out.printf("PAIRS provider=%s op=%s pairs=%d c_ops_per_s=%.0f java_ops_per_s=%.0f ratio=%.3f"
                        + " ratio_q1=%.3f ratio_q3=%.3f ratio_min=%.3f ratio_max=%.3f cpu_ratio=%.3f cpu_q1=%.3f"
                        + " cpu_q3=%.3f c_cpu_ns=%.0f java_cpu_ns=%.0f%n",
                provider, op, pairs, perRound * 1e9 / median(cWall), perRound * 1e9 / median(javaWall),
                quantile(ratio, 0.5), quantile(ratio, 0.25), quantile(ratio, 0.75), ratio[0], ratio[pairs - 1],
                quantile(cpuRatio, 0.5), quantile(cpuRatio, 0.25), quantile(cpuRatio, 0.75),
                median(cCpu) / perRound, median(javaCpu) / perRound);
    }

    /** One round of op on one side: its wall and thread CPU nanoseconds into took. */
    private void round(String op, boolean c, long[] took) {
        long wall = System.nanoTime();
        long cpu = threads.getCurrentThreadCpuTime();
        switch (op) {
            case "fetch" -> {
                if (c) {
                    cFetches(CLoops.FETCH);
                } else {
                    fetch();
                }
            }
            case "fetch_hot" -> {
                if (c) {
                    cFetches(CLoops.FETCH_HOT);
                } else {
                    fetchHot();
                }
            }
            case "fetch_alloc" -> {
                if (c) {
                    cFetches(CLoops.FETCH_ALLOC);
                } else {
                    fetchAlloc();
                }
            }
            case "update1" -> {
                if (c) {
                    CLoops.state(context, random, next, epoch);
                    CLoops.run(context, CLoops.UPDATE1, UPDATE_ROUND);
                    next += UPDATE_ROUND;
                    epoch += UPDATE_ROUND;
                } else {
                    update1();
                }
            }
            case "update64" -> {
                if (c) {
                    CLoops.state(context, random, next, epoch);
                    CLoops.run(context, CLoops.UPDATE64, UPDATE_ROUND / BATCH_UPDATES);
                    next += UPDATE_ROUND;
                    epoch += UPDATE_ROUND / BATCH_UPDATES;
                } else {
                    update64();
                }
            }
            case "iterate" -> {
                if (c) {
                    CLoops.run(context, CLoops.ITERATE, ITERATE_ROUND);
                } else {
                    iterate();
                }
            }
            default -> throw new IllegalArgumentException(op);
        }
        took[1] = threads.getCurrentThreadCpuTime() - cpu;
        took[0] = System.nanoTime() - wall;
        if (op.startsWith("update")) {
            container.aggregate(epoch); // outside the time, after either side's round
        }
    }

    private void cFetches(int kind) {
        CLoops.state(context, random, next, epoch);
        CLoops.run(context, kind, FETCH_ROUND);
        random = CLoops.randomState(context);
    }

    private long nextRandomKey() {
        // xorshift64, as in vos_bench.
        long x = random;
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        random = x;
        return Long.remainderUnsigned(x, keys);
    }

    private void fetch() {
        for (int i = 0; i < FETCH_ROUND; i++) {
            into.clear();
            sink += container.fetch(READ_OID, nextRandomKey(), LOAD_EPOCH, into).orElseThrow();
        }
    }

    private void fetchHot() {
        long key = HOT_KEY % keys;
        for (int i = 0; i < FETCH_ROUND; i++) {
            into.clear();
            sink += container.fetch(READ_OID, key, LOAD_EPOCH, into).orElseThrow();
        }
    }

    private void fetchAlloc() {
        for (int i = 0; i < FETCH_ROUND; i++) {
            byte[] v = container.fetch(READ_OID, nextRandomKey(), LOAD_EPOCH).orElseThrow();
            sink += v[v.length - 1];
        }
    }

    private void update1() {
        for (int i = 0; i < UPDATE_ROUND; i++) {
            tx.update(container, WRITE_OID, next++ % keys, ++epoch, value).commit();
        }
    }

    private void update64() {
        for (int t = 0; t < UPDATE_ROUND / BATCH_UPDATES; t++) {
            long e = ++epoch;
            for (int i = 0; i < BATCH_UPDATES; i++) {
                tx.update(container, WRITE_OID, next++ % keys, e, value);
            }
            tx.commit();
        }
    }

    private void iterate() {
        for (int pass = 0; pass < ITERATE_ROUND; pass++) {
            long records = container.iterate(Iteration.forward(READ_OID, LOAD_EPOCH).withBatch(0, ITERATE_BATCH_BYTES),
                    record -> {
                        sink += record.integerKey();
                        return true;
                    }).records();
            if (records != keys) {
                throw new IllegalStateException("iterated " + records + " records, expected " + keys);
            }
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return quantile(sorted, 0.5);
    }

    /** The q-quantile of sorted values, interpolated between the two nearest. */
    private static double quantile(double[] sorted, double q) {
        double at = q * (sorted.length - 1);
        int below = (int) Math.floor(at);
        int above = Math.min(below + 1, sorted.length - 1);
        return sorted[below] + (at - below) * (sorted[above] - sorted[below]);
    }
}
