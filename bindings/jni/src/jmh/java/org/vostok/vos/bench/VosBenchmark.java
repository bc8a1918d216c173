package org.vostok.vos.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;
import org.vostok.vos.Container;
import org.vostok.vos.Iteration;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.Pool;
import org.vostok.vos.Transaction;
import org.vostok.vos.VosProvider;

/**
 * The Java side of the Java-over-C ratios: the same four operations, with the same parameters
 * and the same work, as the native benchmark {@code vos_bench} (native/bench/vos_bench.c), and
 * the allocating fetch (fetchAlloc), against vos_bench's fetch_alloc; one thread, through the
 * implementation named by {@code provider} ({@code ffm} or {@code jni}).
 *
 * <ul>
 *   <li>{@code fetch}: one fetch of a 1 KiB value, of a pseudo-random key (xorshift64, the same
 *       sequence as vos_bench) among {@code keys} preloaded ones, at the epoch they were written,
 *       into the caller's buffer (reused): a direct ByteBuffer, native memory as vos_bench's
 *       malloc'd buffer is.</li>
 *   <li>{@code fetchAlloc}: the same fetches through the call that returns a new byte[] (one
 *       allocation and copy per fetch, the array collected later), against vos_bench's
 *       fetch_alloc (a malloc'd copy of each value, freed once read).</li>
 *   <li>{@code update1}: rounds of {@code roundUpdates} transactions, each one 1 KiB update at a
 *       new epoch, keys cycling over {@code keys}; a figure per round (divide by
 *       {@code roundUpdates} for one transaction: scripts/bench-vos.sh does).</li>
 *   <li>{@code update64}: rounds of {@code roundUpdates / 64} transactions of 64 such updates
 *       at one new epoch each; a figure per round (divide by {@code roundUpdates} for one
 *       update).</li>
 *   <li>{@code iterate}: one pass over all preloaded keys with their values in 1 MiB batches,
 *       reading each record's key (as the C benchmark reads each header); a figure per pass:
 *       multiply by {@code keys} for records per second (scripts/bench-vos.sh does).</li>
 * </ul>
 * Setup is not measured: a pool of {@code poolMiB}, two objects, {@code keys} values preloaded
 * into the first, 1000 per transaction, and the pool closed and opened again, all as vos_bench
 * does for each operation. The updates are measured one round per iteration (single shot), and
 * each round is followed by an aggregation up to its last epoch outside the measurement, as in
 * vos_bench: so every round meets the same version chains on both sides, whatever their speed.
 * JMH's warm-up and measurement iteration counts are vos_bench's --warmup-rounds and --rounds.
 * PMEM_IS_PMEM_FORCE is taken from the environment (the forks inherit it).
 *
 * <p>Run with {@code scripts/bench-vos.sh} (C, FFM and JNI, both persistence modes, one table),
 * or alone with {@code ./mvnw -pl bindings/jni -am -Pjmh verify -DskipTests}.
 */
// A fixed heap, touched up front: the figures are those of a process whose heap has grown, not
// of one faulting in fresh heap pages under the allocation of the values fetch returns.
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class VosBenchmark {
    static final long READ_OID = 1;
    static final long WRITE_OID = 2;
    static final long LOAD_EPOCH = 1;
    static final int LOAD_BATCH = 1000;
    static final int BATCH_UPDATES = 64;
    static final int ITERATE_BATCH_BYTES = 1 << 20;

    /** A pool in a temporary directory with the two objects, removed at the end. */
    @State(Scope.Thread)
    public abstract static class BenchPool {
        /** The implementation: ffm or jni. */
        @Param({"ffm", "jni"})
        public String provider;

        /** Preloaded keys, 0 .. keys - 1; also the cycle of keys the updates write. */
        @Param("100000")
        public int keys;

        /** Bytes per value. */
        @Param("1024")
        public int valueBytes;

        /** The pool's size. */
        @Param("2048")
        public int poolMiB;

        VosProvider vos;
        Path dir;
        Path path;
        Pool pool;
        Container container;
        Transaction tx;
        byte[] value;

        void open() throws IOException {
            vos = VosProvider.load(provider);
            dir = Files.createTempDirectory("vos-jmh-");
            path = dir.resolve("bench.pool");
            pool = vos.createPool(path, (long) poolMiB << 20);
            UUID uuid = UUID.randomUUID();
            pool.createContainer(uuid);
            container = pool.openContainer(uuid);
            value = new byte[valueBytes];
            for (int i = 0; i < valueBytes; i++) {
                value[i] = (byte) (i * 31 + 7);
            }
            preload(pool, container, keys, value);
            // Closed and opened again, as vos_bench does (a WAL pool then starts checkpointed).
            container.close();
            pool.close();
            pool = vos.openPool(path);
            container = pool.openContainer(uuid);
            tx = pool.newTransaction();
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            tx.close();
            container.close();
            pool.close();
            vos.destroyPool(path);
            Files.deleteIfExists(dir);
        }
    }

    /** For fetch and iterate: reads of the preloaded values. */
    @State(Scope.Thread)
    public static class Reads extends BenchPool {
        private long random = 0x9E3779B97F4A7C15L;
        /** The caller's buffer fetch reads into: native memory, as vos_bench's. */
        ByteBuffer into;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            open();
            into = ByteBuffer.allocateDirect(valueBytes);
        }

        long nextRandomKey() {
            // xorshift64, as in vos_bench.
            random ^= random << 13;
            random ^= random >>> 7;
            random ^= random << 17;
            return Long.remainderUnsigned(random, keys);
        }
    }

    /** For update1 and update64: the second object, written at ever newer epochs, in rounds. */
    @State(Scope.Thread)
    public static class Writes extends BenchPool {
        /** Updates per round: a multiple of 64, vos_bench's --round-updates. */
        @Param("65536")
        public int roundUpdates;

        long epoch = LOAD_EPOCH;
        long next;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            if (roundUpdates <= 0 || roundUpdates % BATCH_UPDATES != 0) {
                throw new IllegalArgumentException("roundUpdates must be a positive multiple of " + BATCH_UPDATES
                        + ", not " + roundUpdates);
            }
            open();
        }

        /** Folds the versions the round left, outside the measurement, as vos_bench does. */
        @TearDown(Level.Iteration)
        public void aggregate() {
            container.aggregate(epoch);
        }
    }

    /** As vos_bench's fetch: the value read into the caller's buffer, reused. */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public int fetch(Reads s) {
        s.into.clear();
        return s.container.fetch(READ_OID, s.nextRandomKey(), LOAD_EPOCH, s.into).orElseThrow();
    }

    /**
     * The fetch that returns a new byte[] (allocated and filled per call), as vos_bench's fetch_alloc;
     * the value is taken out of its Optional, as a caller does (and C's fetch_alloc reads its copy).
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public byte[] fetchAlloc(Reads s) {
        return s.container.fetch(READ_OID, s.nextRandomKey(), LOAD_EPOCH).orElseThrow();
    }

    /** One round; its time divided by roundUpdates is one transaction's. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public void update1(Writes s) {
        for (int i = 0; i < s.roundUpdates; i++) {
            s.tx.update(s.container, WRITE_OID, s.next++ % s.keys, ++s.epoch, s.value).commit();
        }
    }

    /** One round; its time divided by roundUpdates is one update's. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public void update64(Writes s) {
        for (int t = 0; t < s.roundUpdates / BATCH_UPDATES; t++) {
            long e = ++s.epoch;
            for (int i = 0; i < BATCH_UPDATES; i++) {
                s.tx.update(s.container, WRITE_OID, s.next++ % s.keys, e, s.value);
            }
            s.tx.commit();
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public long iterate(Reads s, Blackhole blackhole) {
        long records = s.container.iterate(Iteration.forward(READ_OID, LOAD_EPOCH).withBatch(0, ITERATE_BATCH_BYTES),
                record -> {
                    blackhole.consume(record.integerKey());
                    return true;
                }).records();
        if (records != s.keys) {
            throw new IllegalStateException("iterated " + records + " records, expected " + s.keys);
        }
        return records;
    }

    /**
     * Makes the read and the write object at {@link #LOAD_EPOCH} and writes {@code value} under
     * keys 0 .. keys - 1 of the read object, {@link #LOAD_BATCH} a transaction, as vos_bench does.
     */
    static void preload(Pool pool, Container container, int keys, byte[] value) {
        try (Transaction load = pool.newTransaction()) {
            load.createObject(container, READ_OID, KeyOrder.INTEGER, LOAD_EPOCH)
                    .createObject(container, WRITE_OID, KeyOrder.INTEGER, LOAD_EPOCH)
                    .commit();
            for (int k = 0; k < keys; k++) {
                load.update(container, READ_OID, k, LOAD_EPOCH, value);
                if (load.size() == LOAD_BATCH) {
                    load.commit();
                }
            }
            load.commit();
        }
    }
}
