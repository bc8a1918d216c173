package org.vostok.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The choice of replica, as DAOS's dc_rsvc makes it, with term-ordered hints. */
class LeaderSearchTest {

    private static final ReplicaAddress A = ReplicaAddress.of("127.0.0.1:1001");
    private static final ReplicaAddress B = ReplicaAddress.of("127.0.0.1:1002");
    private static final ReplicaAddress C = ReplicaAddress.of("127.0.0.1:1003");

    private static LeaderHint hint(long node, int port, long term) {
        return new LeaderHint(node, "127.0.0.1:" + port, term);
    }

    @Test
    void withoutALeaderEveryCandidateIsTriedInTurn() {
        LeaderSearch s = new LeaderSearch(List.of(A, B, C), 1);
        Set<ReplicaAddress> seen = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            seen.add(s.choose().orElseThrow());
        }
        assertEquals(Set.of(A, B, C), seen);
    }

    @Test
    void aHintToANewerLeaderIsFollowedAndItsNodeAdded() {
        LeaderSearch s = new LeaderSearch(List.of(A), 1);
        assertTrue(s.onNotLeader(A, Optional.of(hint(4, 1004, 3))));
        ReplicaAddress leader = s.choose().orElseThrow();
        assertEquals("127.0.0.1:1004", leader.address().toString());
        assertEquals(4, leader.nodeId());
        assertEquals(2, s.candidates().size());
    }

    @Test
    void aStaleHintIsIgnored() {
        LeaderSearch s = new LeaderSearch(List.of(A, B, C), 1);
        s.onNotLeader(A, Optional.of(hint(2, 1002, 5)));
        assertEquals(B, s.choose().orElseThrow().withoutId());
        // C answers with an older term's leader: the client keeps B.
        assertFalse(s.onNotLeader(C, Optional.of(hint(3, 1003, 4))));
        assertEquals(B, s.choose().orElseThrow().withoutId());
    }

    @Test
    void hintsInACircleEndInRoundRobin() {
        LeaderSearch s = new LeaderSearch(List.of(A, B, C), 1);
        // A says B leads term 5; B says A leads term 5 (both stale in the same term).
        assertTrue(s.onNotLeader(A, Optional.of(hint(2, 1002, 5))));
        assertFalse(s.onNotLeader(B, Optional.of(hint(1, 1001, 5))), "the same term is not news");
        assertTrue(s.leader().isEmpty(), "B was believed leader and said it is not");
    }

    @Test
    void notReplicaRemovesTheCandidate() {
        LeaderSearch s = new LeaderSearch(List.of(A, B), 1);
        s.onNotReplica(A);
        s.onNotReplica(B);
        assertTrue(s.isEmpty());
        assertTrue(s.choose().isEmpty());
        s.replace(List.of(C));
        assertEquals(C, s.choose().orElseThrow());
    }

    @Test
    void anUnreachableLeaderIsNoLongerChosenButItsTermStillFiltersHints() {
        LeaderSearch s = new LeaderSearch(List.of(A, B, C), 1);
        s.onSuccess(B, Optional.of(hint(2, 1002, 7)));
        assertEquals(B, s.choose().orElseThrow().withoutId());
        s.onUnreachable(B);
        assertTrue(s.leader().isEmpty());
        assertFalse(s.onNotLeader(A, Optional.of(hint(2, 1002, 6))), "term 6 is older than the 7 known");
        assertEquals(7, s.leaderTerm());
    }

    /**
     * What went wrong before: after the leader stopped answering, the turn came back to it, and
     * a client waited out a second attempt timeout at a paused node while the others elected.
     */
    @Test
    void aCandidateThatDidNotAnswerIsSkippedUntilEveryOtherFailedToo() {
        LeaderSearch s = new LeaderSearch(List.of(A, B, C), 1);
        s.onSuccess(A, Optional.of(hint(1, 1001, 4)));
        s.onUnreachable(A);
        for (int i = 0; i < 6; i++) {
            ReplicaAddress r = s.choose().orElseThrow().withoutId();
            assertTrue(!r.equals(A), "the unanswering node was chosen again at turn " + i);
            s.onNotLeader(r, Optional.of(hint(1, 1001, 4)));
        }
        s.onUnreachable(B);
        s.onUnreachable(C);
        assertTrue(s.choose().isPresent(), "once all failed, all are tried again");
    }
}
