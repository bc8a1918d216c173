package org.vostok.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Unit tests of the node's contract, its safety checks and the cases the scripts do not reach. */
class RaftNodeTest {

    @Test
    void aLeaderThatHearsFromAnotherLeaderOfItsTermFailsLoudly() {
        TestCluster c = TestCluster.of(3).elect(1);
        long term = c.node(1).term();
        RaftInvariantViolation e = assertThrows(RaftInvariantViolation.class,
                () -> c.node(1).step(new Message.Heartbeat(2, 1, term, 0, 0)));
        assertTrue(e.getMessage().contains("another leader"), e.getMessage());
    }

    @Test
    void aFollowerThatHearsFromTwoLeadersOfOneTermFailsLoudly() {
        TestCluster c = TestCluster.of(3).elect(1);
        long term = c.node(1).term();
        assertThrows(RaftInvariantViolation.class, () -> c.node(2).step(new Message.Heartbeat(3, 2, term, 0, 0)));
    }

    @Test
    void readyTwiceWithoutAdvanceIsRefused() {
        TestCluster c = TestCluster.of(3);
        c.node(1).campaign();
        Ready rd = c.node(1).ready();
        assertThrows(IllegalStateException.class, () -> c.node(1).ready());
        assertFalse(c.node(1).hasReady(), "nothing is ready while a batch is outstanding");
        c.node(1).advance(rd);
        assertThrows(IllegalStateException.class, () -> c.node(1).advance(rd));
    }

    @Test
    void advanceWithoutWritingTheEntriesIsRefusedWithWhatToDo() {
        TestCluster c = TestCluster.of(1);
        c.node(1).campaign();
        Ready rd = c.node(1).ready();
        assertEquals(1, rd.entries().size());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.node(1).advance(rd));
        assertTrue(e.getMessage().contains("append the Ready's entries before advance"), e.getMessage());
    }

    @Test
    void aLeaderWhoseTermIsNotDurableYetSendsNothingBeforeThePersist() {
        // Regression: a lone voter wins its election inside one batch. Its AppendRequest to a
        // learner carried a term that was not durable; after a crash the node could lead that
        // term again with different entries, and the learner would hold two entries with the
        // same index and term.
        MemoryStorage storage = MemoryStorage.bootstrap(Membership.of(List.of(1L), List.of(2L)));
        RaftNode n = new RaftNode(Config.builder(1).build(), storage, b -> 0, new ManualClock());
        n.campaign();
        assertEquals(Role.LEADER, n.role());
        Ready rd = n.ready();
        assertTrue(rd.messages().isEmpty(), "nothing may leave before the new term is durable: " + rd.messages());
        assertInstanceOf(Message.AppendRequest.class, rd.messagesAfterPersist().get(0));
    }

    @Test
    void aLoneVoterCommitsOnceItsOwnWriteIsAcknowledged() {
        TestCluster c = TestCluster.of(1).elect(1);
        ProposeResult.Accepted a = (ProposeResult.Accepted) c.propose(1, "x");
        assertEquals(a.index() - 1, c.node(1).commitIndex());
        c.stabilize();
        assertEquals(a.index(), c.node(1).commitIndex());
        assertEquals(List.of("x"), c.applied(1));
    }

    @Test
    void aVoteSurvivesACrashSoNoServerVotesTwiceInATerm() {
        TestCluster c = TestCluster.of(3);
        c.node(2).step(new Message.VoteRequest(1, 2, 5, 1, 1, false, false));
        c.processReady(2);
        c.host(2).crashAndRestart(1);
        assertEquals(5, c.node(2).term());
        c.node(2).step(new Message.VoteRequest(3, 2, 5, 1, 1, false, false));
        c.processReady(2);
        List<Message> out = c.take(3);
        assertEquals(List.of(new Message.VoteResponse(2, 3, 5, false, false)), out);
    }

    @Test
    void followersRefuseProposalsNamingTheLeader() {
        TestCluster c = TestCluster.of(3).elect(1);
        ProposeResult.Refused r = (ProposeResult.Refused) c.propose(2, "x");
        assertEquals(RefusalReason.NOT_LEADER, r.refusal().reason());
        assertEquals(1, r.refusal().leaderHint());
    }

    @Test
    void aFollowerThatRestartsDuringASnapshotMakesTheLeaderStartOverFromOffsetZero() {
        TestCluster c = TestCluster.of(3, b -> b.snapshotChunkBytesMax(8)).elect(1);
        c.isolate(3);
        for (int i = 0; i < 5; i++) {
            c.propose(1, "entry-" + i);
        }
        c.stabilize();
        c.host(1).compact();
        c.heal();
        c.tick(1, c.node(1).config().electionTimeoutTicks());
        // Let the first chunk through, then crash node 3 before the next one arrives.
        c.processReady(1);
        for (Message m : c.take(3)) {
            c.deliver(m);
        }
        c.processReady(3);
        for (Message m : c.take(1)) {
            c.deliver(m);
        }
        c.processReady(1);
        c.host(3).crashAndRestart(1);
        List<Message> toThree = c.take(3);
        Message.SnapshotChunk second = (Message.SnapshotChunk) toThree.stream()
                .filter(m -> m instanceof Message.SnapshotChunk).findFirst().orElseThrow();
        assertEquals(8, second.offset());
        c.deliver(second);
        c.processReady(3);
        Message.SnapshotChunkResponse resume = (Message.SnapshotChunkResponse) c.take(1).get(0);
        assertEquals(0, resume.nextOffset(), "a restarted follower holds nothing of the snapshot");
        c.deliver(resume);
        c.stabilize();
        assertEquals(c.applied(1), c.applied(3));
        assertEquals(c.node(1).commitIndex(), c.node(3).commitIndex());
    }

    @Test
    void aFollowerRestartedDuringASnapshotResumesFromTheOffsetItsHostKept() {
        // Before resumeIncomingSnapshot a restarted follower always answered offset 0, so a host
        // that keeps its staging copy on disk still received the whole snapshot again.
        TestCluster c = TestCluster.of(3, b -> b.snapshotChunkBytesMax(8)).elect(1);
        c.isolate(3);
        for (int i = 0; i < 5; i++) {
            c.propose(1, "entry-" + i);
        }
        c.stabilize();
        c.host(1).compact();
        c.heal();
        c.tick(1, c.node(1).config().electionTimeoutTicks());
        // The first chunk arrives and is written; node 3 crashes before the second one arrives.
        c.processReady(1);
        for (Message m : c.take(3)) {
            c.deliver(m);
        }
        c.processReady(3);
        for (Message m : c.take(1)) {
            c.deliver(m);
        }
        c.processReady(1);
        c.host(3).crashAndRestartKeepingSnapshot(1);
        Message.SnapshotChunk second = (Message.SnapshotChunk) c.take(3).stream()
                .filter(m -> m instanceof Message.SnapshotChunk).findFirst().orElseThrow();
        assertEquals(8, second.offset());
        c.deliver(second);
        c.processReady(3);
        Message.SnapshotChunkResponse ack = (Message.SnapshotChunkResponse) c.take(1).get(0);
        assertTrue(ack.done() || ack.nextOffset() == 16, "the second chunk is taken where the kept copy ends: " + ack);
        c.deliver(ack);
        c.stabilize();
        assertEquals(c.applied(1), c.applied(3));
        assertEquals(c.node(1).commitIndex(), c.node(3).commitIndex());
    }

    @Test
    void resumingASnapshotTheNodeHasCommittedAlreadyChangesNothing() {
        TestCluster c = TestCluster.of(3).elect(1);
        SnapshotMetadata old = new SnapshotMetadata(1, 1, c.node(2).membership());
        assertFalse(c.node(2).resumeIncomingSnapshot(old, 8));
        assertFalse(c.node(2).resumeIncomingSnapshot(new SnapshotMetadata(9, 2, c.node(2).membership()), 0));
        assertThrows(IllegalArgumentException.class,
                () -> c.node(2).resumeIncomingSnapshot(new SnapshotMetadata(9, 2, c.node(2).membership()), -1));
    }

    /**
     * Regression: after a failed snapshot the leader set nextIndex past the snapshot and, having
     * no entries to send, never probed the follower again; it stayed behind for good.
     */
    @Test
    void aFollowerThatCannotStoreASnapshotFailsItAndTheLeaderStartsOverLater() {
        TestCluster c = TestCluster.of(3, b -> b.snapshotChunkBytesMax(8)).elect(1);
        c.isolate(3);
        for (int i = 0; i < 5; i++) {
            c.propose(1, "entry-" + i);
        }
        c.stabilize();
        c.host(1).compact();
        c.heal();
        c.tick(1, c.node(1).config().electionTimeoutTicks());
        c.processReady(1);
        for (Message m : c.take(3)) {
            c.deliver(m);
        }
        assertTrue(c.node(3).abortIncomingSnapshot());
        assertFalse(c.node(3).abortIncomingSnapshot(), "nothing left to abort");
        c.processReady(3);
        List<Message> toLeader = c.take(1);
        Message.SnapshotChunkResponse failed = (Message.SnapshotChunkResponse) toLeader.stream()
                .filter(m -> m instanceof Message.SnapshotChunkResponse).reduce((a, b) -> b).orElseThrow();
        assertTrue(failed.failed());
        for (Message m : toLeader) {
            c.deliver(m);
        }
        assertEquals("PROBE", c.node(1).status().peers().get(3L).state());
        c.stabilize();
        c.tick(1, c.node(1).config().heartbeatTimeoutTicks());
        c.stabilize();
        assertEquals(c.applied(1), c.applied(3), "the next attempt completes");
    }

    @Test
    void aRemovedNodeThatMissedItsRemovalCannotDisruptTheCluster() {
        TestCluster c = TestCluster.of(3, b -> b.preVote(true).checkQuorum(true)).elect(1);
        c.isolate(3);
        c.node(1).proposeMembershipChange(MembershipChange.remove(3));
        c.stabilize();
        assertEquals(Membership.ofVoters(1, 2), c.node(1).membership());
        long term = c.node(1).term();
        c.heal();
        for (int i = 0; i < 100; i++) {
            c.tick(1, 1);
            c.tick(2, 1);
            c.tick(3, 1);
            c.stabilize();
        }
        assertEquals(Role.LEADER, c.node(1).role());
        assertEquals(term, c.node(1).term(), "the removed node's campaigns changed nobody's term");
    }

    /**
     * Regression: seeing a later term in a vote request it rejected restarted a follower's
     * election timer, so a candidate that could never win (a stale log, a removed node that
     * missed its removal) held every other node back with each new term and the cluster stayed
     * without a leader.
     */
    @Test
    void aCandidateThatCannotWinDoesNotHoldBackTheElectionTimers() {
        TestCluster c = TestCluster.of(3).elect(1);
        c.propose(1, "x");
        c.stabilize();
        c.isolate(1);
        long term = c.node(2).term();
        boolean campaigned = false;
        for (int tick = 1; tick <= 40 && !campaigned; tick++) {
            if (tick % 5 == 0) {
                term = Math.max(term, c.node(2).term()) + 1;
                c.node(2).step(new Message.VoteRequest(3, 2, term, 1, 1, false, false));
            }
            c.node(2).tick();
            campaigned = c.node(2).role() == Role.CANDIDATE;
        }
        assertTrue(campaigned, "node 2 never started an election: " + c.node(2).status());
    }

    @Test
    void storageWhoseCommitIsOutsideItsLogIsRefused() {
        MemoryStorage s = MemoryStorage.bootstrap(Membership.ofVoters(1));
        s.setHardState(new HardState(1, 0, 9));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RaftNode(Config.builder(1).build(), s, b -> 0, new ManualClock()));
        assertTrue(e.getMessage().contains("outside the stored log"), e.getMessage());
    }

    @Test
    void membershipAtAnIndexFollowsCommittedChanges() {
        TestCluster c = TestCluster.of(3).elect(1);
        long before = c.node(1).commitIndex();
        ProposeResult.Accepted a = (ProposeResult.Accepted) c.node(1)
                .proposeMembershipChange(MembershipChange.addLearner(4));
        c.stabilize();
        assertEquals(Membership.ofVoters(1, 2, 3), c.node(1).membershipAt(before));
        assertEquals(Membership.of(List.of(1L, 2L, 3L), List.of(4L)), c.node(1).membershipAt(a.index()));
    }

    @Test
    void aRestartedNodeRecoversTheMembershipFromItsLog() {
        TestCluster c = TestCluster.of(3).elect(1);
        c.node(1).proposeMembershipChange(MembershipChange.addLearner(4));
        c.stabilize();
        c.host(2).crashAndRestart(1);
        assertEquals(Membership.of(List.of(1L, 2L, 3L), List.of(4L)), c.node(2).membership());
    }

    /** A leader of three with lease reads on, its lease renewed by a read's round just now. */
    private static TestCluster leaseLeader() {
        TestCluster c = TestCluster.of(3, b -> b.checkQuorum(true).leaseReads(true)).elect(1);
        c.node(1).readIndex(100);
        c.stabilize();
        assertEquals(1, c.host(1).readStates.size(), "the first read takes a round");
        c.host(1).readStates.clear();
        return c;
    }

    @Test
    void aLeaseEndsByTheClockEvenWithoutATick() {
        TestCluster c = leaseLeader();
        long lease = c.node(1).config().leaseDurationNanos();
        c.host(1).clock.advance(lease - 1);
        c.node(1).readIndex(101);
        c.processReady(1);
        assertEquals(List.of(new ReadState(101, c.node(1).commitIndex())), c.host(1).readStates,
                "one nanosecond before it ends, the lease answers at once");
        c.host(1).readStates.clear();
        c.host(1).clock.advance(1);
        c.node(1).readIndex(102);
        c.processReady(1);
        assertTrue(c.host(1).readStates.isEmpty(), "a lease that ended by the clock must not answer: "
                + c.host(1).readStates);
        assertTrue(c.network.stream().anyMatch(m -> m instanceof Message.Heartbeat h && h.readRound() > 0),
                "the read takes a heartbeat round instead: " + c.network);
    }

    @Test
    void theLeaseGrantedToAHostEndsWhenTheCoreStopsAnsweringFromIt() {
        TestCluster c = leaseLeader();
        RaftNode n = c.node(1);
        assertTrue(n.leaseGranted(), "a quorum answered a lease round this term");
        assertFalse(c.node(2).leaseGranted(), "a follower holds no lease");
        long expiry = n.leaseExpiryNanos();
        c.host(1).clock.advance(expiry - c.host(1).clock.nanoTime() - 1);
        n.readIndex(101);
        c.processReady(1);
        assertEquals(List.of(new ReadState(101, n.commitIndex())), c.host(1).readStates,
                "one nanosecond before the expiry it grants, the core answers from the lease too");
        c.host(1).readStates.clear();
        c.host(1).clock.advance(1);
        n.readIndex(102);
        c.processReady(1);
        assertTrue(c.host(1).readStates.isEmpty(), "at the expiry it grants, the core no longer answers from it");
        c.stabilize();

        assertTrue(n.leaseGranted(), "the read's round renewed the lease");
        assertTrue(n.leaseExpiryNanos() > expiry, "and moved its expiry on");
        assertTrue(n.transferLeadership(2).isEmpty());
        assertFalse(n.leaseGranted(), "the TimeoutNow to a caught-up target voids the lease");
        assertTrue(n.ready().messages().stream().anyMatch(m -> m instanceof Message.TimeoutNow),
                "while the TimeoutNow still waits in the Ready, for the host to hand out after it has looked");
    }

    @Test
    void aClockThatGoesBackStopsTheNode() {
        // A clock that went back would stretch the lease: the node refuses to go on.
        long[] now = {5_000_000_000L};
        MemoryStorage storage = MemoryStorage.bootstrap(Membership.ofVoters(1, 2, 3));
        RaftNode n = new RaftNode(Config.builder(1).preVote(false).checkQuorum(true).leaseReads(true).build(),
                storage, b -> 0, () -> now[0]);
        n.campaign();
        n.step(new Message.VoteResponse(2, 1, n.term(), false, true));
        assertEquals(Role.LEADER, n.role());
        Ready rd = n.ready();
        storage.append(rd.entries());
        rd.hardState().ifPresent(storage::setHardState);
        n.advance(rd);
        n.step(new Message.AppendResponse(2, 1, n.term(), true, n.lastIndex(), 0, 0, 0));
        n.readIndex(1);
        Message.Heartbeat round = (Message.Heartbeat) n.ready().messages().stream()
                .filter(m -> m instanceof Message.Heartbeat).findFirst().orElseThrow();
        n.step(new Message.HeartbeatResponse(2, 1, n.term(), round.readRound()));
        now[0] -= 1;
        RaftInvariantViolation e = assertThrows(RaftInvariantViolation.class, () -> n.readIndex(2));
        assertTrue(e.getMessage().contains("monotonic clock went back"), e.getMessage());
    }

    @Test
    void forgetLeaderChangesOnlyAFollowersLeader() {
        TestCluster c = TestCluster.of(3, b -> b.checkQuorum(true).preVote(true)).elect(1);
        long term = c.node(1).term();
        c.node(1).forgetLeader();
        assertEquals(Role.LEADER, c.node(1).role(), "a leader does not forget itself");
        assertEquals(1, c.node(1).leader());
        c.node(2).forgetLeader();
        assertEquals(RaftNode.NONE, c.node(2).leader());
        assertEquals(term, c.node(2).term(), "forgetting changes no term");
        c.tick(1, c.node(1).config().heartbeatTimeoutTicks());
        c.stabilize();
        assertEquals(1, c.node(2).leader(), "the leader's next message makes the follower follow it again");
    }

    /**
     * Regression: hasReady() used to send the appends that proposals left pending, so asking
     * whether anything was ready changed what the next Ready held (the host's loop asked before
     * it took new proposals, and the entries went out in two messages instead of one).
     */
    @Test
    void hasReadyChangesNothing() {
        TestCluster c = TestCluster.of(3).elect(1);
        c.propose(1, "x");
        Status before = c.node(1).status();
        assertTrue(c.node(1).hasReady());
        assertTrue(c.node(1).hasReady());
        assertEquals(before, c.node(1).status(), "hasReady must not send anything");
        c.propose(1, "y");
        Ready rd = c.node(1).ready();
        long appends = rd.messages().stream().filter(m -> m instanceof Message.AppendRequest a
                && a.entries().size() == 2).count();
        assertEquals(2, appends, "one AppendRequest per follower carries both entries: " + rd.messages());
    }

    @Test
    void appendsLostWithAConnectionAreSentAgainAfterOneHeartbeatNotAnElectionTimeout() {
        // Regression: a connection reset dropped the appends carrying an entry while both
        // followers were in REPLICATE. The leader had moved next past the entry and proposed
        // nothing more; heartbeats kept every node content, and the entry waited a whole election
        // timeout for the no-progress probe, as long as a client's attempt timeout.
        TestCluster c = TestCluster.of(3, b -> b.electionTimeoutTicks(20).heartbeatTimeoutTicks(2)).elect(1);
        c.propose(1, "a");
        c.stabilize();
        c.propose(1, "b");
        c.processReady(1);
        assertEquals(2, c.take(2).size() + c.take(3).size(), "an append to each follower, then lost");
        c.tick(1, 2);
        c.stabilize();
        for (long id = 1; id <= 3; id++) {
            assertTrue(c.applied(id).contains("b"), "node " + id + " applied " + c.applied(id)
                    + " one heartbeat round after the loss");
        }
    }
}
