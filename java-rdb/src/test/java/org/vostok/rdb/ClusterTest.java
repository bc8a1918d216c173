package org.vostok.rdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vostok.raft.MembershipChange;
import org.vostok.raft.Role;
import org.vostok.rdb.model.KvsPath;
import org.vostok.rdb.model.KvsScan;
import org.vostok.rdb.model.LeaderHint;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.model.RequestId;
import org.vostok.rdb.testing.Await;
import org.vostok.rdb.testing.TestCluster;
import org.vostok.rdb.transport.LinkFaults;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;

/**
 * Clusters of 3 and 5 replicas in one process, each on its own pool file: elections,
 * replication, leaders killed and restarted, partitions healed, every replica restarted at once,
 * a replica that joins, and what a host sees (NOTLEADER hints, leadership events).
 */
class ClusterTest {

    private static final KvsPath ROOT = KvsPath.root();

    @TempDir
    Path dir;
    private TestCluster cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) {
            cluster.closeAndCheckEvents();
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Key k(String s) {
        return Key.ofUtf8(s);
    }

    private void createRoot() {
        cluster.commit(tx -> tx.createRoot(KeyOrder.LEXICAL));
    }

    private long put(String key, String value) {
        return cluster.commit(tx -> tx.update(ROOT, k(key), b(value)));
    }

    private Optional<String> get(String key) {
        return cluster.read(tx -> tx.lookup(ROOT, k(key)).map(v -> new String(v, StandardCharsets.UTF_8)));
    }

    /** Moves the leadership to {@code target}, asking again whenever it moved elsewhere meanwhile. */
    private Replica transferTo(long target) {
        return Await.value("replica " + target + " leading", () -> {
            Optional<Replica> leader = cluster.leader();
            if (leader.isPresent() && leader.get().id() != target) {
                leader.get().transferLeadership(target);
            }
            return leader.filter(r -> r.id() == target);
        });
    }

    private List<Long> others(long id) {
        return cluster.runningIds().stream().filter(i -> i != id).toList();
    }

    @Test
    void threeReplicasElectOneLeaderAndReplicateToAll() {
        cluster = TestCluster.start(dir, 3, 11);
        Replica leader = cluster.awaitLeader();
        createRoot();
        long last = 0;
        for (int i = 0; i < 20; i++) {
            last = put("k" + i, "v" + i);
        }
        cluster.awaitApplied(last, cluster.ids());
        // At most one leader per term (a leader deposed by a pause may not have noticed yet).
        List<Long> leaderTerms = cluster.ids().stream().map(id -> cluster.replica(id).status())
                .filter(st -> st.role() == Role.LEADER).map(ReplicaStatus::term).toList();
        assertEquals(leaderTerms.stream().distinct().count(), leaderTerms.size(), leaderTerms.toString());
        // Every replica holds every committed update durably.
        long leaderId = leader.id();
        cluster.stopAll();
        for (long id : cluster.ids()) {
            for (int i = 0; i < 20; i++) {
                String key = "k" + i;
                assertArrayEquals(b("v" + i), cluster.inspectStopped(id, r -> r.lookup(ROOT, k(key))).orElseThrow(),
                        "replica " + id + " (leader was " + leaderId + ")");
            }
        }
    }

    @Test
    void aFollowerAnswersNotLeaderWithTheLeaderAsHint() {
        cluster = TestCluster.start(dir, 3, 12);
        // Retried until the cluster holds still for the length of the check (a pause on a loaded
        // machine can move the leadership in between).
        Await.until("a follower naming the leader it knows", () -> {
            Replica leader = cluster.awaitLeader();
            long term = leader.status().term();
            Replica follower = cluster.replica(others(leader.id()).get(0));
            if (follower.status().leader() != leader.id() || follower.status().term() != term) {
                return false;
            }
            RdbException e = assertThrows(RdbException.class, () -> follower.begin(term));
            assertEquals(RdbError.NOTLEADER, e.error());
            boolean still = leader.status().isReadyLeader() && leader.status().term() == term;
            if (still) {
                assertEquals(Optional.of(new LeaderHint(leader.id(), term)), e.leaderHint(), e.getMessage());
                assertEquals(Optional.empty(), leader.leaderHint());
            }
            return still;
        });
    }

    @Test
    void theLeaderKilledAndRestartedCatchesUp() {
        cluster = TestCluster.start(dir, 3, 13);
        createRoot();
        put("before", "1");
        long old = cluster.awaitLeader().id();
        cluster.stop(old);
        Replica next = cluster.awaitLeaderAmong(others(old));
        assertNotEquals(old, next.id());
        long last = 0;
        for (int i = 0; i < 10; i++) {
            last = put("during" + i, "x");
        }
        cluster.restart(old);
        cluster.awaitApplied(last, cluster.ids());
        assertEquals(Optional.of("1"), get("before"));
        assertEquals(Optional.of("x"), get("during9"));
        put("after", "2");
        assertEquals(Optional.of("2"), get("after"));
    }

    @Test
    void anIsolatedLeaderStepsDownItsCommitIsLostAndItCatchesUpAfterTheHeal() {
        cluster = TestCluster.start(dir, 3, 14);
        createRoot();
        put("a", "1");
        Replica old = cluster.awaitLeader();
        long oldTerm = old.status().term();
        cluster.network().isolate(old.id());
        // A commit on the isolated leader cannot reach a majority.
        RequestId id = new RequestId(UUID.randomUUID(), 1);
        CompletableFuture<Long> stranded = old.begin(oldTerm).requestId(id).update(ROOT, k("stranded"), b("?")).commit();
        Replica next = cluster.awaitLeaderAmong(others(old.id()));
        assertTrue(next.status().term() > oldTerm);
        put("b", "2");
        // With CheckQuorum the old leader steps down by itself, and its commit ends ambiguously.
        ExecutionException e = assertThrows(ExecutionException.class, stranded::get);
        RdbException r = (RdbException) e.getCause();
        assertEquals(RdbError.OUTCOME_UNKNOWN, r.error(), r.getMessage());
        assertEquals(Optional.of(RdbError.NOTLEADER), r.outcomeUnknownCause());
        assertEquals(RdbError.NOTLEADER, ((RdbException) r.getCause()).error());
        assertTrue(r.outcomeUnknown(), r.getMessage());
        Await.until("the old leader stepping down", () -> old.status().role() != Role.LEADER);
        cluster.network().heal();
        long last = put("c", "3");
        cluster.awaitApplied(last, cluster.ids());
        // The stranded entry was replaced by the new leader's log: its request never committed.
        assertEquals(Optional.empty(), cluster.requestOutcome(id));
        assertEquals(Optional.empty(), get("stranded"));
        assertEquals(Optional.of("2"), get("b"));
        List<String> events = cluster.listener(old.id()).events();
        int up = events.indexOf("stepUp " + oldTerm);
        assertTrue(up >= 0 && events.get(up + 1).equals("stepDown " + oldTerm), events.toString());
    }

    @Test
    void aMinorityPartitionDoesNotStopTheMajority() {
        cluster = TestCluster.start(dir, 5, 15);
        createRoot();
        Replica leader = cluster.awaitLeader();
        List<Long> minority = others(leader.id()).subList(0, 2);
        cluster.network().partition(minority);
        long last = 0;
        for (int i = 0; i < 10; i++) {
            last = put("p" + i, "v");
        }
        for (long id : minority) {
            assertTrue(cluster.replica(id).status().appliedIndex() < last);
        }
        cluster.network().heal();
        cluster.awaitApplied(last, cluster.ids());
    }

    @Test
    void fiveReplicasSurviveTheLossOfTwo() {
        cluster = TestCluster.start(dir, 5, 16);
        createRoot();
        put("x", "1");
        long leader = cluster.awaitLeader().id();
        cluster.stop(leader);
        cluster.stop(others(leader).get(0));
        put("y", "2");
        assertEquals(Optional.of("1"), get("x"));
        assertEquals(Optional.of("2"), get("y"));
    }

    @Test
    void everyReplicaRestartedAtOnceKeepsAllCommittedData() {
        cluster = TestCluster.start(dir, 3, 17);
        createRoot();
        cluster.commit(tx -> tx.createKvs(ROOT, k("nums"), KeyOrder.INTEGER));
        long last = 0;
        for (long i = 0; i < 30; i++) {
            long n = i;
            last = cluster.commit(tx -> tx.update(ROOT.child("nums"), Key.of(n), b("n" + n)));
        }
        cluster.stopAll();
        for (long id : cluster.ids()) {
            cluster.restart(id);
        }
        Replica leader = cluster.awaitLeader();
        assertTrue(leader.status().commitIndex() > last);
        List<Long> keys = cluster.read(tx -> {
            List<Long> found = new ArrayList<>();
            tx.iterate(ROOT.child("nums"), KvsScan.forward(), r -> found.add(((Key.IntegerKey) r.key()).value()));
            return found;
        });
        assertEquals(30, keys.size());
        assertEquals(29L, keys.get(29));
        assertEquals(Optional.of("n7"), cluster.read(tx -> tx.lookup(ROOT.child("nums"), Key.of(7))
                .map(v -> new String(v, StandardCharsets.UTF_8))));
    }

    @Test
    void leadershipEventsComeInOrderAcrossTransfers() {
        cluster = TestCluster.start(dir, 3, 18);
        createRoot();
        for (int round = 0; round < 3; round++) {
            Replica leader = cluster.awaitLeader();
            transferTo(others(leader.id()).get(round % 2));
            put("r" + round, "v");
        }
        Replica leader = cluster.awaitLeader();
        long term = leader.status().term();
        Await.until("the leader's stepUp delivered", () -> cluster.listener(leader.id()).steppedUpTerm() == term);
        for (long id : cluster.ids()) {
            cluster.listener(id).assertWellFormed();
            List<String> events = cluster.listener(id).events();
            for (int i = 0; i < events.size(); i++) {
                assertTrue(events.get(i).startsWith(i % 2 == 0 ? "stepUp" : "stepDown"), events.toString());
            }
        }
    }

    @Test
    void everyReplicaCountsTheLeadersItComesToKnow() {
        cluster = TestCluster.start(dir, 3, 23);
        Replica first = cluster.awaitLeader();
        createRoot();
        List<ReplicaStatus> before = knowingLeader(first.id());
        for (ReplicaStatus st : before) {
            assertTrue(st.leaderChanges() >= 1, "replica " + st.id() + " knows a leader but counted "
                    + st.leaderChanges() + " changes");
        }
        long next = transferTo(others(first.id()).get(0)).id();
        // Each replica's known leader went from the first to the next (perhaps through others): counted.
        List<ReplicaStatus> after = knowingLeader(next);
        for (int i = 0; i < before.size(); i++) {
            assertTrue(after.get(i).leaderChanges() > before.get(i).leaderChanges(), "replica " + after.get(i).id()
                    + " counted " + after.get(i).leaderChanges() + " leader changes, "
                    + before.get(i).leaderChanges() + " before the transfer");
        }
    }

    @Test
    void theLeaderKnowsHowFarEachFollowerTrails() throws Exception {
        cluster = TestCluster.start(dir, 3, 24);
        createRoot();
        long last = 0;
        for (int i = 0; i < 5; i++) {
            last = put("m" + i, "v");
        }
        cluster.awaitApplied(last, cluster.ids());
        long written = last;
        Replica leader = cluster.awaitLeader();
        // Nothing is written now: once the leader has heard both followers acknowledge the last
        // write, neither trails.
        Map<Long, Long> lags = Await.value("the leader's view of both followers at " + written, () -> {
            Map<Long, Long> m = leader.followerLags().join();
            return m.size() == 2 && m.values().stream().allMatch(lag -> lag == 0) ? Optional.of(m) : Optional.empty();
        });
        assertEquals(Set.copyOf(others(leader.id())), lags.keySet(), lags.toString());
        for (long id : others(leader.id())) {
            assertEquals(Map.of(), cluster.replica(id).followerLags().get(), "a follower knows no one's log");
        }
    }

    /** Every replica's status, once each names {@code leader} as its leader (in the order of the ids). */
    private List<ReplicaStatus> knowingLeader(long leader) {
        return Await.value("every replica knowing leader " + leader, () -> {
            List<ReplicaStatus> all = cluster.ids().stream().map(id -> cluster.replica(id).status()).toList();
            return all.stream().allMatch(st -> st.leader() == leader) ? Optional.of(all) : Optional.empty();
        });
    }

    @Test
    void aTransactionOfAnEndedTermIsStale() {
        cluster = TestCluster.start(dir, 3, 19);
        createRoot();
        Replica leader = cluster.awaitLeader();
        long term = leader.status().term();
        // Leadership goes away and comes back: a transaction of the first term is over.
        transferTo(others(leader.id()).get(0));
        RdbException stale = Await.value("a commit refused as STALE", () -> {
            transferTo(leader.id());
            try {
                new Tx(leader, term).update(ROOT, k("late"), b("x")).commit().get();
                throw new AssertionError("a transaction of an ended term committed");
            } catch (ExecutionException e) {
                RdbException r = (RdbException) e.getCause();
                // NOTLEADER: the leadership moved again before the commit; try again.
                return r.error() == RdbError.NOTLEADER ? Optional.empty() : Optional.of(r);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        assertEquals(RdbError.STALE, stale.error(), stale.getMessage());
        assertTrue(leader.status().term() > term);
    }

    @Test
    void aNewReplicaJoinsAndReceivesEverything() {
        cluster = TestCluster.start(dir, 3, 20);
        createRoot();
        for (int i = 0; i < 5; i++) {
            put("j" + i, "v" + i);
        }
        Replica joining = cluster.startJoining(4);
        assertEquals(Role.FOLLOWER, joining.status().role());
        long index = Await.value("the membership change", () -> {
            Replica leader = cluster.awaitLeader();
            if (leader.status().membership().isVoter(4)) {
                return Optional.of(leader.status().commitIndex()); // an earlier attempt took effect
            }
            try {
                return Optional.of(leader.changeMembership(MembershipChange.addVoter(4)).get());
            } catch (ExecutionException | InterruptedException e) {
                return Optional.empty(); // the leader changed or was not ready: try again
            }
        });
        cluster.awaitApplied(index, cluster.ids());
        assertTrue(cluster.replica(4).status().membership().isVoter(4));
        long last = put("after-join", "yes");
        cluster.awaitApplied(last, List.of(4L));
        cluster.stop(4);
        assertArrayEquals(b("v3"), cluster.inspectStopped(4, r -> r.lookup(ROOT, k("j3"))).orElseThrow());
        assertArrayEquals(b("yes"), cluster.inspectStopped(4, r -> r.lookup(ROOT, k("after-join"))).orElseThrow());
    }

    @Test
    void aLossyNetworkDelaysButNeverLosesOrDuplicatesATransaction() {
        // Drops, duplicates and reordering on every link: Raft resends, and request ids make the
        // harness's retries apply at most once, so the counter ends exactly at the commits made.
        cluster = TestCluster.start(dir, 3, 21);
        createRoot();
        cluster.network().setFaults(new LinkFaults(0.1, 0.1, 0, 15));
        for (int i = 0; i < 25; i++) {
            cluster.commit(tx -> {
                long n = tx.lookup(ROOT, k("counter")).map(v -> Long.parseLong(new String(v, StandardCharsets.UTF_8)))
                        .orElse(0L);
                tx.update(ROOT, k("counter"), b(Long.toString(n + 1)));
            });
        }
        cluster.network().reset();
        assertEquals(Optional.of("25"), get("counter"));
        long last = cluster.awaitLeader().status().commitIndex();
        cluster.awaitApplied(last, cluster.ids());
        assertTrue(cluster.network().dropped() > 0);
    }

    @Test
    void aOneWayCutFromTheLeaderMovesTheLeadership() {
        // The old leader still hears its followers but cannot reach them: they elect another,
        // and CheckQuorum makes the old one step down, since no answer to its appends arrives.
        cluster = TestCluster.start(dir, 3, 22);
        createRoot();
        Replica old = cluster.awaitLeader();
        for (long other : others(old.id())) {
            cluster.network().cut(old.id(), other);
        }
        Replica next = cluster.awaitLeaderAmong(others(old.id()));
        put("moved", "yes");
        Await.until("the old leader stepping down", () -> old.status().role() != Role.LEADER);
        cluster.network().heal();
        long last = put("healed", "yes");
        cluster.awaitApplied(last, cluster.ids());
        assertNotEquals(old.id(), next.id());
    }
}
