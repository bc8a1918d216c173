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
 * the native benchmark {@code vos_bench} (native/bench/vos_bench.c), one thread each.
 *
 * <ul>
 *   <li>{@code fetch}: one fetch of a 1 KiB value, of a pseudo-random key among {@code keys}
 *       preloaded ones, at the epoch they were written.</li>
 *   <li>{@code update1}: a transaction with one 1 KiB update, committed (one persist).</li>
 *   <li>{@code update64}: a transaction with 64 1 KiB updates, committed; a figure per update.</li>
 *   <li>{@code iterate}: iterating all preloaded keys with their values; a figure per record.</li>
 * </ul>
 * Updates go to fresh epochs of a separate object, cycling over {@code keys} keys; the versions
 * they leave are aggregated away between measurement iterations (not measured), so the pool does
 * not fill up. Run with {@code scripts/bench-vos.sh}, or alone with
 * {@code ./mvnw -pl bindings/ffm -am -Pjmh verify -DskipTests}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
public class VosBenchmark {
    private static final long READ_OID = 1;
    private static final long WRITE_OID = 2;
    private static final long LOAD_EPOCH = 1;

    /** Preloaded keys, 0 .. keys - 1. */
    @Param("100000")
    public int keys;

    /** Bytes per value. */
    @Param("1024")
    public int valueBytes;

    /** The pool's size. */
    @Param("2048")
    public int poolMiB;

    private Path dir;
    private Pool pool;
    private Container container;
    private Transaction tx;
    private byte[] value;
    private long epoch;
    private long next;
    private long random = 0x9E3779B97F4A7C15L;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
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
        for (int k = 0; k < keys; k++) {
            tx.update(container, READ_OID, k, LOAD_EPOCH, value);
            if (tx.size() == 1000) {
                tx.commit();
            }
        }
        tx.commit();
        epoch = LOAD_EPOCH;
    }

    /** Folds the versions the updates left, outside the measurement, so the pool never fills. */
    @TearDown(Level.Iteration)
    public void aggregate() {
        container.aggregate(epoch);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        tx.close();
        container.close();
        pool.close();
        VosProvider.load().destroyPool(dir.resolve("bench.pool"));
        Files.deleteIfExists(dir);
    }

    private long nextRandomKey() {
        // xorshift64: the same cheap generator the C benchmark uses.
        random ^= random << 13;
        random ^= random >>> 7;
        random ^= random << 17;
        return Long.remainderUnsigned(random, keys);
    }

    @Benchmark
    public Optional<byte[]> fetch() {
        return container.fetch(READ_OID, nextRandomKey(), LOAD_EPOCH);
    }

    @Benchmark
    public void update1() {
        tx.update(container, WRITE_OID, next++ % keys, ++epoch, value).commit();
    }

    @Benchmark
    @OperationsPerInvocation(64)
    public void update64() {
        long e = ++epoch;
        for (int i = 0; i < 64; i++) {
            tx.update(container, WRITE_OID, next++ % keys, e, value);
        }
        tx.commit();
    }

    @Benchmark
    @OperationsPerInvocation(100000)
    public long iterate(Blackhole blackhole) {
        if (keys != 100000) {
            throw new IllegalStateException("iterate counts 100000 records per invocation; keys is " + keys);
        }
        return container.iterate(Iteration.forward(READ_OID, LOAD_EPOCH), record -> {
            blackhole.consume(record.value());
            return true;
        }).records();
    }
}
