package org.vostok.server;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.vostok.rdb.LeadershipListener;
import org.vostok.rdb.RdbConfig;
import org.vostok.rdb.Replica;
import org.vostok.rdb.ReplicaStatus;
import org.vostok.rdb.Tx;
import org.vostok.rdb.model.KvsPath;
import org.vostok.rdb.model.KvsScan;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.transport.LocalNetwork;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.Pool;
import org.vostok.vos.PoolBackend;
import org.vostok.vos.PoolInfo;
import org.vostok.vos.PoolOptions;
import org.vostok.vos.VosProvider;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vostok demo}: a replicated key-value tree on local replicas. It formats one pool file
 * per replica in a temporary directory (or the one given), starts the replicas on an in-process
 * network, commits transactions on the leader, stops the leader and shows another taking over
 * with every acknowledged write intact, restarts the stopped replica from its pool and shows it
 * catch up, and prints each step with what it observed.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run local replicas of a replicated key-value tree: write, fail the leader over, restart it, and print what happened.")
final class DemoCommand implements Callable<Integer> {

    private static final long POOL_BYTES = 256L << 20;
    private static final long WAIT_MILLIS = 30_000;
    private static final int IN_FLIGHT_MAX = 16;
    private static final KvsPath ACCOUNTS = KvsPath.root().child("accounts");

    @Spec
    private CommandSpec spec;

    @Option(names = "--dir", description = "Where to put the pool files (default: a new temporary directory, removed at the end).")
    private Optional<Path> directory = Optional.empty();

    @Option(names = "--keep", description = "Keep the pool files at the end.")
    private boolean keep;

    @Option(names = "--replicas", description = "How many replicas: 3 or 5 (default: ${DEFAULT-VALUE}).")
    private int replicaCount = 3;

    @Option(names = "--writes", description = "Transactions to commit before the failover (default: ${DEFAULT-VALUE}).")
    private int writes = 200;

    @Option(names = "--backend", description = "The pools' VOS backend: WAL (DRAM heap, write-ahead log, one fdatasync a commit) or PMEM (PMDK; emulated on a machine without persistent memory) (default: ${DEFAULT-VALUE}).")
    private PoolBackend backend = PoolBackend.WAL;

    private PrintWriter out;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (replicaCount != 3 && replicaCount != 5) {
            throw new IllegalArgumentException("--replicas must be 3 or 5, not " + replicaCount);
        }
        if (writes < 1 || writes > 1_000_000) {
            throw new IllegalArgumentException("--writes must be 1 .. 1000000, not " + writes);
        }
        out = spec.commandLine().getOut();
        Path dir = directory.isPresent() ? Files.createDirectories(directory.get())
                : Files.createTempDirectory("vostok-demo-");
        VosProvider vos = VosProvider.load();
        List<Long> ids = new ArrayList<>();
        for (long id = 1; id <= replicaCount; id++) {
            ids.add(id);
        }
        // Fast timeouts for a demo on one machine: 10 ms ticks, elections after 150 to 300 ms.
        RdbConfig config = RdbConfig.builder().tickMillis(10).electionTimeoutTicks(15).heartbeatTicks(2).build();
        PoolOptions options = backend == PoolBackend.WAL ? PoolOptions.wal() : PoolOptions.pmem();
        List<Pool> pools = new ArrayList<>();
        Replica[] replicas = new Replica[replicaCount];
        try (LocalNetwork network = new LocalNetwork(System.nanoTime())) {
            try {
                for (long id : ids) {
                    Pool pool = vos.createPool(poolPath(dir, id), POOL_BYTES, options);
                    pools.add(pool);
                    Replica.bootstrap(pool, id, ids);
                }
                out.printf("formatted %d pools (%s backend, %d MiB each) in %s%n", replicaCount, backend,
                        POOL_BYTES >> 20, dir);
                for (int i = 0; i < replicaCount; i++) {
                    replicas[i] = start(pools.get(i), config, network, ids.get(i));
                }
                run(replicas, pools, config, network);
            } finally {
                for (Replica replica : replicas) {
                    if (replica != null) {
                        replica.close();
                    }
                }
                for (Pool pool : pools) {
                    pool.close();
                }
            }
        } finally {
            cleanUp(vos, dir, ids);
        }
        out.println("demo finished");
        out.flush();
        return 0;
    }

    private void run(Replica[] replicas, List<Pool> pools, RdbConfig config, LocalNetwork network)
            throws InterruptedException {
        long started = System.nanoTime();
        Replica leader = awaitLeader(replicas, "the first election");
        out.printf("replica %d leads term %d (elected %d ms after the start)%n", leader.id(), leader.status().term(),
                millisSince(started));

        commit(leader, tx -> tx.createRoot(KeyOrder.LEXICAL).createKvs(KvsPath.root(), Key.ofUtf8("accounts"),
                KeyOrder.LEXICAL));
        out.println("created the root KVS and the KVS /accounts in one transaction");

        long writeStart = System.nanoTime();
        long lastIndex = commitMany(leader, 0, writes);
        long writeMillis = Math.max(1, millisSince(writeStart));
        out.printf("committed %d transactions (one 1 KiB update each, up to %d in flight) in %d ms: %d per second;"
                + " the last is log index %d%n", writes, IN_FLIGHT_MAX, writeMillis, writes * 1000L / writeMillis, lastIndex);
        out.printf("  read on the leader: %d accounts, account-0000=%s%n", countAccounts(leader),
                balance(leader, 0));

        int stopped = indexOf(replicas, leader);
        out.printf("stopping the leader, replica %d (its threads end; its pool file stays)%n", leader.id());
        long failStart = System.nanoTime();
        replicas[stopped].close();
        replicas[stopped] = null;
        Replica successor = awaitLeader(replicas, "the election after the leader stopped");
        out.printf("replica %d leads term %d, %d ms after the old leader stopped%n", successor.id(),
                successor.status().term(), millisSince(failStart));
        long counted = countAccounts(successor);
        out.printf("  every acknowledged write is there: %d of %d accounts, account-%04d=%s%n", counted, writes,
                writes - 1, balance(successor, writes - 1));
        if (counted != writes) {
            throw new IllegalStateException("the new leader holds " + counted + " accounts, not the " + writes
                    + " acknowledged: replication lost writes");
        }
        long index = commitMany(successor, writes, writes + writes / 4);
        out.printf("committed %d more transactions on the new leader (up to log index %d)%n", writes / 4, index);

        long stoppedId = stopped + 1L;
        long restartStart = System.nanoTime();
        replicas[stopped] = start(pools.get(stopped), config, network, stoppedId);
        awaitApplied(replicas[stopped], index);
        out.printf("restarted replica %d from its pool: it caught up to index %d in %d ms%n", stoppedId,
                replicas[stopped].status().appliedIndex(), millisSince(restartStart));

        out.println("replica  role       term  commit  applied  pool used");
        for (int i = 0; i < replicas.length; i++) {
            ReplicaStatus s = replicas[i].status();
            PoolInfo info = pools.get(i).query();
            out.printf("%7d  %-9s %5d %7d %8d  %.1f MiB%n", s.id(), s.role().name().toLowerCase(java.util.Locale.ROOT),
                    s.term(), s.commitIndex(), s.appliedIndex(), info.usedBytes() / (1024.0 * 1024.0));
        }
    }

    private Replica start(Pool pool, RdbConfig config, LocalNetwork network, long id) {
        return Replica.start(pool, config, network.endpoint(id), new LeadershipListener() {
            @Override
            public void stepUp(long term) {
                out.printf("  [replica %d steps up in term %d]%n", id, term);
            }

            @Override
            public void stepDown(long term) {
                out.printf("  [replica %d steps down from term %d]%n", id, term);
            }
        });
    }

    /** Commits accounts [from, to) with up to IN_FLIGHT_MAX transactions in flight; returns the last index. */
    private long commitMany(Replica leader, int from, int to) throws InterruptedException {
        ArrayDeque<CompletableFuture<Long>> inFlight = new ArrayDeque<>();
        AtomicLong last = new AtomicLong();
        byte[] value = new byte[1024];
        for (int i = from; i < to; i++) {
            if (inFlight.size() == IN_FLIGHT_MAX) {
                last.accumulateAndGet(await(inFlight.removeFirst()), Math::max);
            }
            byte[] balance = String.format("%-1024s", "balance " + (1000 + i)).getBytes(StandardCharsets.UTF_8);
            System.arraycopy(balance, 0, value, 0, value.length);
            try (Tx tx = leader.begin(leader.status().term())) {
                inFlight.addLast(tx.update(ACCOUNTS, account(i), value).commit());
            }
        }
        while (!inFlight.isEmpty()) {
            last.accumulateAndGet(await(inFlight.removeFirst()), Math::max);
        }
        return last.get();
    }

    private interface TxBody {
        void fill(Tx tx);
    }

    private static long commit(Replica leader, TxBody body) throws InterruptedException {
        try (Tx tx = leader.begin(leader.status().term())) {
            body.fill(tx);
            return await(tx.commit());
        }
    }

    private static long await(CompletableFuture<Long> commit) throws InterruptedException {
        try {
            return commit.get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RdbException rdb) {
                throw rdb;
            }
            throw new IllegalStateException("a commit failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("a commit did not complete within " + WAIT_MILLIS + " ms");
        }
    }

    private static long countAccounts(Replica leader) {
        try (Tx tx = leader.begin(leader.status().term())) {
            long[] count = {0};
            tx.iterate(ACCOUNTS, KvsScan.forward(), record -> {
                count[0]++;
                return true;
            });
            return count[0];
        }
    }

    private static String balance(Replica leader, int account) {
        try (Tx tx = leader.begin(leader.status().term())) {
            return tx.lookup(ACCOUNTS, account(account))
                    .map(bytes -> '"' + new String(bytes, StandardCharsets.UTF_8).strip() + '"')
                    .orElse("(none)");
        }
    }

    private static Key account(int i) {
        return Key.ofUtf8(String.format("account-%04d", i));
    }

    private static Replica awaitLeader(Replica[] replicas, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
        while (System.nanoTime() < deadline) {
            for (Replica replica : replicas) {
                if (replica != null && replica.status().isReadyLeader()) {
                    return replica;
                }
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException("no replica became a ready leader within " + WAIT_MILLIS + " ms of " + what);
    }

    private static void awaitApplied(Replica replica, long index) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
        while (replica.status().appliedIndex() < index) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("replica " + replica.id() + " did not catch up to index " + index
                        + " within " + WAIT_MILLIS + " ms (it is at " + replica.status().appliedIndex() + ")");
            }
            Thread.sleep(5);
        }
    }

    private static int indexOf(Replica[] replicas, Replica replica) {
        for (int i = 0; i < replicas.length; i++) {
            if (replicas[i] == replica) {
                return i;
            }
        }
        throw new IllegalArgumentException("replica " + replica.id() + " is not in the demo");
    }

    private static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    private static Path poolPath(Path dir, long id) {
        return dir.resolve("replica-" + id + ".pool");
    }

    private void cleanUp(VosProvider vos, Path dir, List<Long> ids) throws IOException {
        if (keep) {
            out.printf("kept the pool files in %s%n", dir);
            return;
        }
        for (long id : ids) {
            if (Files.exists(poolPath(dir, id))) {
                vos.destroyPool(poolPath(dir, id));
            }
        }
        if (directory.isEmpty()) {
            Files.deleteIfExists(dir);
        }
    }
}
