package org.vostok.rdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vostok.raft.Role;
import org.vostok.rdb.model.KvsPath;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.testing.Await;
import org.vostok.rdb.testing.RecordingListener;
import org.vostok.rdb.testing.TestCluster;
import org.vostok.rdb.testing.TestPools;
import org.vostok.rdb.transport.LocalNetwork;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.Pool;

/** Starting, failing and stopping replicas: bad pools, shutdown with work pending, timeouts, hosts that fail. */
class ReplicaLifecycleTest {

    private static final KvsPath ROOT = KvsPath.root();

    @TempDir
    Path dir;
    private TestCluster cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void assertNoThreadsOf(long id) {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            assertFalse(t.getName().startsWith("rdb-" + id + "-") && t.isAlive(),
                    "thread " + t.getName() + " outlived replica " + id);
        }
    }

    @Test
    void badPoolsAndBadFoundingsAreRefused() {
        try (Pool pool = TestPools.create(dir.resolve("a.pool")); LocalNetwork net = new LocalNetwork(1)) {
            RdbException unformatted = assertThrows(RdbException.class,
                    () -> Replica.start(pool, RdbConfig.defaults(), net.endpoint(1), LeadershipListener.NONE));
            assertEquals(RdbError.NONEXIST, unformatted.error());
            RdbException notVoter = assertThrows(RdbException.class, () -> Replica.bootstrap(pool, 4, List.of(1L, 2L)));
            assertEquals(RdbError.INVAL, notVoter.error());
            Replica.bootstrap(pool, 1, List.of(1L, 2L, 3L));
            RdbException twice = assertThrows(RdbException.class, () -> Replica.formatJoining(pool, 1));
            assertEquals(RdbError.EXIST, twice.error());
            // A replica that cannot start (its endpoint is taken) leaves nothing running.
            net.endpoint(1).start(m -> { });
            assertThrows(IllegalStateException.class,
                    () -> Replica.start(pool, RdbConfig.defaults(), net.endpoint(1), LeadershipListener.NONE));
            assertNoThreadsOf(1);
            Replica r = Replica.start(pool, RdbConfig.defaults(), net.endpoint(2), LeadershipListener.NONE);
            assertEquals(1, r.id());
            r.close();
        }
        assertNoThreadsOf(1);
    }

    @Test
    void configsOutsideTheirBoundsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> RdbConfig.builder().tickMillis(0).build());
        assertThrows(IllegalArgumentException.class, () -> RdbConfig.builder().heartbeatTicks(30).build());
        assertThrows(IllegalArgumentException.class,
                () -> RdbConfig.builder().entryBytesMax(org.vostok.rdb.store.RdbStore.ENTRY_BYTES_MAX + 1).build());
        IllegalArgumentException lease = assertThrows(IllegalArgumentException.class,
                () -> RdbConfig.builder().checkQuorum(false).leaseReads(true).build());
        assertTrue(lease.getMessage().contains("leaseReads"), lease.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RdbConfig.builder().vosOperationsPerTransactionMax(1).build());
    }

    /** A leader cut off from everyone, which never notices (no CheckQuorum): its work can only wait. */
    private Replica strandedLeader(long readTimeoutMillis) {
        return strandedLeader(TestCluster.testConfig(31).readTimeoutMillis(readTimeoutMillis));
    }

    private Replica strandedLeader(RdbConfig.Builder builder) {
        RdbConfig config = builder.checkQuorum(false).build();
        cluster = TestCluster.start(dir, 3, config, 31, id -> new RecordingListener());
        cluster.commit(tx -> tx.createRoot(KeyOrder.LEXICAL));
        Replica leader = cluster.awaitLeader();
        cluster.network().isolate(leader.id());
        return leader;
    }

    /**
     * Also a regression test: the owner thread once took the request queued right behind a Stop
     * out of the queue and never answered it, so a read submitted as the replica closed waited
     * forever (here: the read, about one run in four).
     */
    @Test
    void closeFailsPendingWorkWithShutdownAndEndsEveryThread() throws Exception {
        Replica leader = strandedLeader(600_000);
        long term = leader.status().term();
        CompletableFuture<Long> commit = leader.begin(term).update(ROOT, Key.ofUtf8("x"), b("1")).commit();
        CompletableFuture<Optional<byte[]>> read = CompletableFuture.supplyAsync(
                () -> leader.begin(term).lookup(ROOT, Key.ofUtf8("x")));
        Await.until("the commit to be written", () -> leader.status().lastIndex() > leader.status().commitIndex());
        cluster.stop(leader.id());
        ExecutionException c = assertThrows(ExecutionException.class, commit::get);
        assertEquals(RdbError.OUTCOME_UNKNOWN, ((RdbException) c.getCause()).error());
        assertEquals(Optional.of(RdbError.SHUTDOWN), ((RdbException) c.getCause()).outcomeUnknownCause());
        assertTrue(((RdbException) c.getCause()).outcomeUnknown());
        ExecutionException r = assertThrows(ExecutionException.class, read::get);
        assertEquals(RdbError.SHUTDOWN, ((RdbException) r.getCause()).error());
        List<String> events = cluster.listener(leader.id()).events();
        assertEquals(List.of("stepUp " + term, "stepDown " + term), events);
        assertNoThreadsOf(leader.id());
    }

    @Test
    void aReadThatCannotBeConfirmedTimesOut() {
        Replica leader = strandedLeader(300);
        Tx tx = leader.begin(leader.status().term());
        RdbException e = assertThrows(RdbException.class, () -> tx.lookup(ROOT, Key.ofUtf8("x")));
        assertEquals(RdbError.TIMEDOUT, e.error());
    }

    @Test
    void aCommitThatCannotBeAppliedInTimeEndsWithItsOutcomeUnknown() {
        Replica leader = strandedLeader(TestCluster.testConfig(34).commitTimeoutMillis(300));
        CompletableFuture<Long> commit = leader.begin(leader.status().term()).update(ROOT, Key.ofUtf8("x"), b("1"))
                .commit();
        ExecutionException e = assertThrows(ExecutionException.class, commit::get);
        RdbException r = (RdbException) e.getCause();
        assertEquals(RdbError.OUTCOME_UNKNOWN, r.error(), r.getMessage());
        assertEquals(Optional.of(RdbError.TIMEDOUT), r.outcomeUnknownCause());
        assertTrue(r.getMessage().contains("TIMEDOUT"), r.getMessage());
        assertTrue(r.outcomeUnknown());
    }

    @Test
    void aLeaderHoldingTooMuchUncommittedAnswersBusy() {
        Replica leader = strandedLeader(TestCluster.testConfig(35).entryBytesMax(4096).uncommittedBytesMax(8192));
        long term = leader.status().term();
        List<CompletableFuture<Long>> commits = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            commits.add(leader.begin(term).update(ROOT, Key.ofUtf8("k" + i), new byte[3000]).commit());
        }
        // Three fit in uncommittedBytesMax; the rest are refused at once, while the first wait.
        CompletableFuture<Long> refused = Await.value("a refused commit",
                () -> commits.stream().filter(CompletableFuture::isCompletedExceptionally).findFirst());
        RdbException busy = (RdbException) assertThrows(ExecutionException.class, refused::get).getCause();
        assertEquals(RdbError.BUSY, busy.error());
        assertFalse(busy.outcomeUnknown());
    }

    @Test
    void aHostThatFailsToStepUpGivesTheLeadershipAway() {
        AtomicLong thrower = new AtomicLong();
        cluster = TestCluster.start(dir, 3, TestCluster.testConfig(32).build(), 32, id -> new RecordingListener() {
            @Override
            protected void onStepUp(long term) {
                if (thrower.compareAndSet(0, id)) {
                    throw new IllegalStateException("this host cannot serve");
                }
            }
        });
        long failed = Await.value("a host that failed to step up",
                () -> Optional.of(thrower.get()).filter(id -> id != 0));
        Replica next = Await.value("another leader", () -> cluster.leader().filter(r -> r.id() != failed));
        assertNotEquals(failed, next.id());
        cluster.commit(tx -> tx.createRoot(KeyOrder.LEXICAL));
        Await.until("the failed host's stepDown", () -> cluster.listener(failed).steppedUpTerm() == 0);
        List<String> events = cluster.listener(failed).events();
        assertTrue(events.size() >= 2 && events.get(1).startsWith("stepDown"), events.toString());
        cluster.assertEventsWellFormed();
    }

    /**
     * Regression test: a commit future's continuation runs on the replica's completion thread,
     * where every commit completes, one after another. One that waited there for another commit
     * ({@code commit().get()}) waited for itself for good, and one that queried held every other
     * commit's completion up for a read-index round. Both are refused now with a clear error,
     * and the same work chained or moved to an executor of the caller's goes through (with lease
     * reads, whose first query once waited for its own thread: read epochs are answered on the
     * owner thread).
     */
    @Test
    void blockingCallsInCommitContinuationsAreRefusedAndTheWorkGoesOnElsewhere() throws Exception {
        RdbConfig config = TestCluster.testConfig(33).leaseReads(true).build();
        cluster = TestCluster.start(dir, 3, config, 33, id -> new RecordingListener());
        cluster.commit(tx -> tx.createRoot(KeyOrder.LEXICAL));
        Replica leader = cluster.awaitLeader();
        long term = leader.status().term();
        // The continuations are attached while the commit cannot complete, so they run on the
        // completion thread, not on this one.
        cluster.network().setFilter(m -> !(m instanceof org.vostok.raft.Message.AppendResponse));
        CompletableFuture<Long> first = leader.begin(term).update(ROOT, Key.ofUtf8("k"), b("v")).commit();
        java.util.Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        CompletableFuture<Optional<byte[]>> query = first.thenApply(i -> {
            threads.add(Thread.currentThread().getName());
            return leader.begin(term).lookup(ROOT, Key.ofUtf8("k"));
        });
        CompletableFuture<Long> waited = first.thenApply(i -> {
            try {
                return leader.begin(term).update(ROOT, Key.ofUtf8("w"), b("w")).commit().get();
            } catch (InterruptedException | ExecutionException e) {
                throw new AssertionError(e);
            }
        });
        CompletableFuture<Long> joined = first.thenApply(i -> leader.begin(term).update(ROOT, Key.ofUtf8("j"), b("j"))
                .commit().join());
        CompletableFuture<Long> chained = first.thenCompose(i -> leader.begin(term).update(ROOT, Key.ofUtf8("c"),
                b("c")).commit());
        java.util.concurrent.ExecutorService own = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            CompletableFuture<byte[]> elsewhere = first.thenApplyAsync(i -> leader.begin(term).lookup(ROOT,
                    Key.ofUtf8("k")).orElseThrow(), own);
            assertFalse(first.isDone(), "the commit completed before its continuations were attached");
            // Waited for only through the continuations: a thread that waits for the first
            // future itself may run its continuations (CompletableFuture.get helps).
            cluster.network().setFilter(m -> true);
            for (CompletableFuture<?> refused : List.of(query, waited, joined)) {
                ExecutionException e = assertThrows(ExecutionException.class, refused::get,
                    "a blocking call was not refused in a continuation run on " + threads);
                Throwable cause = e.getCause() instanceof java.util.concurrent.CompletionException c ? c.getCause()
                        : e.getCause();
                assertTrue(cause instanceof IllegalStateException && cause.getMessage().contains("completion thread"),
                        String.valueOf(cause));
            }
            assertTrue(chained.get() > first.getNow(0L) && first.getNow(0L) > 0);
            assertArrayEquals(b("v"), elsewhere.get());
        } finally {
            own.shutdownNow();
        }
        assertEquals(Role.LEADER, leader.status().role());
    }
}
