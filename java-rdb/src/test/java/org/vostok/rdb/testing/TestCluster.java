package org.vostok.rdb.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongFunction;
import org.vostok.rdb.RdbConfig;
import org.vostok.rdb.Replica;
import org.vostok.rdb.ReplicaStatus;
import org.vostok.rdb.Tx;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.model.RequestId;
import org.vostok.rdb.model.RequestOutcome;
import org.vostok.rdb.store.RdbStore;
import org.vostok.rdb.store.TreeReader;
import org.vostok.rdb.transport.LocalNetwork;
import org.vostok.vos.Pool;
import org.vostok.vos.PoolOptions;

/**
 * A cluster of replicas in one process, each on a real pool file in a directory of the test's,
 * connected by a {@link LocalNetwork} that the test can make misbehave. Replicas can be stopped
 * (their pool closed, as a crash after the last persist leaves it), restarted from their pool,
 * and added. Helpers commit and read through whichever replica leads, retrying across leader
 * changes the way a client would (with a request id, so a retry never applies twice).
 *
 * <p>Pools are PMDK pools unless {@link PoolOptions} say otherwise; {@link #reopen} starts a
 * cluster from the pool files an earlier one (or an earlier process) left.
 *
 * <p>Threads: stop, restart and the network's faults may come from one thread (a fault injector)
 * while others use the replicas; a replica stopped under a caller fails its calls with SHUTDOWN.
 *
 * <p>Reused by the tests of later modules (the test-jar of vostok-rdb).
 */
public final class TestCluster implements AutoCloseable {

    private final Path dir;
    private final RdbConfig config;
    private final LocalNetwork network;
    private final LongFunction<RecordingListener> listeners;
    private final PoolOptions poolOptions;
    private final long poolBytes;
    private final Map<Long, Node> nodes = new ConcurrentSkipListMap<>();

    private static final class Node {
        final long id;
        final Path path;
        final RecordingListener listener;
        volatile Pool pool;
        volatile Replica replica;

        Node(long id, Path path, RecordingListener listener) {
            this.id = id;
            this.path = path;
            this.listener = listener;
        }
    }

    private TestCluster(Path dir, RdbConfig config, long seed, LongFunction<RecordingListener> listeners,
                        PoolOptions poolOptions, long poolBytes) {
        this.dir = dir;
        this.config = config;
        this.network = new LocalNetwork(seed);
        this.listeners = listeners;
        this.poolOptions = poolOptions;
        this.poolBytes = poolBytes;
    }

    /**
     * A config for in-process clusters on a loaded machine: ticks of 25 ms, an election timeout
     * of 12 ticks (300 to 600 ms), heartbeats every 2 ticks.
     */
    public static RdbConfig.Builder testConfig(long seed) {
        return RdbConfig.builder().tickMillis(25).electionTimeoutTicks(12).heartbeatTicks(2).randomSeed(seed)
                .readTimeoutMillis(20_000).commitTimeoutMillis(60_000);
    }

    /** Founds and starts a cluster of replicas 1 .. {@code size}. */
    public static TestCluster start(Path dir, int size, long seed) {
        return start(dir, size, testConfig(seed).build(), seed, id -> new RecordingListener());
    }

    /** Founds and starts a cluster with this config and a listener per replica. */
    public static TestCluster start(Path dir, int size, RdbConfig config, long seed,
                                    LongFunction<RecordingListener> listeners) {
        return start(dir, size, config, seed, listeners, PoolOptions.pmem());
    }

    /** Founds and starts a cluster whose pools are made with {@code poolOptions}. */
    public static TestCluster start(Path dir, int size, RdbConfig config, long seed,
                                    LongFunction<RecordingListener> listeners, PoolOptions poolOptions) {
        return start(dir, size, config, seed, listeners, poolOptions, TestPools.POOL_BYTES);
    }

    /** Founds and starts a cluster whose pools (and those of replicas that join) have {@code poolBytes}. */
    public static TestCluster start(Path dir, int size, RdbConfig config, long seed,
                                    LongFunction<RecordingListener> listeners, PoolOptions poolOptions,
                                    long poolBytes) {
        TestCluster c = new TestCluster(dir, config, seed, listeners, poolOptions, poolBytes);
        List<Long> voters = new ArrayList<>();
        for (long id = 1; id <= size; id++) {
            voters.add(id);
        }
        try {
            for (long id : voters) {
                Node n = c.node(id);
                n.pool = TestPools.create(n.path, poolOptions, poolBytes);
                Replica.bootstrap(n.pool, id, voters);
            }
            for (long id : voters) {
                c.startReplica(c.nodes.get(id));
            }
        } catch (RuntimeException | Error e) {
            c.close();
            throw e;
        }
        return c;
    }

    /**
     * Starts replicas {@code ids} again from the pools a cluster founded in {@code dir} left
     * (closed cleanly or not): what a restart after a crash of the whole cluster does. A replica
     * added with {@link #startJoining} afterwards gets a PMDK pool.
     */
    public static TestCluster reopen(Path dir, Collection<Long> ids, RdbConfig config, long seed,
                                     LongFunction<RecordingListener> listeners) {
        TestCluster c = new TestCluster(dir, config, seed, listeners, PoolOptions.pmem(), TestPools.POOL_BYTES);
        try {
            for (long id : ids) {
                c.node(id);
            }
            for (long id : ids) {
                c.restart(id);
            }
        } catch (RuntimeException | Error e) {
            c.close();
            throw e;
        }
        return c;
    }

    private Node node(long id) {
        return nodes.computeIfAbsent(id, i -> new Node(i, dir.resolve("replica-" + i + ".pool"), listeners.apply(i)));
    }

    private void startReplica(Node n) {
        n.replica = Replica.start(n.pool, config, network.endpoint(n.id), n.listener);
    }

    public LocalNetwork network() {
        return network;
    }

    public RdbConfig config() {
        return config;
    }

    /** Every replica's id, running or not. */
    public List<Long> ids() {
        return List.copyOf(nodes.keySet());
    }

    /** The ids of the running replicas. */
    public List<Long> runningIds() {
        return nodes.values().stream().filter(n -> n.replica != null).map(n -> n.id).toList();
    }

    /** Replica {@code id} if it is running. */
    public Optional<Replica> running(long id) {
        Node n = nodes.get(id);
        return n == null ? Optional.empty() : Optional.ofNullable(n.replica);
    }

    /** The pool of running replica {@code id}, for tests that look at what a replica holds. */
    public Pool pool(long id) {
        Node n = nodes.get(id);
        Pool p = n == null ? null : n.pool;
        if (p == null) {
            throw new IllegalStateException("replica " + id + " is not running");
        }
        return p;
    }

    /** The running replica {@code id}. */
    public Replica replica(long id) {
        return running(id).orElseThrow(() -> new IllegalStateException("replica " + id + " is not running"));
    }

    public RecordingListener listener(long id) {
        return nodes.get(id).listener;
    }

    /** Stops replica {@code id} and closes its pool. */
    public void stop(long id) {
        Node n = nodes.get(id);
        if (n.replica != null) {
            n.replica.close();
            n.replica = null;
        }
        if (n.pool != null) {
            n.pool.close();
            n.pool = null;
        }
    }

    /** Opens replica {@code id}'s pool again and starts it. */
    public Replica restart(long id) {
        Node n = nodes.get(id);
        if (n.replica != null) {
            throw new IllegalStateException("replica " + id + " is running");
        }
        n.pool = TestPools.open(n.path);
        startReplica(n);
        return n.replica;
    }

    public void stopAll() {
        for (long id : runningIds()) {
            stop(id);
        }
    }

    /** Formats a new pool for replica {@code id} to join the cluster and starts it (the leader must add it). */
    public Replica startJoining(long id) {
        return startJoining(id, poolBytes);
    }

    /** {@link #startJoining(long)} with a pool of {@code bytes}. */
    public Replica startJoining(long id, long bytes) {
        if (nodes.containsKey(id)) {
            throw new IllegalStateException("replica id " + id + " was used already");
        }
        Node n = node(id);
        n.pool = TestPools.create(n.path, poolOptions, bytes);
        Replica.formatJoining(n.pool, id);
        startReplica(n);
        return n.replica;
    }

    // ----------------------------------------------------------------------------------------
    // Leaders and progress

    /** The running replica that leads and takes transactions, in the latest term, if any. */
    public Optional<Replica> leader() {
        Replica best = null;
        for (Node n : nodes.values()) {
            Replica r = n.replica;
            if (r != null) {
                ReplicaStatus s = r.status();
                if (s.isReadyLeader() && (best == null || s.term() > best.status().term())) {
                    best = r;
                }
            }
        }
        return Optional.ofNullable(best);
    }

    /** Waits for a ready leader among the running replicas. */
    public Replica awaitLeader() {
        return Await.value("a leader among replicas " + runningIds(), this::leader);
    }

    /** Waits for a ready leader that is one of {@code among}. */
    public Replica awaitLeaderAmong(Collection<Long> among) {
        return Await.value("a leader among replicas " + among,
                () -> leader().filter(r -> among.contains(r.id())));
    }

    /** Waits until every replica in {@code ids} has applied {@code index}. */
    public void awaitApplied(long index, Collection<Long> ids) {
        for (long id : ids) {
            Await.until("replica " + id + " applying index " + index,
                    () -> replica(id).status().appliedIndex() >= index);
        }
    }

    // ----------------------------------------------------------------------------------------
    // Transactions through the leader, retried as a client would

    /**
     * Commits the updates {@code updates} queues, on whichever replica leads, retrying across
     * leader changes; a request id makes sure it applies once. Returns the entry's index.
     * Failures of the transaction itself (NONEXIST, EXIST, INVAL, TOOBIG) are thrown.
     */
    public long commit(Consumer<Tx> updates) {
        RequestId requestId = new RequestId(UUID.randomUUID(), 1);
        long deadline = System.nanoTime() + Await.DEADLINE_MILLIS * 1_000_000L;
        boolean tried = false;
        while (true) {
            Replica leader = awaitLeader();
            try {
                Tx tx = leader.begin(leader.status().term());
                tx.requestId(requestId);
                updates.accept(tx);
                tried = true;
                return tx.commit().get(Await.DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
            } catch (RdbException e) {
                retryOrThrow(e, deadline);
            } catch (ExecutionException e) {
                RdbException r = (RdbException) e.getCause();
                if (tried && (isRetriable(r) || r.error() == RdbError.EXIST)) {
                    Optional<RequestOutcome> outcome = requestOutcome(requestId);
                    if (outcome.isPresent()) {
                        return outcomeIndex(outcome.get());
                    }
                }
                retryOrThrow(r, deadline);
            } catch (InterruptedException | TimeoutException e) {
                throw new AssertionError("commit did not complete", e);
            }
        }
    }

    private static long outcomeIndex(RequestOutcome o) {
        if (o.failure().isPresent()) {
            throw new RdbException(o.failure().get(), "the transaction committed at " + o.index() + " but failed");
        }
        return o.index();
    }

    private static boolean isRetriable(RdbException e) {
        return switch (e.error()) {
            case NOTLEADER, STALE, BUSY, TIMEDOUT, SHUTDOWN, OUTCOME_UNKNOWN -> true;
            default -> false;
        };
    }

    private static void retryOrThrow(RdbException e, long deadline) {
        if (!isRetriable(e)) {
            throw e;
        }
        if (System.nanoTime() - deadline > 0) {
            throw new AssertionError("gave up retrying after " + Await.DEADLINE_MILLIS + " ms", e);
        }
        try {
            Thread.sleep(20);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", ie);
        }
    }

    /** Runs {@code query} in a transaction on whichever replica leads, retrying across leader changes. */
    public <T> T read(Function<Tx, T> query) {
        long deadline = System.nanoTime() + Await.DEADLINE_MILLIS * 1_000_000L;
        while (true) {
            Replica leader = awaitLeader();
            try (Tx tx = leader.begin(leader.status().term())) {
                return query.apply(tx);
            } catch (RdbException e) {
                retryOrThrow(e, deadline);
            }
        }
    }

    /** What became of the transaction with {@code requestId}, read on the leader. */
    public Optional<RequestOutcome> requestOutcome(RequestId requestId) {
        return read(tx -> tx.requestOutcome(requestId));
    }

    // ----------------------------------------------------------------------------------------
    // Inspection of stopped replicas

    /**
     * Opens the store of stopped replica {@code id} and runs {@code inspect} on a reader at its
     * stored commit index: what it holds durably.
     */
    public <T> T inspectStopped(long id, Function<TreeReader, T> inspect) {
        Node n = nodes.get(id);
        if (n.replica != null) {
            throw new IllegalStateException("replica " + id + " is running; stop it first");
        }
        try (Pool pool = TestPools.open(n.path); RdbStore store = RdbStore.open(pool, config.storeLimits())) {
            return inspect.apply(store.reader(store.hardState().commit()));
        }
    }

    /** Fails unless every replica's leadership events so far were well-formed (see {@link RecordingListener}). */
    public void assertEventsWellFormed() {
        for (Node n : nodes.values()) {
            n.listener.assertWellFormed();
        }
    }

    /** {@link #close()}, then {@link #assertEventsWellFormed()}: the usual end of a test. */
    public void closeAndCheckEvents() {
        close();
        assertEventsWellFormed();
    }

    /** Stops every replica and closes the network. */
    @Override
    public void close() {
        try {
            for (Node n : nodes.values()) {
                try {
                    stop(n.id);
                } catch (RuntimeException e) {
                    // keep closing the others
                }
            }
        } finally {
            network.close();
        }
    }
}
