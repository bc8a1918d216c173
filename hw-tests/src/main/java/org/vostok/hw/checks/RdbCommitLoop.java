package org.vostok.hw.checks;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.vostok.hw.Machine;
import org.vostok.hw.report.Check;
import org.vostok.hw.report.Figure;
import org.vostok.hw.report.Status;
import org.vostok.rdb.model.KvsPath;
import org.vostok.rdb.LeadershipListener;
import org.vostok.rdb.RdbConfig;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.Replica;
import org.vostok.rdb.Tx;
import org.vostok.rdb.transport.SoleReplicaTransport;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.Pool;
import org.vostok.vos.PoolBackend;
import org.vostok.vos.PoolOptions;
import org.vostok.vos.VosProvider;

/**
 * A short rdb commit loop on the data directory: a pool of the backend, one replica that is the
 * whole cluster, transactions committed one after another (each a Raft log entry persisted and
 * applied in the pool), then the replica stopped, started again from the pool, and every value
 * read back.
 */
public final class RdbCommitLoop {
    private static final long REPLICA = 1;
    private static final int VALUE_BYTES = 1024;
    /** Commits made whatever the time bound, so that a slow medium still gives a figure. */
    private static final int COMMITS_MIN = 5;

    private final Machine machine;
    private final VosProvider vos;
    private final WorkDirectory work;
    private final String subject;
    private final PoolBackend backend;
    private final boolean dax;

    public RdbCommitLoop(Machine machine, VosProvider vos, WorkDirectory work, String subject, PoolBackend backend,
                         boolean dax) {
        this.machine = machine;
        this.vos = vos;
        this.work = work;
        this.subject = subject;
        this.backend = backend;
        this.dax = dax;
    }

    public List<Check> run() {
        return Guard.each("rdb.commits." + backend.name().toLowerCase(java.util.Locale.ROOT), subject, this::loop);
    }

    private List<Check> loop() {
        String id = "rdb.commits." + backend.name().toLowerCase(java.util.Locale.ROOT);
        String title = "rdb commit loop " + backend;
        Path path = work.resolve("rdb-" + backend.name().toLowerCase(java.util.Locale.ROOT) + ".pool");
        int commitsMax = machine.workload().rdbCommits();
        long committed;
        // A quick election for a cluster of one, and room to write in a small pool.
        RdbConfig config = RdbConfig.builder().tickMillis(10).electionTimeoutTicks(10).heartbeatTicks(2)
                .poolFreeBytesMin(2L << 20).build();
        long nanos;
        try {
            try (Pool pool = vos.createPool(path, machine.workload().smokePoolBytes(),
                    backend == PoolBackend.WAL ? PoolOptions.wal() : PoolOptions.pmem())) {
                Replica.bootstrap(pool, REPLICA, List.of(REPLICA));
                Leader leader = start(pool, config);
                try (Replica replica = leader.replica()) {
                    commit(replica, leader.term(), tx -> tx.createRoot(KeyOrder.INTEGER));
                    long start = System.nanoTime();
                    long deadline = start + machine.workload().rdbTime().toNanos();
                    committed = 0;
                    while (committed < commitsMax && (committed < COMMITS_MIN || System.nanoTime() < deadline)) {
                        long key = ++committed;
                        commit(replica, leader.term(), tx -> tx.update(KvsPath.root(), Key.of(key), value(key)));
                    }
                    nanos = System.nanoTime() - start;
                }
            }
            try (Pool pool = vos.openPool(path)) {
                Leader leader = start(pool, config);
                try (Replica replica = leader.replica(); Tx tx = replica.begin(leader.term())) {
                    for (long n = 1; n <= committed; n++) {
                        Optional<byte[]> found = tx.lookup(KvsPath.root(), Key.of(n));
                        if (found.isEmpty() || !Arrays.equals(found.get(), value(n))) {
                            return List.of(Check.of(id, title, subject, Status.FAIL, "after a restart from the pool, "
                                    + "committed key " + n + " of " + committed + " is " + (found.isEmpty() ? "missing"
                                    : "different")));
                        }
                    }
                }
            }
        } finally {
            Pools.destroy(vos, path);
        }
        double perSecond = committed / Math.max(1e-9, nanos / 1e9);
        return List.of(new Check(id, title, subject, Status.PASS, Optional.of(new Figure(perSecond, "commits/s")), "",
                committed + " transactions committed one at a time on a one-replica rdb, all read back after a "
                        + "restart from the pool" + (backend == PoolBackend.PMEM && !dax
                        ? "; PMDK persists with msync here (not DAX)" : "")));
    }

    private record Leader(Replica replica, long term) {
    }

    private Leader start(Pool pool, RdbConfig config) {
        CompletableFuture<Long> elected = new CompletableFuture<>();
        Replica replica = Replica.start(pool, config, new SoleReplicaTransport(), new LeadershipListener() {
            @Override
            public void stepUp(long term) {
                elected.complete(term);
            }

            @Override
            public void stop(RdbException error) {
                elected.completeExceptionally(error);
            }
        });
        try {
            return new Leader(replica, await(elected, "the replica's election"));
        } catch (RuntimeException e) {
            replica.close();
            throw e;
        }
    }

    private interface Body {
        void fill(Tx tx);
    }

    private long commit(Replica replica, long term, Body body) {
        try (Tx tx = replica.begin(term)) {
            body.fill(tx);
            return await(tx.commit(), "a commit");
        }
    }

    private long await(CompletableFuture<Long> future, String what) {
        long timeout = machine.workload().rdbTimeout().toMillis();
        try {
            return future.get(timeout, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(what + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(what + " did not complete in " + timeout + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + what);
        }
    }

    private static byte[] value(long n) {
        byte[] value = new byte[VALUE_BYTES];
        Arrays.fill(value, (byte) n);
        byte[] head = ("rdb value " + n).getBytes(StandardCharsets.UTF_8);
        System.arraycopy(head, 0, value, 0, head.length);
        return value;
    }
}
