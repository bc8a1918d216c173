package org.vostok.hw.checks;

import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.vostok.hw.Machine;
import org.vostok.hw.report.Check;
import org.vostok.hw.report.Figure;
import org.vostok.hw.thresholds.Thresholds;
import org.vostok.vos.Container;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.Pool;
import org.vostok.vos.PoolOptions;
import org.vostok.vos.Transaction;
import org.vostok.vos.VosLimits;
import org.vostok.vos.VosProvider;

/**
 * Vostok's own write path on the data directory: a WAL-backend pool, one-update transactions of
 * 4 KiB timed commit by commit (each is one log write and one fdatasync), then 1 MiB transactions
 * (16 updates of 64 KiB) for the bytes per second the log takes. The pool is reopened at the end
 * and the last value of each kind read back, then destroyed.
 */
public final class WalMeasurement {
    private static final UUID CONTAINER = new UUID(0x766f73746f6b4857L, 1L);
    private static final long COMMITS_OBJECT = 1;
    private static final long BULK_OBJECT = 2;
    private static final int COMMIT_VALUE_BYTES = 4096;
    private static final int BULK_VALUE_BYTES = 64 << 10;
    private static final int BULK_UPDATES_PER_TX = 16;

    private final Machine machine;
    private final VosProvider vos;
    private final WorkDirectory work;
    private final String subject;

    public WalMeasurement(Machine machine, VosProvider vos, WorkDirectory work, String subject) {
        this.machine = machine;
        this.vos = vos;
        this.work = work;
        this.subject = subject;
    }

    public List<Check> run() {
        return Guard.each("wal.commit", subject, this::measure);
    }

    private List<Check> measure() {
        java.nio.file.Path path = work.resolve("wal-measure.pool");
        long[] latencies;
        int commits;
        long bulkBytes;
        long bulkNanos;
        long commitsLastEpoch;
        long lastKey;
        try {
            try (Pool pool = vos.createPool(path, machine.workload().walPoolBytes(), PoolOptions.wal())) {
                pool.createContainer(CONTAINER);
                try (Container c = pool.openContainer(CONTAINER); Transaction tx = pool.newTransaction()) {
                    tx.createObject(c, COMMITS_OBJECT, KeyOrder.INTEGER, 1)
                            .createObject(c, BULK_OBJECT, KeyOrder.INTEGER, 1).commit();
                    latencies = new long[machine.workload().walCommitsMax()];
                    long deadline = System.nanoTime() + machine.workload().walCommitTime().toNanos();
                    byte[] value = new byte[COMMIT_VALUE_BYTES];
                    long epoch = 1;
                    commits = 0;
                    while (commits < latencies.length && (commits < 10 || System.nanoTime() < deadline)) {
                        epoch++;
                        fill(value, epoch);
                        long start = System.nanoTime();
                        tx.update(c, COMMITS_OBJECT, epoch, epoch, value).commit();
                        latencies[commits++] = System.nanoTime() - start;
                    }
                    commitsLastEpoch = epoch;
                    byte[] bulk = new byte[BULK_VALUE_BYTES];
                    long txBytes = (long) BULK_VALUE_BYTES * BULK_UPDATES_PER_TX;
                    long transactions = Math.max(1, machine.workload().walBandwidthBytes() / txBytes);
                    long key = 0;
                    long start = System.nanoTime();
                    for (long t = 0; t < transactions; t++) {
                        epoch++;
                        for (int u = 0; u < BULK_UPDATES_PER_TX; u++) {
                            fill(bulk, ++key);
                            tx.update(c, BULK_OBJECT, key, epoch, bulk);
                        }
                        tx.commit();
                    }
                    bulkNanos = System.nanoTime() - start;
                    bulkBytes = transactions * txBytes;
                    lastKey = key;
                    verify(c, commitsLastEpoch, lastKey, "before the pool was closed");
                }
            }
            try (Pool pool = vos.openPool(path); Container c = pool.openContainer(CONTAINER)) {
                verify(c, commitsLastEpoch, lastKey, "after the pool was reopened");
            }
        } finally {
            Pools.destroy(vos, path);
        }
        long[] measured = Arrays.copyOf(latencies, commits);
        String how = Figure.number(commits) + " one-update 4 KiB transactions on a WAL pool (one log write and fdatasync each), "
                + Figure.number(commits / (Arrays.stream(measured).sum() / 1e9)) + " commits/s";
        return List.of(
                Measured.check("wal.commit.p50", "WAL commit p50", subject,
                        machine.thresholds().get(Thresholds.WAL_COMMIT_P50), Latencies.percentile(measured, 50) / 1000.0, how),
                Measured.check("wal.commit.p99", "WAL commit p99", subject,
                        machine.thresholds().get(Thresholds.WAL_COMMIT_P99), Latencies.percentile(measured, 99) / 1000.0, how),
                Measured.check("wal.write.bandwidth", "WAL write bandwidth", subject,
                        machine.thresholds().get(Thresholds.WAL_WRITE),
                        bulkBytes / (double) (1 << 20) / Math.max(1e-9, bulkNanos / 1e9),
                        Figure.number(bulkBytes / (double) (1 << 20)) + " MiB in 1 MiB transactions (16 updates of 64 KiB)"));
    }

    /** The last commit's value and the last bulk value read back as written: a figure is only worth having if the data is there. */
    private static void verify(Container c, long commitEpoch, long bulkKey, String when) {
        byte[] expected = new byte[COMMIT_VALUE_BYTES];
        fill(expected, commitEpoch);
        byte[] found = c.fetch(COMMITS_OBJECT, commitEpoch, VosLimits.EPOCH_MAX).orElseThrow(() ->
                new IllegalStateException("the last measured commit (key " + commitEpoch + ") is missing " + when));
        byte[] bulkExpected = new byte[BULK_VALUE_BYTES];
        fill(bulkExpected, bulkKey);
        byte[] bulkFound = c.fetch(BULK_OBJECT, bulkKey, VosLimits.EPOCH_MAX).orElseThrow(() ->
                new IllegalStateException("the last bulk value (key " + bulkKey + ") is missing " + when));
        if (!Arrays.equals(expected, found) || !Arrays.equals(bulkExpected, bulkFound)) {
            throw new IllegalStateException("a committed value reads back different " + when);
        }
    }

    private static void fill(byte[] value, long n) {
        Arrays.fill(value, (byte) n);
        for (int i = 0; i < Long.BYTES; i++) {
            value[i] = (byte) (n >>> (8 * i));
        }
    }
}
