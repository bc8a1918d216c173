package org.vostok.rdb;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.zip.CRC32C;
import org.vostok.raft.Membership;
import org.vostok.raft.MembershipChange;
import org.vostok.rdb.model.KvsPath;
import org.vostok.rdb.model.KvsRecord;
import org.vostok.rdb.model.KvsScan;
import org.vostok.rdb.model.ReplicaIds;
import org.vostok.testing.linearizability.CheckResult;
import org.vostok.testing.linearizability.HistoryRecorder;
import org.vostok.testing.linearizability.KvModel;
import org.vostok.testing.linearizability.KvOp;
import org.vostok.testing.linearizability.KvResult;
import org.vostok.testing.linearizability.LinearizabilityChecker;
import org.vostok.testing.linearizability.Verdict;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.PoolOptions;
import org.vostok.vos.VosLimits;

/**
 * One seeded run of whole replicas in one thread (TigerBeetle's VOPR, for rdb): 3, 5 or 7 real
 * replicas on real pool files, each a {@link Replica} whose loop the simulator drives
 * ({@link Replica#doWork}) with a simulated clock, lanes it runs itself, and a simulated
 * network ({@link SimNetwork}). Everything random comes from the seed, so a run replays exactly.
 *
 * <p>A run has three phases. <b>Faults</b>: clients run a key-value workload
 * ({@link SimKvClient}) while the simulator drops, duplicates and delays messages, partitions
 * the network (symmetric, one-way, partial), crashes and restarts replicas, moves the
 * leadership, and replaces a voter (removed, a new id allocated, added as a learner, promoted);
 * small pools, a small compaction threshold and aggregation that lags make for full pools,
 * compaction and snapshots under load. <b>Heal</b>: the network is calm again, every crashed
 * replica restarts, the clients go on a while and stop. <b>Check</b>: the members must converge
 * (same applied index everywhere) within a bound, the history must be linearizable (test-support's
 * checker), the replicas' trees must be equal, and no replica may have stopped on an error.
 *
 * <p>A failure throws {@link SimulationFailure} with the seed and a one-line replay command.
 */
final class ReplicaSimulation {

    /** Where simulated time starts. */
    private static final long START_NANOS = 1_000_000_000L;
    /** The longest the simulator lets time jump without looking at anything. */
    private static final long STEP_NANOS_MAX = 1_000_000;
    /** Rounds of work at one instant at most, before time moves on. */
    private static final int ROUNDS_PER_INSTANT_MAX = 64;
    private static final long MILLIS = 1_000_000;
    /**
     * Whether replicas with lease reads are paused too. On: the lease is measured on the
     * runtime's monotonic clock, which runs on while a process is paused, so a leader that wakes
     * after its lease ran out serves no stale read (a lease counted in ticks did). Turn off with
     * -Dvostok.sim.pausesWithLeases=false to compare.
     */
    private static final boolean PAUSES_WITH_LEASES =
            Boolean.parseBoolean(System.getProperty("vostok.sim.pausesWithLeases", "true"));
    /**
     * Whether the seeds with full pools use PMDK pools (by default they use WAL pools). Off by
     * default: on 16 MiB PMDK pools filled to the margin with values of tens of KiB, a replica may
     * find no free block even for a few bytes with most of the pool free (PMDK hands space out in
     * 256 KiB chunks per allocation size, and after the pool is reopened its chunks may all belong
     * to runs of other sizes), and then cannot write until an operator gives it a larger pool: the
     * run does not converge. -Dvostok.sim.pmemFullPools=true shows it.
     */
    private static final boolean PMDK_FULL_POOLS = Boolean.getBoolean("vostok.sim.pmemFullPools");
    /**
     * Whether a crash of a replica on a WAL pool is a power loss ({@link PowerLoss}: its files
     * lose what they had not synced) rather than a process crash. On by default;
     * -Dvostok.sim.powerLoss=false to compare.
     */
    private static final boolean POWER_LOSS =
            Boolean.parseBoolean(System.getProperty("vostok.sim.powerLoss", "true"));
    private static final KvsPath ROOT = KvsPath.root();
    /** The pool size of every replica: the smallest, so that full pools are within reach. */
    private static final long POOL_BYTES = VosLimits.POOL_BYTES_MIN;

    /** What a seed draws. */
    record Options(int replicas, boolean leaseReads, boolean fullPools, int clients, int keys, int valueBytes,
                   long faultNanos, long compactThresholdEntries, long compactRetainEntries, int maintenanceOneIn,
                   boolean replaceVoter, boolean walPools) {

        static Options of(long seed) {
            SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL);
            int pick = r.nextInt(100);
            int replicas = pick < 65 ? 3 : pick < 90 ? 5 : 7;
            boolean fullPools = r.nextInt(5) == 0;
            long threshold = 16 + r.nextInt(48);
            // Full pools: large values, and aggregation (which gives the space back) seldom run.
            return new Options(replicas, r.nextInt(3) == 0, fullPools, 3 + r.nextInt(4), 2 + r.nextInt(4),
                    fullPools ? (32 << 10) + r.nextInt(32 << 10) : 8 + r.nextInt(64),
                    (fullPools ? 5000 + r.nextInt(2000) : 1500 + r.nextInt(1500)) * MILLIS, threshold, 2 + r.nextInt(6),
                    fullPools ? 20_000 : 2 + r.nextInt(6), r.nextInt(3) == 0,
                    // Drawn last, so that the seeds drew the rest as before it was added. A third
                    // of the others on WAL pools too, whose crashes are power losses (the layer
                    // records every write, which costs time: with half, the CI seeds took 101 s
                    // on a busy machine).
                    fullPools ? !PMDK_FULL_POOLS : r.nextInt(3) == 0);
        }
    }

    /** What a run did, for the report and to check that a replay does the same. */
    record Outcome(long seed, Options options, long operations, long ambiguous, long nospace, long faults,
                   long crashes, long powerCuts, long lossyPowerCuts, long pauses, boolean voterReplaced,
                   long delivered, long dropped,
                   long snapshotChunks, long fullPoolWrites, long scrubPasses, long localReads, long appliedIndex,
                   long simulatedMillis, long fingerprint) {

        /**
         * What must be the same when the seed runs again: all but {@link #lossyPowerCuts}, which
         * depends also on how far each pool's background thread (checkpoints, spare segments) had
         * got at a cut, since its writes not yet synced are among what a power loss may drop, and
         * {@link #scrubPasses}, which is kept out of the fingerprint for the same kind of reason
         * (see where it is counted): seed 4244 replayed once with 1 pass against 2 and every
         * other figure equal.
         */
        Outcome replayable() {
            return new Outcome(seed, options, operations, ambiguous, nospace, faults, crashes, powerCuts, 0, pauses,
                    voterReplaced, delivered, dropped, snapshotChunks, fullPoolWrites, 0, localReads, appliedIndex,
                    simulatedMillis, fingerprint);
        }
    }

    /** A run that found a bug (or could not finish): the message says what, and how to replay it. */
    static final class SimulationFailure extends AssertionError {
        private static final long serialVersionUID = 1L;

        SimulationFailure(long seed, String what, Throwable cause) {
            super("simulation seed " + seed + " failed: " + what + "\n  replay: " + replayCommand(seed), cause);
        }
    }

    static String replayCommand(long seed) {
        return "./mvnw -B -o -pl java-rdb verify -Dtest=ReplicaSimulationTest#replay -Dvostok.sim.seed=" + seed
                + " -Dsurefire.failIfNoSpecifiedTests=false";
    }

    private final long seed;
    private final Options options;
    private final SplittableRandom random;
    private final SplittableRandom faultRandom;
    private final SimNetwork network;
    private final SimCluster cluster;
    private final HistoryRecorder<KvOp, KvResult> recorder;
    private final List<SimKvClient> clients = new ArrayList<>();
    private long now = START_NANOS;
    private long faults;
    private long crashes;
    private final CRC32C fingerprint = new CRC32C();
    private final TreeMap<Long, Long> crashedUntil = new TreeMap<>();
    /** Replicas whose process is paused (a stop-the-world pause, a descheduled VM), until when. */
    private final TreeMap<Long, Long> pausedUntil = new TreeMap<>();
    private long pauses;
    private VoterReplacement replacement;
    private boolean healed;
    private boolean replaced;

    private ReplicaSimulation(long seed, Path dir) {
        this.seed = seed;
        this.options = Options.of(seed);
        SplittableRandom root = new SplittableRandom(seed);
        this.random = root.split();
        this.faultRandom = root.split();
        SplittableRandom clientRandom = root.split();
        this.network = new SimNetwork(root.split(), () -> now);
        SplittableRandom powerRandom = root.split();
        RdbConfig config = RdbConfig.builder().tickMillis(10).electionTimeoutTicks(10).heartbeatTicks(2)
                // Simulated clocks do not drift; the margin must stay below the 90 ms lease.
                .clockDriftMarginMillis(20)
                .checkQuorum(true).preVote(true).leaseReads(options.leaseReads()).readTimeoutMillis(1000)
                .commitTimeoutMillis(3000).compactThresholdEntries(options.compactThresholdEntries())
                .compactRetainEntries(options.compactRetainEntries())
                .snapshotChunkBytesMax(RdbConfig.SNAPSHOT_CHUNK_BYTES_MIN)
                .aggregationSliceKeys(64).maintenanceRetryMillis(100)
                .poolFreeBytesMin(options.fullPools() ? 6L << 20 : 2L << 20).randomSeed(seed).build();
        // Full pools on WAL pools: on PMDK pools of this size, writing at the margin strands whole
        // chunks (see PMDK_FULL_POOLS), which the replicas cannot recover from.
        PoolOptions pools = options.walPools() ? PoolOptions.wal() : PoolOptions.pmem();
        Optional<PowerLoss> powerLoss = POWER_LOSS && options.walPools() ? Optional.of(PowerLoss.install())
                : Optional.empty();
        this.cluster = new SimCluster(dir, config, pools, POOL_BYTES, network, () -> now, options.clients(),
                powerLoss, powerRandom);
        this.recorder = HistoryRecorder.withClock(() -> now);
        List<String> keys = new ArrayList<>();
        for (int k = 0; k < options.keys(); k++) {
            keys.add("k" + k);
        }
        for (int c = 0; c < options.clients(); c++) {
            clients.add(new SimKvClient(c, cluster, recorder, clientRandom.split(), now, keys, options.valueBytes(),
                    4000 * MILLIS));
        }
    }

    /** Runs seed {@code seed} with its pool files in {@code dir}; throws {@link SimulationFailure} on a failure. */
    static Outcome run(long seed, Path dir) {
        ReplicaSimulation sim;
        try {
            sim = new ReplicaSimulation(seed, dir);
        } catch (RuntimeException e) {
            throw new SimulationFailure(seed, "setting up: " + e, e);
        }
        try {
            return sim.run();
        } catch (SimulationFailure e) {
            throw e;
        } catch (Throwable e) {
            throw new SimulationFailure(seed, "at " + (sim.now - START_NANOS) / MILLIS + " ms: " + e, e);
        } finally {
            sim.cluster.close();
        }
    }

    private Outcome run() {
        cluster.found(options.replicas());
        createRoot();
        // Faults.
        long faultEnd = now + options.faultNanos();
        long nextFault = now + 200 * MILLIS;
        while (now < faultEnd) {
            work();
            if (now >= nextFault) {
                injectFault();
                nextFault = now + (20 + faultRandom.nextInt(250)) * MILLIS;
            }
            advance(Math.min(nextFault, faultEnd));
        }
        // Heal: the maintenance runs whenever it is due from now on, as its own thread would.
        healed = true;
        network.heal();
        pausedUntil.clear();
        for (long id : List.copyOf(crashedUntil.keySet())) {
            restart(id);
        }
        long quietEnd = now + 500 * MILLIS;
        while (now < quietEnd) {
            work();
            advance(quietEnd);
        }
        clients.forEach(SimKvClient::stopIssuing);
        long settleEnd = now + 30_000 * MILLIS;
        while (!(clientsIdle() && converged() && (replacement == null || replacement.done()))) {
            if (now >= settleEnd) {
                throw failure("no convergence within 30 s of simulated time after the heal: " + describe());
            }
            work();
            advance(settleEnd);
        }
        return check();
    }

    /** Creates the root KVS through whichever replica leads. */
    private void createRoot() {
        long deadline = now + 10_000 * MILLIS;
        CompletableFuture<Long> f = null;
        while (true) {
            if (now >= deadline) {
                throw failure("no leader created the root within 10 s");
            }
            if (f != null && f.isDone()) {
                try {
                    f.join();
                    return;
                } catch (java.util.concurrent.CompletionException e) {
                    if (e.getCause() instanceof org.vostok.rdb.model.RdbException r
                            && r.error() == org.vostok.rdb.model.RdbError.EXIST) {
                        return; // an earlier attempt that ended ambiguously created it
                    }
                }
                f = null;
            }
            Optional<Replica> leader = cluster.leader();
            if (f == null && leader.isPresent()) {
                try {
                    f = leader.get().begin(leader.get().status().term()).createRoot(KeyOrder.LEXICAL).commit();
                } catch (RuntimeException e) {
                    f = null;
                }
            }
            workOnce();
            advance(now + STEP_NANOS_MAX);
        }
    }

    // ----------------------------------------------------------------------------------------
    // The scheduler

    /** Works everything due at this instant until nothing more is (or a bound is reached). */
    private void work() {
        for (int round = 0; round < ROUNDS_PER_INSTANT_MAX; round++) {
            boolean progress = workOnce();
            for (SimKvClient c : clients) {
                progress |= c.step(now);
            }
            if (replacement != null) {
                progress |= replacement.step();
            }
            if (!progress) {
                return;
            }
        }
    }

    private boolean workOnce() {
        boolean progress = network.deliverDue(now) > 0;
        List<Long> ids = cluster.runningIds();
        Collections.shuffle(ids, new java.util.Random(random.nextLong()));
        ids.removeIf(id -> pausedUntil.getOrDefault(id, 0L) > now);
        for (long id : ids) {
            Replica r = cluster.running(id).orElseThrow();
            if (r.hasInbound() || r.nextWakeNanos() <= now) {
                try {
                    progress |= r.doWork(now) > 0;
                } catch (Throwable e) {
                    cluster.stopOn(id, e);
                    throw failure("replica " + id + " stopped on an error: " + e, e);
                }
                fingerprint.update(longBytes(id ^ r.status().appliedIndex() ^ (r.status().term() << 40)));
            }
        }
        // The lanes (completions, events, snapshot reads) in an order the seed chooses.
        for (long id : ids) {
            Optional<SimCluster.Node> n = cluster.find(id, true);
            if (n.isEmpty()) {
                continue;
            }
            List<SimLane> lanes = new ArrayList<>(n.get().runtime.lanes());
            Collections.shuffle(lanes, new java.util.Random(random.nextLong()));
            for (SimLane lane : lanes) {
                while (lane.runNext()) {
                    progress = true;
                }
            }
            if ((healed || random.nextInt(options.maintenanceOneIn()) == 0) && n.get().replica != null) {
                progress |= n.get().replica.runMaintenance();
            }
        }
        return progress;
    }

    /** Moves time to the next thing due, at most {@code until} and at most {@link #STEP_NANOS_MAX} on. */
    private void advance(long until) {
        long next = Math.min(until, now + STEP_NANOS_MAX);
        next = Math.min(next, network.nextDeliveryNanos());
        for (long id : cluster.runningIds()) {
            long paused = pausedUntil.getOrDefault(id, 0L);
            next = Math.min(next, paused > now ? paused : cluster.running(id).orElseThrow().nextWakeNanos());
        }
        for (SimKvClient c : clients) {
            next = Math.min(next, c.wakeNanos());
        }
        for (long at : crashedUntil.values()) {
            next = Math.min(next, at);
        }
        now = Math.max(next, now + 1000);
        // Crashed replicas come back when their time comes.
        for (var e : List.copyOf(crashedUntil.entrySet())) {
            if (e.getValue() <= now) {
                restart(e.getKey());
            }
        }
    }

    // ----------------------------------------------------------------------------------------
    // Faults

    private void injectFault() {
        faults++;
        List<Long> members = cluster.liveIds();
        List<Long> running = cluster.runningIds();
        int kind = faultRandom.nextInt(100);
        if (kind < 15) {
            network.setFaults(randomFaults());
        } else if (kind < 25) {
            long from = members.get(faultRandom.nextInt(members.size()));
            long to = members.get(faultRandom.nextInt(members.size()));
            if (from != to) {
                network.setFaults(from, to, randomFaults());
            }
        } else if (kind < 35) {
            List<Long> side = new ArrayList<>(members);
            Collections.shuffle(side, new java.util.Random(faultRandom.nextLong()));
            network.partition(side.subList(0, 1 + faultRandom.nextInt(Math.max(1, members.size() / 2))));
        } else if (kind < 43) {
            // One way.
            long from = members.get(faultRandom.nextInt(members.size()));
            long to = members.get(faultRandom.nextInt(members.size()));
            if (from != to) {
                network.cut(from, to);
            }
        } else if (kind < 50) {
            // Partial: one replica loses some of its links, both ways, and keeps the others.
            long a = members.get(faultRandom.nextInt(members.size()));
            for (long b : members) {
                if (b != a && faultRandom.nextBoolean()) {
                    network.cut(a, b);
                    network.cut(b, a);
                }
            }
        } else if (kind < 60) {
            network.heal();
        } else if (kind < 65) {
            // A pause of the whole process: messages and requests queue up meanwhile.
            if (!running.isEmpty() && (options.leaseReads() ? PAUSES_WITH_LEASES : true)) {
                long id = running.get(faultRandom.nextInt(running.size()));
                Optional<Replica> leader = cluster.leader();
                if (leader.isPresent() && faultRandom.nextBoolean()) {
                    // The leader, cut off as well: the others elect another meanwhile, and when it
                    // resumes it has heard nothing of it (clients still reach it).
                    id = leader.get().id();
                    network.partition(List.of(id));
                }
                pausedUntil.put(id, now + (20 + faultRandom.nextInt(600)) * MILLIS);
                pauses++;
            }
        } else if (kind < 78) {
            // A crash, keeping a majority of the members up most of the time.
            if (crashedUntil.size() < (members.size() - 1) / 2 + (faultRandom.nextInt(4) == 0 ? 1 : 0)
                    && !running.isEmpty()) {
                long id = running.get(faultRandom.nextInt(running.size()));
                cluster.crash(id);
                crashes++;
                crashedUntil.put(id, now + (50 + faultRandom.nextInt(1200)) * MILLIS);
            }
        } else if (kind < 88) {
            Optional<Replica> leader = cluster.leader();
            if (leader.isPresent()) {
                long[] voters = leader.get().status().membership().voters();
                long target = voters[faultRandom.nextInt(voters.length)];
                if (target != leader.get().id()) {
                    leader.get().transferLeadership(target);
                }
            }
        } else if (kind < 94) {
            if (options.replaceVoter() && !replaced && crashedUntil.isEmpty()) {
                Membership m = cluster.membership();
                if (m != null && m.voterCount() >= 3) {
                    long[] voters = m.voters();
                    replacement = new VoterReplacement(voters[faultRandom.nextInt(voters.length)]);
                    replaced = true;
                }
            }
        }
        fingerprint.update(longBytes(faults * 131 + kind));
    }

    private SimNetwork.Faults randomFaults() {
        long delayMin = (long) (faultRandom.nextDouble() * 2 * MILLIS);
        return new SimNetwork.Faults(faultRandom.nextDouble() * 0.25, faultRandom.nextDouble() * 0.15, delayMin,
                delayMin + (long) (faultRandom.nextDouble() * 30 * MILLIS));
    }

    private void restart(long id) {
        crashedUntil.remove(id);
        if (!cluster.isMember(id)) {
            return; // removed meanwhile
        }
        cluster.restart(id);
    }

    /**
     * Replaces a voter, as an operator would: removes it (a leader may remove itself), allocates
     * a new id for its rank, formats a pool for it to join, adds it as a learner once it runs, and
     * promotes it once it has caught up. Each step is asked of whichever replica leads, and asked
     * again when it fails.
     */
    private final class VoterReplacement {
        private final long removed;
        private long added;
        private CompletableFuture<Long> inFlight;
        private long nextTryNanos;
        private boolean done;

        VoterReplacement(long removed) {
            this.removed = removed;
        }

        boolean done() {
            return done;
        }

        boolean step() {
            if (done || (inFlight != null && !inFlight.isDone()) || now < nextTryNanos) {
                return false;
            }
            if (inFlight != null) {
                CompletableFuture<Long> f = inFlight;
                inFlight = null;
                if (f.isCompletedExceptionally()) {
                    nextTryNanos = now + 50 * MILLIS;
                    return true;
                }
                if (added == 0 && isAllocation) {
                    added = f.join();
                }
                isAllocation = false;
            }
            Optional<Replica> leader = cluster.leader();
            if (leader.isEmpty()) {
                nextTryNanos = now + 20 * MILLIS;
                return false;
            }
            Membership m = leader.get().status().membership();
            if (m.contains(removed)) {
                inFlight = leader.get().changeMembership(MembershipChange.remove(removed));
            } else if (cluster.isMember(removed)) {
                cluster.retire(removed);
                crashedUntil.remove(removed);
            } else if (added == 0) {
                isAllocation = true;
                inFlight = leader.get().allocateReplicaId(ReplicaIds.rank(removed));
            } else if (cluster.find(added, false).isEmpty()) {
                cluster.startJoining(added);
            } else if (!m.contains(added)) {
                inFlight = leader.get().changeMembership(MembershipChange.addLearner(added));
            } else if (m.isLearner(added)) {
                Optional<Replica> learner = cluster.running(added);
                if (learner.isEmpty()
                        || learner.get().status().appliedIndex() + 8 < leader.get().status().commitIndex()) {
                    nextTryNanos = now + 20 * MILLIS;
                    return false;
                }
                inFlight = leader.get().changeMembership(MembershipChange.promote(added));
            } else {
                done = true;
            }
            return true;
        }

        private boolean isAllocation;
    }

    // ----------------------------------------------------------------------------------------
    // Checks

    private boolean clientsIdle() {
        for (SimKvClient c : clients) {
            if (!c.isIdle()) {
                return false;
            }
        }
        return true;
    }

    /** A ready leader, and every member running with the leader's log applied. */
    private boolean converged() {
        Optional<Replica> leader = cluster.leader();
        if (leader.isEmpty()) {
            return false;
        }
        ReplicaStatus l = leader.get().status();
        if (l.commitIndex() != l.lastIndex()) {
            return false;
        }
        for (long id : memberIds(l.membership())) {
            Optional<Replica> r = cluster.running(id);
            if (r.isEmpty() || r.get().status().appliedIndex() != l.commitIndex()
                    || r.get().status().lastIndex() != l.lastIndex()) {
                return false;
            }
        }
        return true;
    }

    private static List<Long> memberIds(Membership m) {
        List<Long> ids = new ArrayList<>();
        for (long id : m.voters()) {
            ids.add(id);
        }
        for (long id : m.learners()) {
            ids.add(id);
        }
        return ids;
    }

    private String describe() {
        StringBuilder b = new StringBuilder();
        for (SimCluster.Node n : cluster.nodes()) {
            b.append("\n    replica ").append(n.id).append(n.retired ? " (retired)" : "").append(": ")
                    .append(n.replica == null ? "down" : n.replica.status().toString());
        }
        for (int c = 0; c < clients.size(); c++) {
            b.append("\n    client ").append(c).append(clients.get(c).isIdle() ? " idle" : " busy");
        }
        return b.toString();
    }

    private Outcome check() {
        Replica leader = cluster.leader().orElseThrow();
        ReplicaStatus l = leader.status();
        // The trees: every member holds the same at the same applied index.
        TreeMap<String, String> expected = null;
        long expectedFrom = 0;
        long fullPoolWrites = 0;
        for (long id : memberIds(l.membership())) {
            Replica r = cluster.running(id).orElseThrow();
            TreeMap<String, String> tree = tree(r, l.commitIndex());
            if (expected == null) {
                expected = tree;
                expectedFrom = id;
            } else if (!expected.equals(tree)) {
                throw failure("replicas " + expectedFrom + " and " + id + " hold different trees at index "
                        + l.commitIndex() + ": " + expected + " and " + tree);
            }
            fullPoolWrites += r.status().fullPoolWrites();
        }
        long scrubPasses = 0;
        for (long id : cluster.runningIds()) {
            Optional<org.vostok.rdb.model.RdbException> failure = cluster.running(id).orElseThrow().failure();
            if (failure.isPresent()) {
                throw failure("replica " + id + " stopped: " + failure.get().getMessage(), failure.get());
            }
            // Every pool here is sound: what its background scrub finds is a bug in the store or
            // in the scrub. Its passes are counted for the report but kept out of the fingerprint:
            // three runs of the same 200 seeds counted 5,916, 5,915 and 5,914 passes with every
            // other figure equal. Not explained yet; perhaps the read pins that the garbage
            // collector releases, which move aggregation and with it the bytes a pass checks.
            ReplicaStatus s = cluster.running(id).orElseThrow().status();
            if (s.scrubDamage() != 0) {
                throw failure("replica " + id + "'s scrub found " + s.scrubDamage() + " damaged structures in a"
                        + " sound pool (see the log)");
            }
            scrubPasses += s.scrubPasses();
        }
        List<String> violations = cluster.listenerViolations();
        if (!violations.isEmpty()) {
            throw failure("leadership events out of order: " + violations);
        }
        // The history.
        CheckResult<KvOp, KvResult> result = new LinearizabilityChecker<>(new KvModel()).check(recorder.history());
        if (result.verdict() != Verdict.LINEARIZABLE) {
            throw failure("the history is not linearizable (" + result.verdict() + "): " + result);
        }
        long operations = 0;
        long ambiguous = 0;
        long nospace = 0;
        long localReads = 0;
        for (SimKvClient c : clients) {
            localReads += c.localReads();
            operations += c.operations();
            ambiguous += c.ambiguous();
            nospace += c.nospace();
        }
        fingerprint.update(longBytes(l.commitIndex()));
        fingerprint.update(expected.toString().getBytes(StandardCharsets.UTF_8));
        fingerprint.update(longBytes(network.delivered()));
        return new Outcome(seed, options, operations, ambiguous, nospace, faults, crashes, cluster.powerCuts(),
                cluster.lossyPowerCuts(), pauses,
                replacement != null && replacement.done(), network.delivered(), network.dropped(),
                network.snapshotChunks(), fullPoolWrites, scrubPasses, localReads, l.commitIndex(),
                (now - START_NANOS) / MILLIS,
                fingerprint.getValue());
    }

    /** The root KVS of replica {@code r} at {@code index}: key to value. */
    private static TreeMap<String, String> tree(Replica r, long index) {
        TreeMap<String, String> tree = new TreeMap<>();
        r.store().reader(index).iterate(ROOT, KvsScan.forward(), rec -> {
            if (rec instanceof KvsRecord.Value v) {
                tree.put(((Key.LexicalKey) v.key()).utf8(), new String(v.value(), StandardCharsets.UTF_8));
            } else {
                tree.put(((Key.LexicalKey) rec.key()).utf8(), "<kvs>");
            }
            return true;
        });
        return tree;
    }

    private SimulationFailure failure(String what) {
        return new SimulationFailure(seed, "at " + (now - START_NANOS) / MILLIS + " ms: " + what, null);
    }

    private SimulationFailure failure(String what, Throwable cause) {
        return new SimulationFailure(seed, "at " + (now - START_NANOS) / MILLIS + " ms: " + what, cause);
    }

    private static byte[] longBytes(long v) {
        return java.nio.ByteBuffer.allocate(8).putLong(v).array();
    }
}
