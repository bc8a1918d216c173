package org.vostok.rdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vostok.rdb.testing.Await;
import org.vostok.rdb.testing.KvService;
import org.vostok.rdb.testing.KvServices;
import org.vostok.rdb.testing.RdbKvClient;
import org.vostok.rdb.testing.RecordingListener;
import org.vostok.rdb.testing.TestCluster;
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
import org.vostok.vos.KeyOrder;
import org.vostok.rdb.model.RequestId;

/**
 * A leader whose owner thread stalls for longer than the election timeout, cut off from the
 * others, must not answer the reads queued during the stall from its lease when it resumes.
 *
 * <p>Before the fix the lease was counted in the Raft core's ticks, and the owner thread does not
 * catch up the ticks it missed: the leader resumed believing its lease held and answered the
 * reads queued during the stall with the value it had, after the others had elected a new
 * leader and a client had been told its newer write committed. The checker rejected the history.
 * The lease is now measured on the owner thread's monotonic clock when each read is served, so
 * those reads take a heartbeat round that nobody answers, and fail when the leader steps down.
 *
 * <p>The history: writes of one key before the stall (on the old leader), reads queued at the
 * old leader just before the stall and during it, writes on the new leader during the stall,
 * and, after the network heals, reads through a client that follows hints. Every operation is
 * recorded and the whole history judged by test-support's linearizability checker. The stall is
 * a test hook ({@link Request.Stall}) that ends when the test has seen the new leader commit, so
 * nothing here is timed.
 */
class LeaseReadsAcrossAStallTest {

    private static final String KEY = "k";
    /** Readers queued just before the stall, and during it. */
    private static final int READERS_BEFORE = 2;
    private static final int READERS_DURING = 4;
    /** Writes on the new leader while the old one stalls. */
    private static final int WRITES_DURING = 3;

    @TempDir
    Path dir;
    private TestCluster cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) {
            cluster.closeAndCheckEvents();
        }
    }

    @Test
    void aLeaderStalledPastItsLeaseDoesNotAnswerFromIt() throws InterruptedException {
        long seed = new SplittableRandom().nextLong();
        RdbConfig config = TestCluster.testConfig(seed).leaseReads(true).build();
        cluster = TestCluster.start(dir, 3, config, seed, id -> new RecordingListener());
        cluster.commit(tx -> tx.createRoot(KeyOrder.LEXICAL));
        KvServices services = new KvServices();
        HistoryRecorder<KvOp, KvResult> recorder = new HistoryRecorder<>();
        int client = 0;

        Replica old = cluster.awaitLeader();
        KvClient onOld = directClient(services, old.id());
        assertOk(KvWorkload.perform(onOld, client++, KvOp.write(KEY, "v0"), recorder));
        assertOk(KvWorkload.perform(onOld, client++, KvOp.read(KEY), recorder));

        // Cut the leader off, queue reads, then stall its owner thread behind them.
        cluster.network().isolate(old.id());
        List<Thread> readers = new ArrayList<>();
        Reply[] readReplies = new Reply[READERS_BEFORE + READERS_DURING];
        for (int i = 0; i < READERS_BEFORE; i++) {
            readers.add(startReader(onOld, client++, recorder, readReplies, readers.size()));
        }
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch resume = new CountDownLatch(1);
        old.submitInternal(new Request.Stall(started, resume, Await.DEADLINE_MILLIS));
        assertTrue(started.await(Await.DEADLINE_MILLIS, TimeUnit.MILLISECONDS), "the owner thread never stalled");
        try {
            // The others elect a leader (after an election timeout without hearing from the old
            // one) and commit writes that clients see acknowledged.
            List<Long> others = cluster.ids().stream().filter(id -> id != old.id()).toList();
            Replica fresh = cluster.awaitLeaderAmong(others);
            assertTrue(fresh.status().term() > old.status().term(), "a new term: " + fresh.status());
            KvClient onFresh = directClient(services, fresh.id());
            for (int i = 1; i <= WRITES_DURING; i++) {
                assertOk(KvWorkload.perform(onFresh, client++, KvOp.write(KEY, "v" + i), recorder));
            }
            // Reads asked of the old leader now, after those writes were acknowledged: they wait
            // in its queue behind the stall.
            for (int i = 0; i < READERS_DURING; i++) {
                readers.add(startReader(onOld, client++, recorder, readReplies, readers.size()));
            }
            for (Thread t : readers) {
                Await.until(t.getName() + " waiting for the stalled replica", () -> !t.isAlive()
                        || t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING);
            }
        } finally {
            resume.countDown();
        }
        for (Thread t : readers) {
            t.join(Await.DEADLINE_MILLIS);
            assertTrue(!t.isAlive(), t.getName() + " never got an answer");
        }
        // Healed: a client that follows hints reads the key again, so the history ends settled.
        cluster.network().heal();
        KvClient settled = new RdbKvClient(cluster, services, seed - 1, Await.DEADLINE_MILLIS);
        Reply last = KvWorkload.perform(settled, client, KvOp.read(KEY), recorder);
        assertEquals(Reply.ok(KvResult.value("v" + WRITES_DURING)), last);

        CheckResult<KvOp, KvResult> result = new LinearizabilityChecker<>(new KvModel()).check(recorder.history());
        assertEquals(Verdict.LINEARIZABLE, result.verdict(), () -> "seed " + seed + ", replies to the reads at the"
                + " stalled leader " + List.of(readReplies) + "\n" + result);
        // With the lease measured on the clock, the reads queued during the stall take a round that
        // nobody answers and fail when the old leader steps down; none of them returns a value.
        List<Reply> duringStall = List.of(readReplies).subList(READERS_BEFORE, READERS_BEFORE + READERS_DURING);
        assertTrue(duringStall.stream().allMatch(r -> r instanceof Reply.Failed), "reads queued during the stall: "
                + duringStall);
    }

    /** A reader thread that asks {@code kv} for the key once, records the outcome, keeps the reply at {@code slot}. */
    private static Thread startReader(KvClient kv, int client, HistoryRecorder<KvOp, KvResult> recorder,
                                      Reply[] replies, int slot) {
        Thread t = new Thread(() -> replies[slot] = KvWorkload.perform(kv, client, KvOp.read(KEY), recorder),
                "reader-" + client);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /**
     * A client that asks only replica {@code id}: refusals fail the operation (nothing happened),
     * an ambiguous commit is reported as unknown. The test's own threads must not wander to the
     * stalled replica, where a write would wait for the stall.
     */
    private KvClient directClient(KvServices services, long id) {
        return op -> {
            KvService.Answer answer = services.of(cluster.replica(id)).handle(op, new RequestId(UUID.randomUUID(), 1));
            if (answer instanceof KvService.Done d) {
                return Reply.ok(d.result());
            }
            if (answer instanceof KvService.Refused r) {
                return Reply.failed(r.error().getMessage());
            }
            return Reply.unknown(((KvService.Unknown) answer).error().getMessage());
        };
    }

    private static void assertOk(Reply reply) {
        assertInstanceOf(Reply.Ok.class, reply, () -> "expected the operation to succeed: " + reply);
    }
}
