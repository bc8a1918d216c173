package org.vostok.raft;

import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A leader's view of its peers, and the quorum arithmetic over them and over votes, as etcd's
 * tracker package keeps it: each peer's {@link Progress} (Raft Figure 2's nextIndex and
 * matchIndex, flow control), the votes of the current (pre-)election, and what a quorum of the
 * membership's voters has replicated (the commit rule), heard (CheckQuorum) and acknowledged
 * (read rounds). Peers are kept in id order, so that messages go out in a fixed order.
 */
final class ProgressTracker {

    /** The outcome of a (pre-)election so far. */
    enum VoteResult { WON, LOST, PENDING }

    /** The peers by id, this node included while it is a voter that leads. */
    private final TreeMap<Long, Progress> peers = new TreeMap<>();
    /** Votes received in the current (pre-)election, by voter. */
    private final Map<Long, Boolean> votes = new HashMap<>();

    Progress get(long peer) {
        return peers.get(peer);
    }

    boolean contains(long peer) {
        return peers.containsKey(peer);
    }

    /** Every peer, in id order; not to be changed while iterated. */
    Collection<Progress> all() {
        return peers.values();
    }

    void add(Progress pr) {
        peers.put(pr.id, pr);
    }

    void remove(long peer) {
        peers.remove(peer);
    }

    /** Forgets every peer and every vote: a new term or role. */
    void reset() {
        votes.clear();
        peers.clear();
    }

    // ----------------------------------------------------------------------------------------
    // Quorums

    /**
     * The highest index a quorum of {@code membership}'s voters holds (their matches; a voter
     * without progress counts as holding nothing), or 0 when there are no voters. The commit
     * rule (Raft §5.4.2) adds that the entry there must be of the leader's term.
     */
    long quorumMatch(Membership membership) {
        int n = membership.voterCount();
        if (n == 0) {
            return 0;
        }
        long[] matches = new long[n];
        for (int i = 0; i < n; i++) {
            Progress pr = peers.get(membership.voterAt(i));
            matches[i] = pr == null ? 0 : pr.match;
        }
        Arrays.sort(matches);
        return matches[n - membership.quorum()];
    }

    /**
     * Whether a quorum of {@code membership}'s voters was heard from since the last check (this
     * node, {@code self}, counts when it is a voter); resets the marks for the next check
     * (CheckQuorum, thesis §6.2).
     */
    boolean quorumActive(Membership membership, long self) {
        int active = 0;
        for (Progress pr : peers.values()) {
            if (pr.id == self || pr.recentActive) {
                if (membership.isVoter(pr.id)) {
                    active++;
                }
            }
            pr.recentActive = false;
        }
        return active >= membership.quorum();
    }

    /**
     * The highest read round a quorum of {@code membership}'s voters acknowledged, this node
     * ({@code self}) counting as having acknowledged {@code selfRound}.
     */
    long quorumReadRound(Membership membership, long self, long selfRound) {
        int n = membership.voterCount();
        long[] rounds = new long[n];
        for (int i = 0; i < n; i++) {
            long voter = membership.voterAt(i);
            Progress pr = peers.get(voter);
            rounds[i] = voter == self ? selfRound : pr == null ? 0 : pr.readRoundAcked;
        }
        Arrays.sort(rounds);
        return rounds[n - membership.quorum()];
    }

    // ----------------------------------------------------------------------------------------
    // Votes (Raft §5.2, thesis §9.6)

    /** Forgets the votes of the last (pre-)election. */
    void resetVotes() {
        votes.clear();
    }

    /**
     * Counts {@code voter}'s vote (the first one it cast in this election; a repeat changes
     * nothing) and tells whether a quorum of {@code membership}'s voters granted or can no longer
     * grant. Votes of non-voters are ignored.
     */
    VoteResult recordVote(Membership membership, long voter, boolean granted) {
        if (!membership.isVoter(voter)) {
            return VoteResult.PENDING;
        }
        votes.putIfAbsent(voter, granted);
        int grantedCount = 0;
        int rejectedCount = 0;
        for (Map.Entry<Long, Boolean> v : votes.entrySet()) {
            if (membership.isVoter(v.getKey())) {
                if (v.getValue()) {
                    grantedCount++;
                } else {
                    rejectedCount++;
                }
            }
        }
        if (grantedCount >= membership.quorum()) {
            return VoteResult.WON;
        }
        if (rejectedCount > membership.voterCount() - membership.quorum()) {
            return VoteResult.LOST;
        }
        return VoteResult.PENDING;
    }
}
