package org.vostok.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Tests named after the sentences of the Raft paper (Ongaro and Ousterhout, "In Search of an
 * Understandable Consensus Algorithm", 2014), sections 5.1 to 5.4. Each quotes the sentence it
 * checks. Pre-vote and CheckQuorum are off here: the paper's algorithm is tested as written.
 */
class PaperTest {

    /** A lone node 1 of voters 1..3 whose log holds entries of these terms after the founding snapshot. */
    private static RaftNode nodeWithLog(long currentTerm, long... terms) {
        return hostWithLog(currentTerm, terms).node;
    }

    private static MemoryHost hostWithLog(long currentTerm, long... terms) {
        MemoryStorage storage = MemoryStorage.bootstrap(Membership.ofVoters(1, 2, 3));
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < terms.length; i++) {
            entries.add(new Entry(i + 2, terms[i], EntryType.NORMAL, new byte[] {(byte) i}));
        }
        storage.append(entries);
        storage.setHardState(new HardState(currentTerm, RaftNode.NONE, 1));
        storage.sync();
        return new MemoryHost(Config.builder(1).preVote(false).checkQuorum(false).build(), storage, 3);
    }

    /** Carries out the node's Ready batches (persisting into nothing): for nodes whose writes do not matter. */
    private static List<Message> drainMessages(RaftNode node) {
        List<Message> out = new ArrayList<>();
        while (node.hasReady()) {
            Ready rd = node.ready();
            if (!rd.entries().isEmpty()) {
                throw new AssertionError("this node writes entries; use a MemoryHost");
            }
            out.addAll(rd.messages());
            out.addAll(rd.messagesAfterPersist());
            node.advance(rd);
        }
        return out;
    }

    private static List<Message> drainMessages(MemoryHost host) {
        while (host.handleReady() != null) {
            // keep going
        }
        return host.takeOutbox();
    }

    // §5.1 ----------------------------------------------------------------------------------

    @Test
    void whenServersStartUpTheyBeginAsFollowers() {
        TestCluster c = TestCluster.of(3);
        for (long id = 1; id <= 3; id++) {
            assertEquals(Role.FOLLOWER, c.node(id).role());
        }
    }

    @Test
    void ifAServersCurrentTermIsSmallerItUpdatesItsCurrentTermToTheLargerValue() {
        TestCluster c = TestCluster.of(3).elect(1);
        long term = c.node(1).term();
        c.node(2).step(new Message.Heartbeat(3, 2, term + 5, 0, 0));
        assertEquals(term + 5, c.node(2).term());
    }

    @Test
    void ifALeaderDiscoversThatItsTermIsOutOfDateItRevertsToFollowerState() {
        TestCluster c = TestCluster.of(3).elect(1);
        long term = c.node(1).term();
        c.node(1).step(new Message.AppendResponse(2, 1, term + 1, false, 0, 0, 0, 0));
        assertEquals(Role.FOLLOWER, c.node(1).role());
        assertEquals(term + 1, c.node(1).term());
    }

    @Test
    void ifAServerReceivesARequestWithAStaleTermNumberItRejectsTheRequest() {
        TestCluster c = TestCluster.of(3).elect(1);
        c.node(2).campaign(); // node 2 moves to a later term
        c.processReady(2);
        c.network.clear();
        long term2 = c.node(2).term();
        long lastBefore = c.node(2).lastIndex();
        c.node(2).step(new Message.AppendRequest(1, 2, term2 - 1, lastBefore, c.node(2).termAt(lastBefore),
                List.of(new Entry(lastBefore + 1, term2 - 1, EntryType.NORMAL, new byte[1])), 0));
        assertEquals(lastBefore, c.node(2).lastIndex(), "the stale leader's entry must not be appended");
        assertEquals(Role.CANDIDATE, c.node(2).role());
    }

    // §5.2 ----------------------------------------------------------------------------------

    @Test
    void aServerRemainsInFollowerStateAsLongAsItReceivesValidRpcsFromALeader() {
        TestCluster c = TestCluster.of(3).elect(1);
        for (int i = 0; i < 100; i++) {
            c.tick(1, 1);
            c.tick(2, 1);
            c.tick(3, 1);
            c.stabilize();
        }
        assertEquals(Role.LEADER, c.node(1).role());
        assertEquals(Role.FOLLOWER, c.node(2).role());
        assertEquals(Role.FOLLOWER, c.node(3).role());
    }

    @Test
    void ifAFollowerReceivesNoCommunicationOverTheElectionTimeoutItBeginsAnElection() {
        TestCluster c = TestCluster.of(3);
        long term = c.node(2).term();
        c.tick(2, 2 * c.node(2).config().electionTimeoutTicks());
        assertEquals(Role.CANDIDATE, c.node(2).role());
        assertEquals(term + 1, c.node(2).term());
    }

    @Test
    void toBeginAnElectionAFollowerIncrementsItsTermVotesForItselfAndIssuesRequestVoteToEachOtherServer() {
        TestCluster c = TestCluster.of(5);
        long term = c.node(1).term();
        c.node(1).campaign();
        Ready rd = c.node(1).ready();
        assertEquals(new HardState(term + 1, 1, 1), rd.hardState().orElseThrow());
        Set<Long> asked = new HashSet<>();
        for (Message m : rd.messagesAfterPersist()) {
            Message.VoteRequest v = assertInstanceOf(Message.VoteRequest.class, m);
            assertEquals(term + 1, v.term());
            asked.add(v.to());
        }
        assertEquals(Set.of(2L, 3L, 4L, 5L), asked);
        assertTrue(rd.messages().isEmpty(), "vote requests depend on the persisted vote");
    }

    @Test
    void aCandidateWinsAnElectionIfItReceivesVotesFromAMajorityOfTheServers() {
        TestCluster c = TestCluster.of(5);
        c.isolate(4);
        c.isolate(5);
        c.node(1).campaign();
        c.stabilize();
        assertEquals(Role.LEADER, c.node(1).role(), "votes from 1, 2, 3 of five are a majority");
    }

    @Test
    void aCandidateWithoutAMajorityDoesNotWin() {
        TestCluster c = TestCluster.of(5);
        c.isolate(3);
        c.isolate(4);
        c.isolate(5);
        c.node(1).campaign();
        c.stabilize();
        assertEquals(Role.CANDIDATE, c.node(1).role());
    }

    @Test
    void eachServerWillVoteForAtMostOneCandidateInAGivenTermOnAFirstComeFirstServedBasis() {
        RaftNode voter = nodeWithLog(1);
        voter.step(new Message.VoteRequest(2, 1, 2, 1, 1, false, false));
        voter.step(new Message.VoteRequest(3, 1, 2, 1, 1, false, false));
        voter.step(new Message.VoteRequest(2, 1, 2, 1, 1, false, false)); // a repeat is granted again
        List<Message> out = drainMessages(voter);
        assertEquals(List.of(
                new Message.VoteResponse(1, 2, 2, false, true),
                new Message.VoteResponse(1, 3, 2, false, false),
                new Message.VoteResponse(1, 2, 2, false, true)), out);
    }

    @Test
    void ifTheLeadersTermIsAtLeastAsLargeAsTheCandidatesTheCandidateReturnsToFollowerState() {
        RaftNode n = nodeWithLog(1);
        n.campaign();
        assertEquals(Role.CANDIDATE, n.role());
        n.step(new Message.AppendRequest(2, 1, n.term(), 1, 1, List.of(), 1));
        assertEquals(Role.FOLLOWER, n.role());
        assertEquals(2, n.leader());
    }

    @Test
    void ifTheTermInTheRpcIsSmallerTheCandidateRejectsItAndContinuesInCandidateState() {
        RaftNode n = nodeWithLog(3);
        n.campaign();
        n.step(new Message.AppendRequest(2, 1, 2, 1, 1, List.of(), 1));
        assertEquals(Role.CANDIDATE, n.role());
        assertEquals(4, n.term());
    }

    @Test
    void whenNoCandidateWinsEachTimesOutAndStartsANewElectionByIncrementingItsTerm() {
        TestCluster c = TestCluster.of(3);
        c.isolate(1);
        c.isolate(2);
        c.isolate(3);
        c.node(1).campaign();
        long term = c.node(1).term();
        c.tick(1, 2 * c.node(1).config().electionTimeoutTicks());
        assertEquals(Role.CANDIDATE, c.node(1).role());
        assertEquals(term + 1, c.node(1).term());
    }

    @Test
    void electionTimeoutsAreChosenRandomlyFromAFixedInterval() {
        Set<Integer> timeouts = new HashSet<>();
        for (long seed = 0; seed < 50; seed++) {
            java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
            RaftNode n = new RaftNode(Config.builder(1).preVote(false).build(),
                    MemoryStorage.bootstrap(Membership.ofVoters(1, 2, 3)), r::nextInt, new ManualClock());
            int ticks = 0;
            while (n.role() == Role.FOLLOWER) {
                n.tick();
                ticks++;
            }
            assertTrue(ticks >= 10 && ticks < 20, "timeout " + ticks + " outside [10, 20)");
            timeouts.add(ticks);
        }
        assertTrue(timeouts.size() > 5, "timeouts should spread over the interval: " + timeouts);
    }

    @Test
    void onceACandidateWinsItSendsHeartbeatMessagesToAllOtherServers() {
        TestCluster c = TestCluster.of(3).elect(1);
        c.tick(1, c.node(1).config().heartbeatTimeoutTicks());
        Ready rd = c.node(1).ready();
        Set<Long> to = new HashSet<>();
        for (Message m : rd.messages()) {
            assertInstanceOf(Message.Heartbeat.class, m);
            to.add(m.to());
        }
        assertEquals(Set.of(2L, 3L), to);
        c.node(1).advance(rd);
    }

    // §5.3 ----------------------------------------------------------------------------------

    @Test
    void theLeaderAppendsTheCommandToItsLogAsANewEntryThenIssuesAppendEntriesInParallel() {
        TestCluster c = TestCluster.of(3).elect(1);
        long last = c.node(1).lastIndex();
        ProposeResult r = c.propose(1, "x");
        assertEquals(new ProposeResult.Accepted(last + 1, c.node(1).term()), r);
        Ready rd = c.node(1).ready();
        assertEquals(1, rd.entries().size());
        Set<Long> to = new HashSet<>();
        for (Message m : rd.messages()) {
            Message.AppendRequest a = assertInstanceOf(Message.AppendRequest.class, m);
            assertEquals(last + 1, a.entries().get(0).index());
            to.add(a.to());
        }
        assertEquals(Set.of(2L, 3L), to, "AppendEntries may leave before the leader's own persist (§10.2.1)");
    }

    @Test
    void aLogEntryIsCommittedOnceTheLeaderHasReplicatedItOnAMajorityOfTheServers() {
        TestCluster c = TestCluster.of(5).elect(1);
        c.isolate(4);
        c.isolate(5);
        long index = ((ProposeResult.Accepted) c.propose(1, "x")).index();
        c.stabilize();
        assertEquals(index, c.node(1).commitIndex());

        c.isolate(3);
        long next = ((ProposeResult.Accepted) c.propose(1, "y")).index();
        c.stabilize();
        assertEquals(index, c.node(1).commitIndex(), "two of five is not a majority");
        assertEquals(next, c.node(1).lastIndex());
    }

    @Test
    void committingAnEntryAlsoCommitsAllPrecedingEntriesInTheLeadersLog() {
        TestCluster c = TestCluster.of(3).elect(1);
        c.isolate(2);
        c.isolate(3);
        c.propose(1, "a");
        c.propose(1, "b");
        c.stabilize();
        assertEquals(2, c.node(1).commitIndex());
        c.heal();
        c.propose(1, "c");
        c.stabilize();
        assertEquals(5, c.node(1).commitIndex());
        assertEquals(List.of("a", "b", "c"), c.applied(1));
    }

    @Test
    void onceAFollowerLearnsThatAnEntryIsCommittedItAppliesItInLogOrder() {
        TestCluster c = TestCluster.of(3).elect(1);
        for (String s : List.of("a", "b", "c", "d")) {
            c.propose(1, s);
        }
        c.stabilize();
        assertEquals(List.of("a", "b", "c", "d"), c.applied(2));
        assertEquals(List.of("a", "b", "c", "d"), c.applied(3));
    }

    @Test
    void ifTheFollowerDoesNotFindAnEntryWithTheSameIndexAndTermItRefusesTheNewEntries() {
        RaftNode f = nodeWithLog(3, 2, 3);
        f.step(new Message.AppendRequest(2, 1, 3, 3, 2, List.of(new Entry(4, 3, EntryType.NORMAL, new byte[1])), 1));
        List<Message> out = drainMessages(f);
        Message.AppendResponse r = assertInstanceOf(Message.AppendResponse.class, out.get(0));
        assertFalse(r.success());
        assertEquals(3, f.lastIndex());
        assertEquals(3, f.termAt(3));
    }

    @Test
    void theLeaderHandlesInconsistenciesByForcingTheFollowersLogsToDuplicateItsOwn() {
        TestCluster c = TestCluster.of(3).elect(1);
        c.isolate(1);
        c.propose(1, "lost-1");
        c.propose(1, "lost-2");
        c.processReady(1);
        c.tick(2, 2 * c.node(2).config().electionTimeoutTicks());
        c.heal();
        c.isolate(1);
        c.stabilize();
        assertEquals(Role.LEADER, c.node(2).role());
        c.propose(2, "kept");
        c.heal();
        c.stabilize();
        c.tick(2, 1);
        c.stabilize();
        assertEquals(c.host(2).storage.allEntries(), c.host(1).storage.allEntries());
        assertEquals(List.of("kept"), c.applied(1));
    }

    @Test
    void aLeaderNeverOverwritesOrDeletesEntriesInItsOwnLog() {
        TestCluster c = TestCluster.of(3).elect(1);
        c.propose(1, "a");
        c.stabilize();
        List<Entry> before = c.host(1).storage.allEntries();
        long term = c.node(1).term();
        // A follower with a conflicting, longer log answers; the leader must not take its entries.
        c.node(1).step(new Message.AppendResponse(2, 1, term, false, 0, before.size() + 5, 9, term));
        c.stabilize();
        assertEquals(before, c.host(1).storage.allEntries());
    }

    @Test
    void whenALeaderComesToPowerItInitializesNextIndexJustAfterTheLastOneInItsLog() {
        TestCluster c = TestCluster.of(3);
        c.propose(1, "ignored"); // not a leader: refused, nothing appended
        c.node(1).campaign();
        c.processReady(1);
        for (Message m : c.take(2)) {
            c.deliver(m);
        }
        c.processReady(2);
        long lastBeforeLeading = c.node(1).lastIndex();
        for (Message m : c.take(1)) {
            c.deliver(m);
        }
        assertEquals(Role.LEADER, c.node(1).role());
        assertEquals(lastBeforeLeading + 1, c.node(1).status().peers().get(3L).next());
    }

    @Test
    void afterARejectionTheLeaderDecrementsNextIndexAndRetries() {
        // The leader's log: terms 2, 2, 3 at indexes 2..4. Follower 3 holds 2/2 and 3/2 and
        // then conflicting entries, and hints that its log could match at 3/2.
        MemoryHost leader = hostWithLog(3, 2, 2, 3);
        leader.node.campaign();
        drainMessages(leader);
        leader.node.step(new Message.VoteResponse(2, 1, 4, false, true));
        List<Message> out = drainMessages(leader);
        Message.AppendRequest probe = (Message.AppendRequest) out.stream().filter(m -> m.to() == 3).findFirst()
                .orElseThrow();
        assertEquals(4, probe.prevLogIndex(), "nextIndex starts just after the leader's last entry");
        leader.node.step(new Message.AppendResponse(3, 1, 4, false, 0, 4, 3, 2));
        Message.AppendRequest retry = (Message.AppendRequest) drainMessages(leader).stream()
                .filter(m -> m.to() == 3).findFirst().orElseThrow();
        assertEquals(3, retry.prevLogIndex(), "the follower's hint moves nextIndex back past the conflict");
        assertEquals(2, retry.prevLogTerm());
        assertEquals(List.of(4L, 5L), retry.entries().stream().map(Entry::index).toList());
    }

    // §5.4 ----------------------------------------------------------------------------------

    @Test
    void theVoterDeniesItsVoteIfItsOwnLogIsMoreUpToDateThanThatOfTheCandidate() {
        // Logs with last entries with different terms: the later term is more up-to-date.
        RaftNode voter = nodeWithLog(3, 3);
        voter.step(new Message.VoteRequest(2, 1, 4, 5, 2, false, false));
        // Logs that end with the same term: the longer log is more up-to-date.
        RaftNode voter2 = nodeWithLog(3, 3, 3);
        voter2.step(new Message.VoteRequest(2, 1, 4, 2, 3, false, false));
        RaftNode voter3 = nodeWithLog(3, 3);
        voter3.step(new Message.VoteRequest(2, 1, 4, 2, 3, false, false));
        assertEquals(List.of(new Message.VoteResponse(1, 2, 4, false, false)), drainMessages(voter));
        assertEquals(List.of(new Message.VoteResponse(1, 2, 4, false, false)), drainMessages(voter2));
        assertEquals(List.of(new Message.VoteResponse(1, 2, 4, false, true)), drainMessages(voter3));
    }

    @Test
    void raftNeverCommitsLogEntriesFromPreviousTermsByCountingReplicas() {
        // Node 1 leads term 4 with an entry of term 2 at index 3 that its followers lack.
        MemoryHost host = hostWithLog(3, 2, 2);
        RaftNode leader = host.node;
        leader.campaign();
        leader.step(new Message.VoteResponse(2, 1, 4, false, true));
        assertEquals(Role.LEADER, leader.role());
        drainMessages(host);
        // Follower 2 acknowledges index 3 (term 2) but not the new leader's entry 4: index 3 is
        // on a majority, yet not committed.
        leader.step(new Message.AppendResponse(2, 1, 4, true, 3, 0, 0, 0));
        drainMessages(host);
        assertEquals(1, leader.commitIndex());
        // Once the entry of the current term is on a majority, it and all before it commit.
        leader.step(new Message.AppendResponse(2, 1, 4, true, 4, 0, 0, 0));
        drainMessages(host);
        assertEquals(4, leader.commitIndex());
    }

    @Test
    void theLeaderForAnyGivenTermContainsAllEntriesCommittedInPreviousTerms() {
        TestCluster c = TestCluster.of(5).elect(1);
        c.isolate(4);
        c.isolate(5);
        c.propose(1, "committed");
        c.stabilize();
        long committed = c.node(1).commitIndex();
        c.heal();
        c.isolate(1);
        // Node 4 and 5 lack the entry; only a node holding it can win (1 is gone).
        c.node(4).campaign();
        c.stabilize();
        assertFalse(c.node(4).role() == Role.LEADER, "a node without the committed entry cannot win");
        c.node(2).campaign();
        c.stabilize();
        assertEquals(Role.LEADER, c.node(2).role());
        assertTrue(c.node(2).lastIndex() >= committed);
        c.stabilize();
        assertTrue(c.applied(4).contains("committed"));
    }
}
