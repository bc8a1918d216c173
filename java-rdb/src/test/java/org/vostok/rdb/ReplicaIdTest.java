package org.vostok.rdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vostok.raft.MembershipChange;
import org.vostok.rdb.model.KvsPath;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.model.ReplicaIds;
import org.vostok.rdb.testing.Await;
import org.vostok.rdb.testing.TestCluster;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;

/**
 * Replica ids are (rank, generation), the generation drawn from a counter in the replicated
 * state: replicas are added and removed through Raft, a rank removed and added again comes back
 * under a new id, and no id is ever added twice, whichever replica leads and across restarts.
 */
class ReplicaIdTest {

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

    /** Runs {@code call} on the leader until it completes, retrying while the leader changes or is busy. */
    private long onLeader(String what, Function<Replica, CompletableFuture<Long>> call) {
        return Await.value(what, () -> {
            try {
                return Optional.of(call.apply(cluster.awaitLeader()).get());
            } catch (ExecutionException e) {
                RdbException r = (RdbException) e.getCause();
                if (r.error() == RdbError.NOTLEADER || r.error() == RdbError.BUSY || r.error() == RdbError.SHUTDOWN
                        || r.error() == RdbError.OUTCOME_UNKNOWN) {
                    return Optional.empty();
                }
                throw r;
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
    }

    /** The error {@code call} fails with on the leader (tried again while the leader changes). */
    private RdbException refused(Function<Replica, CompletableFuture<Long>> call) {
        return Await.value("a refusal", () -> {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> call.apply(cluster.awaitLeader()).get());
            RdbException r = (RdbException) e.getCause();
            boolean retry = r.error() == RdbError.NOTLEADER || r.error() == RdbError.BUSY
                    || r.error() == RdbError.SHUTDOWN || r.error() == RdbError.OUTCOME_UNKNOWN;
            return retry ? Optional.empty() : Optional.of(r);
        });
    }

    private long change(MembershipChange c) {
        return onLeader(c.toString(), r -> r.changeMembership(c));
    }

    @Test
    void aRemovedRankComesBackUnderANewIdAndNoIdIsAddedTwice() {
        cluster = TestCluster.start(dir, 3, 61);
        cluster.commit(tx -> tx.createRoot(KeyOrder.LEXICAL).update(ROOT, Key.ofUtf8("k"), new byte[] {7}));
        long leader = cluster.awaitLeader().id();
        long removed = leader == 3 ? 2 : 3;
        int rank = ReplicaIds.rank(removed);
        long index = change(MembershipChange.remove(removed));
        cluster.awaitApplied(index, cluster.ids().stream().filter(i -> i != removed).toList());
        cluster.stop(removed);
        // The old id is not the latest of its rank any more once a new one is handed out; the
        // founding id was added already anyway.
        assertEquals(RdbError.INVAL, refused(r -> r.changeMembership(MembershipChange.addVoter(removed))).error());
        long fresh = onLeader("a new id for rank " + rank, r -> r.allocateReplicaId(rank));
        assertEquals(rank, ReplicaIds.rank(fresh));
        assertTrue(ReplicaIds.generation(fresh) > 0);
        assertNotEquals(removed, fresh);
        RdbException old = refused(r -> r.changeMembership(MembershipChange.addVoter(removed)));
        assertEquals(RdbError.INVAL, old.error());
        assertTrue(old.getMessage().contains("never reused"), old.getMessage());
        // The new id joins: it receives the state and votes.
        cluster.startJoining(fresh);
        long added = change(MembershipChange.addVoter(fresh));
        cluster.awaitApplied(added, List.of(fresh));
        assertTrue(cluster.replica(fresh).status().membership().isVoter(fresh));
        long last = cluster.commit(tx -> tx.update(ROOT, Key.ofUtf8("after"), new byte[] {8}));
        cluster.awaitApplied(last, List.of(fresh));
        // Removed and added again under the same id: refused; a new allocation gives another id.
        long removedAgain = change(MembershipChange.remove(fresh));
        cluster.awaitApplied(removedAgain, cluster.runningIds().stream().filter(i -> i != fresh).toList());
        cluster.stop(fresh);
        RdbException twice = refused(r -> r.changeMembership(MembershipChange.addLearner(fresh)));
        assertEquals(RdbError.INVAL, twice.error());
        long third = onLeader("another id for rank " + rank, r -> r.allocateReplicaId(rank));
        assertTrue(ReplicaIds.generation(third) > ReplicaIds.generation(fresh));
        // A rank held by a member cannot be added under another id.
        int heldRank = ReplicaIds.rank(cluster.awaitLeader().id());
        long other = onLeader("an id for rank " + heldRank, r -> r.allocateReplicaId(heldRank));
        assertEquals(RdbError.INVAL, refused(r -> r.changeMembership(MembershipChange.addVoter(other))).error());
        assertArrayEquals(new byte[] {8}, cluster.inspectStopped(fresh, rd -> rd.lookup(ROOT, Key.ofUtf8("after")))
                .orElseThrow());
    }

    @Test
    void generationsComeFromTheReplicatedCounterWhicheverReplicaLeadsAndAcrossRestarts() {
        cluster = TestCluster.start(dir, 3, 62);
        long first = onLeader("an id", r -> r.allocateReplicaId(9));
        long leader = cluster.awaitLeader().id();
        long target = leader == 1 ? 2 : 1;
        Await.value("replica " + target + " leading", () -> {
            Optional<Replica> l = cluster.leader();
            if (l.isPresent() && l.get().id() != target) {
                l.get().transferLeadership(target);
            }
            return l.filter(r -> r.id() == target);
        });
        long second = onLeader("an id from the new leader", r -> r.allocateReplicaId(9));
        assertEquals(ReplicaIds.generation(first) + 1, ReplicaIds.generation(second));
        cluster.stopAll();
        for (long id : List.of(1L, 2L, 3L)) {
            cluster.restart(id);
        }
        long third = onLeader("an id after a restart", r -> r.allocateReplicaId(10));
        assertEquals(ReplicaIds.generation(second) + 1, ReplicaIds.generation(third));
        assertEquals(10, ReplicaIds.rank(third));
        // Only the leader hands out ids.
        long follower = cluster.runningIds().stream().filter(i -> i != cluster.awaitLeader().id()).findFirst()
                .orElseThrow();
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> cluster.replica(follower).allocateReplicaId(11).get());
        assertEquals(RdbError.NOTLEADER, ((RdbException) e.getCause()).error());
        assertFalse(ReplicaIds.describe(third).isEmpty());
    }

    @Test
    void idsPackRankAndGeneration() {
        assertEquals(3, ReplicaIds.of(3, 0));
        long id = ReplicaIds.of(-1, ReplicaIds.GENERATION_MAX);
        assertTrue(id > 0);
        assertEquals(-1, ReplicaIds.rank(id));
        assertEquals(ReplicaIds.GENERATION_MAX, ReplicaIds.generation(id));
        assertEquals(RdbError.INVAL, assertThrows(RdbException.class, () -> ReplicaIds.of(0, 0)).error());
        assertEquals(RdbError.INVAL, assertThrows(RdbException.class,
                () -> ReplicaIds.of(1, ReplicaIds.GENERATION_MAX + 1)).error());
        assertEquals(1L << 32, ReplicaIds.of(0, 1));
    }
}
