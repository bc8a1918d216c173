package org.vostok.vos.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.vostok.vos.Container;
import org.vostok.vos.Iteration;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.Pool;
import org.vostok.vos.Transaction;
import org.vostok.vos.VosProvider;
import org.vostok.vos.VosUnavailableException;

/**
 * The CPU time of one fetch through a binding (or several, taking turns in short blocks in one
 * JVM): on a machine shared with other work, wall-clock throughput swings several-fold from one
 * run to the next, while a thread's CPU time does not count the time it waits for a core.
 * scripts/bench-vos.sh runs one binding per JVM, one after the other: two pools read in turns
 * evict each other's B+-tree from the caches, which the single-pool C loop never meets. Two kinds
 * of fetch, as in vos_bench (whose cpu_ns_per_op is the C side), each into the caller's buffer
 * as vos_bench reads into its own: {@code fetch}, a pseudo-random key among {@code keys} (the
 * B+-tree walk misses the caches), and {@code fetch_hot}, key 7 over and over (everything in
 * cache), where what the binding adds per call stands out. A third, {@code fetch_alloc}, is
 * {@code fetch} through the call that returns a new byte[] per value (vos_bench's fetch_alloc
 * copies each value into a malloc'd buffer); it is measured after the first two, as vos_bench
 * measures it after them: a block of it allocates 20 MiB of fresh heap, which between two blocks
 * of the other fetches would leave each to start with caches that C's fetch loop never sees. A
 * fourth, {@code iterate}, is one pass over all the keys with their values in 1 MiB batches
 * reading each record's key, as vos_bench's iterate, in CPU time per record; it is measured
 * last, on its own as vos_bench measures it, for the same reason (a pass reads every value).
 * The caller's buffer is a direct ByteBuffer, native memory as vos_bench's.
 * Each pool is made as vos_bench makes
 * its own: {@code keys} values of 1 KiB preloaded 1000 per transaction, then closed and opened
 * again.
 *
 * <p>Arguments: {@code keys poolMiB [provider...]} (default: every binding this Java can load).
 * Prints {@code COST provider=<name> op=<fetch|fetch_hot|fetch_alloc|iterate> cpu_ns_per_op=<n>} lines. Run by
 * scripts/bench-vos.sh; it needs a heap that does not grow while it measures (-Xms = -Xmx).
 */
public final class FetchCost {
    private static final long OID = 1;
    private static final long EPOCH = 1;
    private static final long HOT_KEY = 7;
    private static final int VALUE_BYTES = 1024;
    private static final int BLOCK_FETCHES = 20_000;
    private static final int WARMUP_ROUNDS = 10;
    private static final int ROUNDS = 40;
    private static final int ITERATE_BATCH_BYTES = 1 << 20;
    /**
     * The kinds of call, in the order measured: random key, hot key, random key allocating
     * (BLOCK_FETCHES fetches a block), and a pass over all keys (one a block, counted per record).
     */
    private static final String[] KINDS = {"fetch", "fetch_hot", "fetch_alloc", "iterate"};
    private static final int FETCH_ALLOC = 2;
    private static final int ITERATE = 3;

    private static long sink;

    private FetchCost() {
    }

    /** One binding's pool and its running totals. */
    private static final class Side {
        final String name;
        final VosProvider vos;
        final Path path;
        Pool pool;
        Container container;
        long random = 0x9E3779B97F4A7C15L;
        final long[] cpuNanos = new long[KINDS.length];
        /** Fetches, or records iterated, per kind. */
        final long[] fetches = new long[KINDS.length];
        final ByteBuffer into = ByteBuffer.allocateDirect(VALUE_BYTES);

        Side(String name, Path dir) {
            this.name = name;
            this.vos = VosProvider.load(name);
            this.path = dir.resolve(name + ".pool");
        }

        void open(int keys, int poolMiB) {
            pool = vos.createPool(path, (long) poolMiB << 20);
            UUID uuid = UUID.randomUUID();
            pool.createContainer(uuid);
            container = pool.openContainer(uuid);
            byte[] value = new byte[VALUE_BYTES];
            try (Transaction tx = pool.newTransaction()) {
                tx.createObject(container, OID, KeyOrder.INTEGER, EPOCH).commit();
                for (int k = 0; k < keys; k++) {
                    tx.update(container, OID, k, EPOCH, value);
                    if (tx.size() == 1000) {
                        tx.commit();
                    }
                }
                tx.commit();
            }
            container.close();
            pool.close();
            pool = vos.openPool(path);
            container = pool.openContainer(uuid);
        }

        void close() {
            container.close();
            pool.close();
            vos.destroyPool(path);
        }
    }

    public static void main(String[] args) throws IOException {
        int keys = Integer.parseInt(args[0]);
        int poolMiB = Integer.parseInt(args[1]);
        List<String> names = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            names.add(args[i]);
        }
        if (names.isEmpty()) {
            for (String name : List.of("ffm", "jni")) {
                try {
                    VosProvider.load(name);
                    names.add(name);
                } catch (VosUnavailableException e) {
                    // Not on this Java (FFM below 22): measure the others.
                }
            }
        }
        Path dir = Files.createTempDirectory("vos-fetch-cost-");
        List<Side> sides = new ArrayList<>();
        try {
            for (String name : names) {
                Side side = new Side(name, dir);
                sides.add(side);
                side.open(keys, poolMiB);
            }
            measure(sides, keys);
            for (Side side : sides) {
                for (int kind = 0; kind < KINDS.length; kind++) {
                    System.out.printf("COST provider=%s op=%s cpu_ns_per_op=%.0f%n", side.name, KINDS[kind],
                            (double) side.cpuNanos[kind] / side.fetches[kind]);
                }
            }
        } finally {
            for (Side side : sides) {
                if (side.pool != null) {
                    side.close();
                }
            }
            Files.deleteIfExists(dir);
        }
        if (sink == 42) {
            System.out.println(); // keeps the fetched lengths observable
        }
    }

    private static void measure(List<Side> sides, int keys) {
        // The fetches into a buffer in turns, then the allocating ones, then the passes, each
        // kind after the other as vos_bench runs them: an allocating block fills 20 MiB of fresh
        // heap, and a pass reads every value, so either between two blocks of fetches would leave
        // the next block to start with caches that C's fetch loop never sees.
        measure(sides, keys, 0, FETCH_ALLOC);
        measure(sides, keys, FETCH_ALLOC, ITERATE);
        measure(sides, keys, ITERATE, KINDS.length);
    }

    /** Rounds of blocks of the kinds {@code from .. to - 1}, taking turns. */
    private static void measure(List<Side> sides, int keys, int from, int to) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (int round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
            for (int kind = from; kind < to; kind++) {
                for (Side side : sides) {
                    long start = threads.getCurrentThreadCpuTime();
                    long done = BLOCK_FETCHES;
                    if (kind == ITERATE) {
                        done = iterate(side, keys);
                    }
                    for (int i = 0; i < BLOCK_FETCHES && kind != ITERATE; i++) {
                        long key = HOT_KEY % keys;
                        if (kind != 1) {
                            // xorshift64, as in vos_bench.
                            long x = side.random;
                            x ^= x << 13;
                            x ^= x >>> 7;
                            x ^= x << 17;
                            side.random = x;
                            key = Long.remainderUnsigned(x, keys);
                        }
                        if (kind == FETCH_ALLOC) {
                            sink += side.container.fetch(OID, key, EPOCH).orElseThrow().length;
                        } else {
                            side.into.clear();
                            sink += side.container.fetch(OID, key, EPOCH, side.into).orElseThrow();
                        }
                    }
                    long used = threads.getCurrentThreadCpuTime() - start;
                    if (round >= WARMUP_ROUNDS) {
                        side.cpuNanos[kind] += used;
                        side.fetches[kind] += done;
                    }
                }
            }
        }
    }

    /** One pass over all keys, reading each record's key, as vos_bench's iterate; returns the records. */
    private static long iterate(Side side, int keys) {
        long records = side.container.iterate(Iteration.forward(OID, EPOCH).withBatch(0, ITERATE_BATCH_BYTES),
                record -> {
                    sink += record.integerKey();
                    return true;
                }).records();
        if (records != keys) {
            throw new IllegalStateException("iterated " + records + " records, expected " + keys);
        }
        return records;
    }
}
