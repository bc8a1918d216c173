package org.vostok.rdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vostok.raft.Role;
import org.vostok.rdb.model.KvsPath;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.store.LocalStateReads;
import org.vostok.rdb.testing.Await;
import org.vostok.rdb.testing.ClusterFaultTarget;
import org.vostok.rdb.testing.KvServices;
import org.vostok.rdb.testing.RdbKvClient;
import org.vostok.rdb.testing.RecordingListener;
import org.vostok.rdb.testing.TestCluster;
import org.vostok.testing.faults.FaultInjector;
import org.vostok.testing.faults.FaultSchedule;
import org.vostok.testing.linearizability.CheckResult;
import org.vostok.testing.linearizability.HistoryRecorder;
import org.vostok.testing.linearizability.KvModel;
import org.vostok.testing.linearizability.KvOp;
import org.vostok.testing.linearizability.KvResult;
import org.vostok.testing.linearizability.LinearizabilityChecker;
import org.vostok.testing.linearizability.Verdict;
import org.vostok.testing.workload.KvClient;
import org.vostok.testing.workload.KvWorkload;
import org.vostok.testing.workload.Reply;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.VosException;

/**
 * A concurrent key-value workload ({@link KvWorkload}: reads, writes, deletes, compare-and-sets;
 * {@link org.vostok.rdb.testing.KvService} says how a compare-and-set is made atomic) on a
 * cluster in one process, while a seeded {@link FaultSchedule} partitions it (symmetrically,
 * one way, around the leader), drops, duplicates and delays its messages, and kills and restarts
 * its leader and other replicas from their pools. Clients follow NOTLEADER hints and retry; an
 * ambiguous commit is settled with a later leader ({@link RdbKvClient}). At the end the network
 * is healed, every key is read once more, and the history must be linearizable.
 *
 * <p>The seed is printed and named in every failure. {@code -Dvostok.faults.seed=N} replays the
 * fault schedule, the election timeouts and every client's stream of operations; the threads
 * still interleave as the machine runs them, so a failure may need a few runs of its seed to come
 * back. {@code -Dvostok.faults.steps=N} runs a longer schedule (the CI runs 8 steps, every kind of
 * fault among them, about 12 s of faults per test), e.g.
 * {@code ./mvnw -o -pl java-rdb verify -Dtest=LinearizabilityUnderFaultsTest -Dvostok.faults.steps=30}.
 * The clients write as fast as the cluster commits, and the log is not compacted yet, so beyond
 * about 40 steps the 64 MiB test pools fill up (NOSPACE stops a replica).
 *
 * <p>{@link #readsOfAFollowersOwnStateAreCaught} runs the same harness with a deliberately broken
 * read path and shows that the check does fail when reads are stale.
 */
class LinearizabilityUnderFaultsTest {

    private static final KvsPath ROOT = KvsPath.root();
    /** How long a client tries one operation (and as long again to settle an ambiguous one). */
    private static final long OPERATION_MILLIS_MAX = 5_000;

    @TempDir
    Path dir;
    private TestCluster cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) {
            cluster.closeAndCheckEvents();
        }
    }

    private static long seed() {
        Long given = Long.getLong("vostok.faults.seed");
        long seed = given != null ? given : new SplittableRandom().nextLong();
        System.out.println("LinearizabilityUnderFaultsTest: seed " + seed + " (replay with -Dvostok.faults.seed=" + seed + ")");
        return seed;
    }

    private static FaultSchedule.Options schedule(int ciSteps) {
        return FaultSchedule.Options.defaults().withSteps(Integer.getInteger("vostok.faults.steps", ciSteps));
    }

    /** What one run recorded. */
    private record Run(long seed, FaultSchedule schedule, String faultLog, KvWorkload.Counts counts,
                       RdbKvClient.Stats stats, CheckResult<KvOp, KvResult> result) {
        String describe() {
            return "seed " + seed + " (replay with -Dvostok.faults.seed=" + seed + ")\n" + counts + "; " + stats + "\n"
                    + schedule
                    + "\nwhat the injector did:\n" + faultLog + "\n" + result;
        }
    }

    /**
     * Starts a cluster, runs the workload through the schedule, heals, reads every key once more,
     * and checks the history. {@code wrapper} may change each workload client.
     */
    private Run run(long seed, int replicas, RdbConfig config, FaultSchedule.Options options,
                    ClientWrapper wrapper) throws InterruptedException {
        cluster = TestCluster.start(dir, replicas, config, seed, id -> new RecordingListener());
        cluster.commit(tx -> tx.createRoot(KeyOrder.LEXICAL));
        KvServices services = new KvServices();
        HistoryRecorder<KvOp, KvResult> recorder = new HistoryRecorder<>();
        KvWorkload.Options shape = KvWorkload.Options.defaults(seed);
        RdbKvClient.Stats stats = new RdbKvClient.Stats();
        IntFunction<KvClient> clients = n -> wrapper.wrap(n,
                new RdbKvClient(cluster, services, seed * 31 + n, OPERATION_MILLIS_MAX, stats));
        FaultSchedule schedule = FaultSchedule.generate(seed, cluster.ids(), options);

        KvWorkload workload = KvWorkload.start(shape, clients, recorder);
        String faultLog;
        try (FaultInjector injector = FaultInjector.start(new ClusterFaultTarget(cluster), schedule)) {
            try {
                injector.awaitFinished();
            } finally {
                workload.stop();
            }
            faultLog = injector.logText();
        }
        KvWorkload.Counts counts = workload.awaitStopped();

        // Healed: the cluster must serve every key again (a client with the longest deadline).
        KvClient last = new RdbKvClient(cluster, services, seed - 1, Await.DEADLINE_MILLIS);
        for (int k = 0; k < shape.keys(); k++) {
            Reply reply = KvWorkload.perform(last, shape.clients(), KvOp.read(KvWorkload.key(k)), recorder);
            assertInstanceOf(Reply.Ok.class, reply, () -> "after the heal, seed " + seed + ": " + reply + "\n" + faultLog);
        }
        wrapper.afterHeal(recorder);
        CheckResult<KvOp, KvResult> result = new LinearizabilityChecker<>(new KvModel()).check(recorder.history());
        Run run = new Run(seed, schedule, faultLog, counts, stats, result);
        System.out.println("LinearizabilityUnderFaultsTest: " + counts + "; " + stats + "; " + result.verdict() + " ("
                + result.operationsChecked() + " operations checked, " + result.statesExplored() + " search states)\n"
                + faultLog);
        return run;
    }

    /** How a test changes the clients: the normal run leaves them as they are. */
    private interface ClientWrapper {
        KvClient wrap(int n, RdbKvClient client);

        default void afterHeal(HistoryRecorder<KvOp, KvResult> recorder) {
        }
    }

    @Test
    void threeReplicasWithReadIndexStayLinearizableUnderEveryFault() throws InterruptedException {
        long seed = seed();
        RdbConfig config = TestCluster.testConfig(seed).build();
        Run run = run(seed, 3, config, schedule(8), (n, client) -> client);

        assertEquals(Verdict.LINEARIZABLE, run.result().verdict(), run::describe);
        assertTrue(run.counts().ok() > 0, run::describe);
    }

    @Test
    void fiveReplicasWithLeaseReadsStayLinearizableUnderEveryFault() throws InterruptedException {
        long seed = seed();
        RdbConfig config = TestCluster.testConfig(seed).leaseReads(true).build();
        Run run = run(seed, 5, config, schedule(8), (n, client) -> client);

        assertEquals(Verdict.LINEARIZABLE, run.result().verdict(), run::describe);
        assertTrue(run.counts().ok() > 0, run::describe);
    }

    /**
     * The check can fail here: the same harness, but every read goes to a follower and returns
     * what that follower has applied, with no ReadIndex ({@link LocalStateReads}), while the
     * schedule partitions the cluster. To make the verdict certain rather than likely, a probe
     * after the schedule writes a fresh key, waits until a follower has it, cuts that follower
     * off, writes the key again, and reads it from the follower: the read returns the first
     * value after the second write was acknowledged.
     */
    @Test
    void readsOfAFollowersOwnStateAreCaught() throws InterruptedException {
        long seed = seed();
        RdbConfig config = TestCluster.testConfig(seed).build();
        FaultSchedule.Options partitions = FaultSchedule.Options.defaults().withSteps(3)
                .withKinds(java.util.EnumSet.of(FaultSchedule.Kind.PARTITION, FaultSchedule.Kind.ISOLATE_LEADER));
        Run run = run(seed, 3, config, partitions, new ClientWrapper() {
            @Override
            public KvClient wrap(int n, RdbKvClient client) {
                SplittableRandom random = new SplittableRandom(seed + n);
                return op -> op instanceof KvOp.Read ? readFromAFollower(op.key(), random) : client.perform(op);
            }

            @Override
            public void afterHeal(HistoryRecorder<KvOp, KvResult> recorder) {
                probeAStaleRead(seed, recorder);
            }
        });

        assertEquals(Verdict.NOT_LINEARIZABLE, run.result().verdict(), run::describe);
        assertTrue(run.result().violations().stream().anyMatch(v -> v.partition().equals("probe")), run::describe);
    }

    /** The broken read: a follower's own applied state, no read index. */
    private Reply readFromAFollower(String key, SplittableRandom random) {
        List<Long> followers = cluster.runningIds().stream()
                .filter(id -> cluster.running(id).map(r -> r.status().role() != Role.LEADER).orElse(false)).toList();
        if (followers.isEmpty()) {
            return Reply.failed("no follower is running");
        }
        return readLocally(followers.get(random.nextInt(followers.size())), key);
    }

    private Reply readLocally(long id, String key) {
        Optional<Replica> replica = cluster.running(id);
        if (replica.isEmpty()) {
            return Reply.failed("replica " + id + " is not running");
        }
        try {
            Optional<byte[]> value = LocalStateReads.lookup(cluster.pool(id), replica.get().status().appliedIndex(), ROOT,
                    Key.ofUtf8(key));
            return Reply.ok(KvResult.valueOf(value.map(v -> new String(v, StandardCharsets.UTF_8))));
        } catch (RdbException | VosException | IllegalStateException e) {
            return Reply.failed("replica " + id + " could not be read: " + e);
        }
    }

    private void probeAStaleRead(long seed, HistoryRecorder<KvOp, KvResult> recorder) {
        int client = 1000;
        KvClient writer = new RdbKvClient(cluster, new KvServices(), seed + 7, Await.DEADLINE_MILLIS);
        assertInstanceOf(Reply.Ok.class, KvWorkload.perform(writer, client, KvOp.write("probe", "p1"), recorder));
        long follower = Await.value("a follower that has applied the first probe write", () -> cluster.runningIds()
                .stream().filter(id -> cluster.replica(id).status().role() == Role.FOLLOWER)
                .filter(id -> readLocally(id, "probe").equals(Reply.ok(KvResult.value("p1")))).findFirst());
        cluster.network().isolate(follower);
        try {
            assertInstanceOf(Reply.Ok.class, KvWorkload.perform(writer, client, KvOp.write("probe", "p2"), recorder));
            Reply stale = KvWorkload.perform(op -> readLocally(follower, op.key()), client + 1, KvOp.read("probe"),
                    recorder);
            assertEquals(Reply.ok(KvResult.value("p1")), stale, "the cut-off follower cannot have the second write");
        } finally {
            cluster.network().heal();
        }
    }
}
