package org.vostok.rdb;

import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.KvsPath;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vostok.raft.Role;
import org.vostok.rdb.testing.Await;
import org.vostok.rdb.testing.RecordingListener;
import org.vostok.rdb.testing.TestCluster;
import org.vostok.rdb.testing.TestPools;
import org.vostok.rdb.transport.LocalNetwork;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.Pool;

/**
 * {@link Replica#leaderGone}: the host tells the followers that the leader's process is gone;
 * they forget it, the lowest of them campaigns at once (and again at each tick while a follower
 * told later ignores it), and a new leader takes writes without waiting out an election timeout.
 * The followers here have an election timeout of 150 to 300 seconds, longer than any wait in
 * this test ({@link Await#DEADLINE_MILLIS}), so without the call no new leader could appear in
 * time (with leaderGone disabled, the test fails after that deadline); replica 1, with the usual
 * test timeouts, leads first. A call that names a replica other than the follower's leader
 * changes nothing.
 */
class LeaderGoneTest {

    /** Followers that would wait 150 to 300 s before they campaign on their own. */
    private static final int SLOW_TICK_MILLIS = 1000;
    private static final int SLOW_ELECTION_TICKS = 150;

    @TempDir
    Path dir;
    private final LocalNetwork network = new LocalNetwork(23);
    private final Map<Long, Pool> pools = new TreeMap<>();
    private final Map<Long, Replica> replicas = new TreeMap<>();

    @AfterEach
    void tearDown() {
        for (long id : new ArrayList<>(replicas.keySet())) {
            stop(id);
        }
        network.close();
    }

    private void stop(long id) {
        Replica r = replicas.remove(id);
        if (r != null) {
            r.close();
        }
        Pool p = pools.remove(id);
        if (p != null) {
            p.close();
        }
    }

    @Test
    void followersToldTheLeaderIsGoneElectAnotherAtOnce() throws Exception {
        List<Long> voters = List.of(1L, 2L, 3L);
        for (long id : voters) {
            Pool pool = TestPools.create(dir.resolve("replica-" + id + ".pool"));
            pools.put(id, pool);
            Replica.bootstrap(pool, id, voters);
        }
        RdbConfig fast = TestCluster.testConfig(23).leaseReads(true).build();
        RdbConfig slow = TestCluster.testConfig(23).leaseReads(true).tickMillis(SLOW_TICK_MILLIS)
                .electionTimeoutTicks(SLOW_ELECTION_TICKS).build();
        for (long id : voters) {
            replicas.put(id, Replica.start(pools.get(id), id == 1 ? fast : slow, network.endpoint(id),
                    new RecordingListener()));
        }
        Replica first = replicas.get(1L);
        Await.until("replica 1 leading", () -> first.status().isReadyLeader());
        long firstTerm = first.status().term();
        try (Tx tx = first.begin(firstTerm)) {
            tx.createRoot(KeyOrder.LEXICAL);
            tx.commit().get(Await.DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
        }
        Await.until("replicas 2 and 3 following replica 1", () -> replicas.get(2L).status().leader() == 1
                && replicas.get(3L).status().leader() == 1);

        // Not their leader: nothing happens. The requests behind it on each replica's queue
        // (a transaction refused with NOTLEADER naming replica 1) show it was taken.
        replicas.get(2L).leaderGone(3);
        replicas.get(3L).leaderGone(2);
        for (long id : List.of(2L, 3L)) {
            RdbException refused = Await.value("replica " + id + " answering after leaderGone", () -> {
                try {
                    replicas.get(id).allocateReplicaId(9).get(Await.DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
                    return Optional.empty();
                } catch (ExecutionException e) {
                    return Optional.of((RdbException) e.getCause());
                } catch (InterruptedException | TimeoutException e) {
                    throw new AssertionError(e);
                }
            });
            assertEquals(RdbError.NOTLEADER, refused.error(), refused.getMessage());
            assertEquals(1, refused.leaderHint().orElseThrow().replicaId(), refused.getMessage());
        }

        stop(1);
        replicas.get(2L).leaderGone(1);
        Await.until("replica 2 campaigning", () -> replicas.get(2L).status().role() == Role.PRE_CANDIDATE);
        // Replica 3 is told last, usually after it ignored replica 2's first pre-vote (it still
        // honoured replica 1): replica 2 asks again at its next tick.
        replicas.get(3L).leaderGone(1);
        Replica fresh = Await.value("a new leader among replicas 2 and 3", () -> replicas.values().stream()
                .filter(r -> r.status().isReadyLeader()).findFirst());
        assertEquals(2, fresh.id(), "the lowest of the followers campaigns at once");
        assertTrue(fresh.status().term() > firstTerm, fresh.status().toString());
        try (Tx tx = fresh.begin(fresh.status().term())) {
            tx.update(KvsPath.root(), Key.ofUtf8("after"), new byte[] {1});
            tx.commit().get(Await.DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
        }
        assertEquals(Role.FOLLOWER, replicas.get(3L).status().role());
    }
}
