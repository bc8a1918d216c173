package org.vostok.rdb;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import org.vostok.raft.Membership;
import org.vostok.rdb.testing.RecordingListener;
import org.vostok.rdb.testing.TestPools;
import org.vostok.vos.Pool;
import org.vostok.vos.PoolBackend;
import org.vostok.vos.PoolOptions;

/**
 * The replicas of a simulation: real replicas on real pool files in one directory, each on a
 * {@link SimRuntime} and the {@link SimNetwork}, driven by the simulator's thread. Replicas crash
 * (as a process crash leaves the pool: nothing more written, the pool closed) and restart from
 * their pools; new replicas are formatted to join. Also the services' key locks, one set per
 * replica, that the clients take for updates.
 *
 * <p>A crash of a replica on a WAL pool is a power loss ({@link PowerLoss}): the pool's files
 * stop taking changes at the crash, the pool is closed (its last checkpoint and syncs reach
 * nothing), and its files are put back as a power cut could leave them, what they had not
 * synced dropped, kept or torn as the seed chooses. A replica that acknowledged something before
 * it was durable comes back without it. A crash of a replica on a PMDK pool is a process crash:
 * the pool holds what its committed transactions wrote (PMDK persists each before it returns).
 *
 * <p>Single-threaded: the simulator's thread only.
 */
final class SimCluster implements AutoCloseable {

    /** One replica id's life: its pool file, and its replica while it runs. */
    static final class Node {
        final long id;
        final Path path;
        Pool pool;
        Replica replica;
        SimRuntime runtime;
        RecordingListener listener;
        /** Removed from the membership for good: never started again. */
        boolean retired;
        int starts;

        Node(long id, Path path) {
            this.id = id;
            this.path = path;
        }
    }

    private final Path dir;
    private final RdbConfig config;
    private final PoolOptions poolOptions;
    private final long poolBytes;
    private final SimNetwork network;
    private final LongSupplier clock;
    private final int clientCount;
    private final TreeMap<Long, Node> nodes = new TreeMap<>();
    private final TreeMap<Long, Set<String>> locks = new TreeMap<>();
    private final List<String> listenerViolations = new ArrayList<>();
    private final Optional<PowerLoss> powerLoss;
    private final SplittableRandom powerRandom;
    private long powerCuts;
    private long lossyPowerCuts;

    /**
     * With {@code powerLoss} present (it must be installed before the first pool is created), a
     * crash of a replica on a WAL pool is a power loss whose choices come from {@code powerRandom}.
     */
    SimCluster(Path dir, RdbConfig config, PoolOptions poolOptions, long poolBytes, SimNetwork network,
               LongSupplier clock, int clientCount, Optional<PowerLoss> powerLoss, SplittableRandom powerRandom) {
        this.powerLoss = poolOptions.backend() == PoolBackend.WAL ? powerLoss : Optional.empty();
        this.powerRandom = powerRandom;
        this.dir = dir;
        this.config = config;
        this.poolOptions = poolOptions;
        this.poolBytes = poolBytes;
        this.network = network;
        this.clock = clock;
        this.clientCount = clientCount;
    }

    /** Formats and starts founding replicas 1 .. {@code size}. */
    void found(int size) {
        List<Long> voters = new ArrayList<>();
        for (long id = 1; id <= size; id++) {
            voters.add(id);
        }
        for (long id : voters) {
            Node n = node(id);
            n.pool = TestPools.create(n.path, poolOptions, poolBytes);
            Replica.bootstrap(n.pool, id, voters);
        }
        for (long id : voters) {
            start(nodes.get(id));
        }
    }

    /** Formats a pool for replica {@code id} to join (the leader must add it) and starts it. */
    void startJoining(long id) {
        Node n = node(id);
        n.pool = TestPools.create(n.path, poolOptions, poolBytes);
        Replica.formatJoining(n.pool, id);
        start(n);
    }

    private Node node(long id) {
        if (nodes.containsKey(id)) {
            throw new IllegalStateException("replica id " + id + " was used already");
        }
        Node n = new Node(id, dir.resolve("replica-" + Long.toUnsignedString(id) + ".pool"));
        nodes.put(id, n);
        return n;
    }

    private void start(Node n) {
        n.runtime = new SimRuntime(clock);
        n.listener = new RecordingListener();
        n.replica = Replica.start(n.pool, config, network.endpoint(n.id), n.listener, n.runtime,
                ReplicaObserver.NONE);
        n.starts++;
    }

    /**
     * Crashes replica {@code id} as its process would die (nothing more is written, its pool is
     * closed), and on a WAL pool as its machine would lose power: the pool's files lose what
     * they had not synced.
     */
    void crash(long id) {
        Node n = nodes.get(id);
        // The power goes first: nothing the crash path does reaches the disk.
        powerLoss.ifPresent(p -> p.cut(n.path.toString()));
        n.replica.crash();
        drainLanes(n);
        checkListener(n);
        n.replica = null;
        n.pool.close();
        n.pool = null;
        if (powerLoss.isPresent()) {
            int lost = powerLoss.get().restore(n.path.toString(), powerRandom.nextLong());
            powerCuts++;
            lossyPowerCuts += lost > 0 ? 1 : 0;
        }
        locks.remove(id);
    }

    /** The crashes that were power losses. */
    long powerCuts() {
        return powerCuts;
    }

    /**
     * The power losses whose files lost something they had not synced (a write dropped or torn,
     * a size or a name undone). Not a replayable figure: which writes are unsynced at a cut
     * depends also on how far the pool's background thread (checkpoints, spare segments) got.
     */
    long lossyPowerCuts() {
        return lossyPowerCuts;
    }

    /** Starts crashed replica {@code id} again from its pool. */
    void restart(long id) {
        Node n = nodes.get(id);
        if (n.replica != null || n.retired) {
            throw new IllegalStateException("replica " + id + " is running or retired");
        }
        n.pool = TestPools.open(n.path);
        start(n);
    }

    /** Crashes replica {@code id} for good: it was removed from the membership. */
    void retire(long id) {
        Node n = nodes.get(id);
        if (n.replica != null) {
            crash(id);
        }
        n.retired = true;
    }

    /** Stops a running replica after a round of it failed, as its owner thread would, and reports it. */
    void stopOn(long id, Throwable e) {
        Node n = nodes.get(id);
        n.replica.stopOn(e);
        drainLanes(n);
    }

    /** Runs whatever a stopped replica's lanes hold (failures for the callers that wait). */
    private static void drainLanes(Node n) {
        for (SimLane lane : n.runtime.lanes()) {
            while (lane.runNext()) {
                // run to the end
            }
        }
    }

    private void checkListener(Node n) {
        try {
            n.listener.assertWellFormed();
        } catch (AssertionError e) {
            listenerViolations.add("replica " + n.id + " (start " + n.starts + "): " + e.getMessage());
        }
    }

    // ----------------------------------------------------------------------------------------
    // What the simulator and the clients ask

    Iterable<Node> nodes() {
        return nodes.values();
    }

    /** Replica id {@code id}'s node, if it was ever started (and runs now, when {@code running}). */
    Optional<Node> find(long id, boolean running) {
        Node n = nodes.get(id);
        return n == null || (running && n.replica == null) ? Optional.empty() : Optional.of(n);
    }

    List<Long> runningIds() {
        List<Long> ids = new ArrayList<>();
        for (Node n : nodes.values()) {
            if (n.replica != null) {
                ids.add(n.id);
            }
        }
        return ids;
    }

    /** The ids started and not retired. */
    List<Long> liveIds() {
        List<Long> ids = new ArrayList<>();
        for (Node n : nodes.values()) {
            if (!n.retired) {
                ids.add(n.id);
            }
        }
        return ids;
    }

    Optional<Replica> running(long id) {
        Node n = nodes.get(id);
        return n == null ? Optional.empty() : Optional.ofNullable(n.replica);
    }

    boolean isMember(long id) {
        Node n = nodes.get(id);
        return n != null && !n.retired;
    }

    /** A replica id that is not retired, drawn from {@code random}. */
    long anyMember(SplittableRandom random) {
        List<Long> ids = liveIds();
        return ids.get(random.nextInt(ids.size()));
    }

    int clientCount() {
        return clientCount;
    }

    /** The running replica that leads and takes transactions in the latest term, if any. */
    Optional<Replica> leader() {
        Replica best = null;
        for (Node n : nodes.values()) {
            if (n.replica != null && n.replica.status().isReadyLeader()
                    && (best == null || n.replica.status().term() > best.status().term())) {
                best = n.replica;
            }
        }
        return Optional.ofNullable(best);
    }

    /** A ready leader of a term after {@code term}, if one runs. */
    Optional<Replica> readyLeaderAfter(long term) {
        return leader().filter(r -> r.status().term() > term);
    }

    /** The membership the latest leader (or any replica) holds. */
    Membership membership() {
        Optional<Replica> leader = leader();
        if (leader.isPresent()) {
            return leader.get().status().membership();
        }
        Membership best = null;
        long bestIndex = -1;
        for (Node n : nodes.values()) {
            if (n.replica != null && n.replica.status().appliedIndex() > bestIndex) {
                best = n.replica.status().membership();
                bestIndex = n.replica.status().appliedIndex();
            }
        }
        return best;
    }

    /** Takes {@code key}'s update lock on replica {@code id}'s service; false when it is taken. */
    boolean lock(long id, String key) {
        return locks.computeIfAbsent(id, i -> new HashSet<>()).add(key);
    }

    void unlock(long id, String key) {
        Set<String> held = locks.get(id);
        if (held != null) {
            held.remove(key);
        }
    }

    /** What the replicas' leadership listeners saw out of order, so far. */
    List<String> listenerViolations() {
        for (Node n : nodes.values()) {
            if (n.replica != null) {
                checkListener(n);
            }
        }
        return listenerViolations;
    }

    /** Stops every running replica cleanly and closes its pool. */
    @Override
    public void close() {
        for (Node n : nodes.values()) {
            if (n.replica != null) {
                try {
                    n.replica.stop();
                    drainLanes(n);
                } catch (RuntimeException e) {
                    // keep closing the others
                }
                n.replica = null;
            }
            if (n.pool != null) {
                n.pool.close();
                n.pool = null;
            }
        }
    }
}
