package org.vostok.vos.ffm.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
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
 * The FFM side of the FFM-over-C ratio: the same four operations, with the same parameters, as
 * the native benchmark {@code vos_bench} (native/bench/vos_bench.c), one thread.
 *
 * <ul>
 *   <li>{@code fetch}: one fetch of a 1 KiB value, of a pseudo-random key (xorshift64) among
 *       {@code keys} preloaded ones, at the epoch they were written. Returns a new byte[], as the
 *       API does (the C benchmark leaves the value in its buffer).</li>
 *   <li>{@code update1}: a transaction with one 1 KiB update at a new epoch, keys cycling over
 *       {@code keys}, committed (one persist); a figure per transaction.</li>
 *   <li>{@code update64}: a transaction with 64 such updates at one new epoch; a figure per
 *       update.</li>
 *   <li>{@code iterate}: one pass over all preloaded keys with their values in 1 MiB batches,
 *       reading each record's key (as the C benchmark reads each header); a figure per pass:
 *       multiply by {@code keys} for records per second (scripts/bench-vos.sh does).</li>
 * </ul>
 * Setup is not measured: a pool of {@code poolMiB}, two objects, {@code keys} values preloaded
 * into the first at LOAD_EPOCH, 1000 per transaction (for every operation, as in vos_bench). The versions the updates leave are aggregated away
 * between measurement iterations (not measured), so the pool does not fill up.
 * PMEM_IS_PMEM_FORCE is taken from the environment (the forks inherit it).
 *
 * <p>Run with {@code scripts/bench-vos.sh} (C and Java, both persistence modes, one table), or
 * alone with {@code ./mvnw -pl bindings/ffm -am -Pjmh verify -DskipTests}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
public class VosBenchmark {
    static final long READ_OID = 1;
    static final long WRITE_OID = 2;
    static final long LOAD_EPOCH = 1;
    static final int LOAD_BATCH = 1000;
    static final int ITERATE_BATCH_BYTES = 1 << 20;

    /** A pool in a temporary directory with the two objects, removed at the end. */
    @State(Scope.Thread)
    public abstract static class BenchPool {
        /** Preloaded keys, 0 .. keys - 1; also the cycle of keys the updates write. */
        @Param("100000")
        public int keys;

        /** Bytes per value. */
        @Param("1024")
        public int valueBytes;

        /** The pool's size. */
        @Param("2048")
        public int poolMiB;

        Path dir;
        Pool pool;
        Container container;
        Transaction tx;
        byte[] value;

        void open() throws IOException {
            dir = Files.createTempDirectory("vos-jmh-");
            pool = VosProvider.load().createPool(dir.resolve("bench.pool"), (long) poolMiB << 20);
            UUID uuid = UUID.randomUUID();
            pool.createContainer(uuid);
            container = pool.openContainer(uuid);
            tx = pool.newTransaction();
            value = new byte[valueBytes];
            for (int i = 0; i < valueBytes; i++) {
                value[i] = (byte) (i * 31 + 7);
            }
            tx.createObject(container, READ_OID, KeyOrder.INTEGER, LOAD_EPOCH)
                    .createObject(container, WRITE_OID, KeyOrder.INTEGER, LOAD_EPOCH)
                    .commit();
            // Preloaded for every operation, as vos_bench does, so the pool is in the same state.
            for (int k = 0; k < keys; k++) {
                tx.update(container, READ_OID, k, LOAD_EPOCH, value);
                if (tx.size() == LOAD_BATCH) {
                    tx.commit();
                }
            }
            tx.commit();
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            tx.close();
            container.close();
            pool.close();
            VosProvider.load().destroyPool(dir.resolve("bench.pool"));
            Files.deleteIfExists(dir);
        }
    }

    /** For fetch and iterate: reads of the preloaded values. */
    @State(Scope.Thread)
    public static class Reads extends BenchPool {
        private long random = 0x9E3779B97F4A7C15L;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            open();
        }

        long nextRandomKey() {
            // xorshift64, as in vos_bench.
            random ^= random << 13;
            random ^= random >>> 7;
            random ^= random << 17;
            return Long.remainderUnsigned(random, keys);
        }
    }

    /** For update1 and update64: the second object, written at ever newer epochs. */
    @State(Scope.Thread)
    public static class Writes extends BenchPool {
        long epoch = LOAD_EPOCH;
        long next;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            open();
        }

        /** Folds the versions the updates left, outside the measurement, so the pool never fills. */
        @TearDown(Level.Iteration)
        public void aggregate() {
            container.aggregate(epoch);
        }
    }

    @Benchmark
    public Optional<byte[]> fetch(Reads s) {
        return s.container.fetch(READ_OID, s.nextRandomKey(), LOAD_EPOCH);
    }

    @Benchmark
    public void update1(Writes s) {
        s.tx.update(s.container, WRITE_OID, s.next++ % s.keys, ++s.epoch, s.value).commit();
    }

    @Benchmark
    @OperationsPerInvocation(64)
    public void update64(Writes s) {
        long e = ++s.epoch;
        for (int i = 0; i < 64; i++) {
            s.tx.update(s.container, WRITE_OID, s.next++ % s.keys, e, s.value);
        }
        s.tx.commit();
    }

    @Benchmark
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
}
