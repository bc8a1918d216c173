package org.vostok.raft.sim;

import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.vostok.raft.Entry;
import org.vostok.raft.EntryType;
import org.vostok.raft.RaftNode;
import org.vostok.raft.Role;
import org.vostok.raft.SnapshotMetadata;

/**
 * The simulator's memory of everything that ever happened in the cluster, and the checks of
 * Raft's safety properties against it (Raft §5.4, Figure 3). Each check runs when the state it
 * is about can change, so together they run at every step of the simulation:
 *
 * <ul>
 *   <li><b>Election Safety</b>: at most one leader per term ({@link #observe}).</li>
 *   <li>A node's term and commit index never move back while it runs; its applied index never
 *       passes its commit index ({@link #observe}).</li>
 *   <li><b>Log Matching</b>: two logs holding an entry with the same index and term hold the same
 *       entry there and the same term just before it, so by induction the same log up to it
 *       ({@link #onEntriesWritten}, checked on every write of every node).</li>
 *   <li><b>Committed entries never change</b>: the term at each index any node ever reported
 *       committed is recorded; a different one later is a violation ({@link #observe}).</li>
 *   <li><b>Leader Completeness</b>: a leader of term T holds every entry committed in a term
 *       below T, both when it is elected and when an older commit is learned later.</li>
 *   <li><b>State Machine Safety</b>: every applied (index, entry) and the state digest after it
 *       are recorded; a host applying a different entry or reaching a different state at an
 *       index is a violation, as is a snapshot whose content differs from that state.</li>
 *   <li><b>Linearizable reads</b>: a read's index is at or above every commit index any node
 *       knew when the read was asked for, so the answer reflects every write that completed
 *       before it.</li>
 *   <li>Every accepted proposal ends committed at the index and term it was accepted at, or
 *       provably superseded (its index holds another committed entry, or no member's log holds
 *       it once the cluster converged, or it was lost with a leader whose term was not durable
 *       when it crashed: {@link #onCrash}).</li>
 * </ul>
 * A violation throws {@link AssertionError}; the simulation adds the seed and the trace.
 */
final class SafetyChecker {

    /** Log-indexed records; slot i describes index i; 0 means unknown. */
    private long[] committedTerm = new long[1024];
    /** The lowest term of a node that reported index i committed: the term it was committed in. */
    private long[] committedInTerm = new long[1024];
    private long[] appliedEntryDigest = new long[1024];
    /** The state digest after applying index i (known once any host applied it). */
    private long[] stateDigest = new long[1024];
    private boolean[] stateKnown = new boolean[1024];

    /** The highest index any node ever reported committed. */
    long maxCommitted;
    /** The highest index any host ever applied. */
    long maxApplied;
    private final long foundingIndex;

    private final Map<Long, Long> leaderByTerm = new HashMap<>();
    /**
     * (index, term) of every entry ever written by any node: {prevTerm, entry digest, the node
     * that wrote it first, or {@link #WRITTEN_BY_MANY} once another node wrote it too}.
     */
    private final Map<IndexTerm, long[]> written = new HashMap<>();
    private static final long WRITTEN_BY_MANY = -1;
    /** Accepted proposals by payload id. */
    private final Map<Long, Proposal> proposals = new HashMap<>();
    private final Map<IndexTerm, Long> proposalAt = new HashMap<>();
    /** Reads asked for and not yet answered or refused, by request id. */
    private final Map<Long, ClientRead> reads = new HashMap<>();

    long leadersElected;
    long readsServed;
    long snapshotsInstalled;

    private record IndexTerm(long index, long term) {
    }

    /** A proposal the core accepted at {@code index}/{@code term}. */
    static final class Proposal {
        final long payloadId;
        final long index;
        final long term;
        final long node;
        final long tick;
        boolean applied;
        /** Lost with its leader's term in a crash ({@link #onCrash}): it can never commit. */
        boolean lost;

        Proposal(long payloadId, long index, long term, long node, long tick) {
            this.payloadId = payloadId;
            this.index = index;
            this.term = term;
            this.node = node;
            this.tick = tick;
        }

        @Override
        public String toString() {
            return "payload " + payloadId + " accepted by " + node + " at " + index + "/" + term + " (t=" + tick + ")"
                    + (lost ? ", lost in its leader's crash" : "");
        }
    }

    /** A read asked of {@code node} in its incarnation {@code incarnation}. */
    record ClientRead(long requestId, long node, int incarnation, long committedBefore, long tick) {
    }

    SafetyChecker(long foundingIndex) {
        this.foundingIndex = foundingIndex;
        this.maxCommitted = foundingIndex;
        this.maxApplied = foundingIndex;
        grow(foundingIndex);
        for (int i = 0; i <= foundingIndex; i++) {
            stateKnown[i] = true;
        }
    }

    // ----------------------------------------------------------------------------------------
    // Node state, after every call into a node

    /** Checks a node after any call into it (tick, step, request, ready, advance). */
    void observe(SimHost host, Collection<SimHost> all) {
        RaftNode node = host.node;
        long term = node.term();
        if (term < host.seenTerm) {
            fail("node " + host.id + "'s term moved back from " + host.seenTerm + " to " + term);
        }
        host.seenTerm = term;
        if (node.role() == Role.LEADER) {
            Long previous = leaderByTerm.putIfAbsent(term, host.id);
            if (previous == null) {
                leadersElected++;
                checkLeaderHoldsCommitted(host, 1, maxCommitted);
            } else if (previous != host.id) {
                fail("two leaders in term " + term + ": " + previous + " and " + host.id);
            }
        }
        long commit = node.commitIndex();
        if (commit < host.seenCommit) {
            fail("node " + host.id + "'s commit index moved back from " + host.seenCommit + " to " + commit);
        }
        if (commit > host.seenCommit) {
            for (long i = host.seenCommit + 1; i <= commit; i++) {
                long t = termOrZero(node, i);
                if (t != 0) {
                    recordCommitted(host, i, t, term, all);
                }
            }
            host.seenCommit = commit;
        }
        if (node.appliedIndex() > commit) {
            fail("node " + host.id + "'s applied index " + node.appliedIndex() + " passed its commit index " + commit);
        }
        if (host.state.appliedIndex > commit) {
            fail("host " + host.id + " applied up to " + host.state.appliedIndex + ", past its node's commit index "
                    + commit);
        }
    }

    /** A node just restarted from its storage: what it believes committed must be what was. */
    void observeRestart(SimHost host, long commitBeforeCrash) {
        RaftNode node = host.node;
        if (node.commitIndex() > commitBeforeCrash) {
            fail("node " + host.id + " restarted with commit index " + node.commitIndex()
                    + ", above the " + commitBeforeCrash + " it had before its crash");
        }
        for (long i = host.storage.snapshot().index() + 1; i <= node.commitIndex(); i++) {
            long t = node.termAt(i);
            if (committedTerm(i) != 0 && committedTerm(i) != t) {
                fail("node " + host.id + " restarted with entry " + i + "/" + t + " below its commit index "
                        + node.commitIndex() + ", but " + i + "/" + committedTerm(i) + " was committed");
            }
        }
        host.seenTerm = node.term();
        host.seenCommit = node.commitIndex();
    }

    private void recordCommitted(SimHost host, long index, long term, long observerTerm, Collection<SimHost> all) {
        grow(index);
        int i = (int) index;
        if (committedTerm[i] == 0) {
            committedTerm[i] = term;
            committedInTerm[i] = observerTerm;
        } else if (committedTerm[i] != term) {
            fail("node " + host.id + " reports " + index + "/" + term + " committed, but " + index + "/"
                    + committedTerm[i] + " was committed before: a committed entry changed");
        } else if (observerTerm < committedInTerm[i]) {
            committedInTerm[i] = observerTerm;
        }
        maxCommitted = Math.max(maxCommitted, index);
        // Leader Completeness also holds for leaders elected before this commit was learned.
        for (SimHost h : all) {
            if (h.node != null && h.node.role() == Role.LEADER && h.node.term() > committedInTerm[i]) {
                checkLeaderHoldsCommitted(h, index, index);
            }
        }
    }

    /** Leader Completeness (Raft §5.4): the leader holds every entry committed in an earlier term. */
    private void checkLeaderHoldsCommitted(SimHost leader, long from, long to) {
        RaftNode node = leader.node;
        long start = Math.max(from, leader.storage.snapshot().index() + 1);
        for (long i = start; i <= to; i++) {
            long t = committedTerm(i);
            if (t == 0 || committedInTerm[(int) i] >= node.term()) {
                continue;
            }
            if (i > node.lastIndex()) {
                fail("leader " + leader.id + " of term " + node.term() + " lacks committed entry " + i + "/" + t
                        + ": its log ends at " + node.lastIndex() + " (Leader Completeness)");
            }
            long held = termOrZero(node, i);
            if (held != 0 && held != t) {
                fail("leader " + leader.id + " of term " + node.term() + " holds " + i + "/" + held
                        + " where " + i + "/" + t + " was committed (Leader Completeness)");
            }
        }
    }

    private static long termOrZero(RaftNode node, long index) {
        try {
            return node.termAt(index);
        } catch (IndexOutOfBoundsException compacted) {
            return 0;
        }
    }

    long foundingIndex() {
        return foundingIndex;
    }

    long committedTerm(long index) {
        return index < committedTerm.length ? committedTerm[(int) index] : 0;
    }

    // ----------------------------------------------------------------------------------------
    // Writes and applies

    /** Log Matching, on every entry a host writes; {@code prevTerm} is its log's term just before. */
    void onEntryWritten(SimHost host, Entry e, long prevTerm) {
        long digest = entryDigest(e);
        long[] known = written.putIfAbsent(new IndexTerm(e.index(), e.term()), new long[] {prevTerm, digest, host.id});
        if (known == null) {
            return;
        }
        if (known[2] != host.id) {
            known[2] = WRITTEN_BY_MANY;
        }
        if (known[0] != prevTerm) {
            fail("node " + host.id + " wrote " + e + " after term " + prevTerm + ", but another log holds "
                    + e.index() + "/" + e.term() + " after term " + known[0] + " (Log Matching)");
        }
        if (known[1] != digest) {
            fail("node " + host.id + " wrote " + e + " with other content than another log's " + e.index() + "/"
                    + e.term() + " (Log Matching)");
        }
    }

    /** State Machine Safety, on every entry a host applies. */
    void onApplied(SimHost host, Entry e) {
        long index = e.index();
        if (index != host.state.appliedIndex + 1) {
            fail("host " + host.id + " is handed " + e + " to apply after applying up to "
                    + host.state.appliedIndex + ": committed entries must come in order, without gaps");
        }
        if (index > host.node.commitIndex()) {
            fail("host " + host.id + " is handed " + e + " to apply above its commit index " + host.node.commitIndex());
        }
        grow(index);
        int i = (int) index;
        if (committedTerm[i] != 0 && committedTerm[i] != e.term()) {
            fail("host " + host.id + " applies " + e + " but " + index + "/" + committedTerm[i] + " was committed");
        }
        long digest = entryDigest(e);
        if (appliedEntryDigest[i] == 0) {
            appliedEntryDigest[i] = digest;
        } else if (appliedEntryDigest[i] != digest) {
            fail("host " + host.id + " applies " + e + " at an index where another host applied other content"
                    + " (State Machine Safety)");
        }
        if (e.type() == EntryType.NORMAL && !e.isEmpty()) {
            long payloadId = SimPayloads.id(e.data());
            Proposal p = proposals.get(payloadId);
            if (p == null) {
                fail("host " + host.id + " applies " + e + " with payload " + payloadId + ", which no leader accepted");
            }
            if (p.index != index || p.term != e.term() || p.lost) {
                fail("host " + host.id + " applies " + e + " but its payload was accepted as " + p);
            }
            p.applied = true;
            host.state.applyPayload(index, payloadId);
        } else {
            host.state.applyNothing(index);
        }
        if (!stateKnown[i]) {
            stateKnown[i] = true;
            stateDigest[i] = host.state.digest;
        } else if (stateDigest[i] != host.state.digest) {
            fail("host " + host.id + "'s state after applying " + index + " differs from another host's"
                    + " (State Machine Safety)");
        }
        maxApplied = Math.max(maxApplied, index);
    }

    /** A host installs a snapshot: its content must be the state every host had at its index. */
    void onSnapshotInstalled(SimHost host, SnapshotMetadata s, SimStateMachine content) {
        snapshotsInstalled++;
        if (content.appliedIndex != s.index()) {
            fail("host " + host.id + " installs " + s + " whose content is the state at " + content.appliedIndex);
        }
        long t = committedTerm(s.index());
        if (t != 0 && t != s.term()) {
            fail("host " + host.id + " installs " + s + " but " + s.index() + "/" + t + " was committed");
        }
        if (s.index() >= stateKnown.length || !stateKnown[(int) s.index()]) {
            fail("host " + host.id + " installs " + s + " at an index no host has applied");
        }
        if (stateDigest[(int) s.index()] != content.digest) {
            fail("host " + host.id + " installs " + s + " whose content differs from the state hosts applied up to "
                    + s.index() + " (State Machine Safety)");
        }
    }

    /** A host compacts its log into a snapshot of its own state. */
    void onCompacted(SimHost host, long index) {
        if (index > host.node.commitIndex()) {
            fail("host " + host.id + " compacted to " + index + ", past its commit index " + host.node.commitIndex());
        }
    }

    static long entryDigest(Entry e) {
        long h = e.type().ordinal() + 1;
        byte[] d = e.data();
        for (byte b : d) {
            h = h * 1_000_003 + b;
        }
        return SimStateMachine.mix(h, d.length);
    }

    // ----------------------------------------------------------------------------------------
    // Clients

    void onProposalAccepted(long payloadId, long index, long term, long node, long tick) {
        Proposal p = new Proposal(payloadId, index, term, node, tick);
        if (proposals.putIfAbsent(payloadId, p) != null) {
            fail("payload " + payloadId + " was accepted twice");
        }
        Long other = proposalAt.putIfAbsent(new IndexTerm(index, term), payloadId);
        if (other != null) {
            fail("node " + node + " accepted payload " + payloadId + " at " + index + "/" + term
                    + " where payload " + other + " was accepted already");
        }
    }

    /**
     * {@code host} crashed and came back to its durable {@code durableTerm}: every term above it
     * that the node led in the life that ended is forgotten, with its leadership (the next leader
     * of that term is checked as newly elected, Leader Completeness included), the proposals it
     * accepted in it (lost: a client waiting for one asks again) and the entries it wrote in it.
     * Returns how many terms were forgotten.
     *
     * <p>This is sound, and not a hole in Log Matching or Election Safety, because nothing of such
     * a term left the node. A node leads a term that is not durable yet only when it is the sole
     * voter of its membership (any other election needs vote requests, sent after the persist);
     * while the new term is not durable every message waits for the persist ({@link
     * org.vostok.raft.Ready#messages()} carries only traffic of a durable term, which
     * {@link SimHost#handleReady} checks), and the next Ready comes only after this one is
     * durable. So no other node ever held an entry of the term, nothing in it was committed, and
     * the restarted node, which voted in it only in memory, may stand for it again and hand out
     * the same (index, term) to another entry, as Raft allows (Figure 2: only the persistent state
     * survives a crash). A client's wait for a proposal dies with the host process that took it.
     * Both premises are checked here: no other node ever wrote an entry of the term, and no
     * proposal of it was committed.
     */
    int onCrash(SimHost host, long durableTerm) {
        Set<Long> lostTerms = new HashSet<>();
        for (Map.Entry<Long, Long> e : leaderByTerm.entrySet()) {
            if (e.getKey() > durableTerm && e.getValue() == host.id) {
                lostTerms.add(e.getKey());
            }
        }
        if (lostTerms.isEmpty()) {
            return 0;
        }
        for (Map.Entry<IndexTerm, long[]> e : written.entrySet()) {
            if (lostTerms.contains(e.getKey().term()) && e.getValue()[2] != host.id) {
                fail("node " + host.id + " crashed with term " + e.getKey().term() + " not durable (durable term "
                        + durableTerm + "), but entry " + e.getKey().index() + "/" + e.getKey().term()
                        + " of that term reached another node: it left before its term was durable");
            }
        }
        for (Proposal p : proposals.values()) {
            if (lostTerms.contains(p.term) && !p.lost) {
                if (p.applied || committedTerm(p.index) == p.term) {
                    fail(p + " was committed, but its leader's term " + p.term + " was not durable when it crashed");
                }
                p.lost = true;
                proposalAt.remove(new IndexTerm(p.index, p.term));
            }
        }
        written.keySet().removeIf(k -> lostTerms.contains(k.term()));
        leaderByTerm.keySet().removeAll(lostTerms);
        return lostTerms.size();
    }

    Proposal proposal(long payloadId) {
        return proposals.get(payloadId);
    }

    Collection<Proposal> proposals() {
        return proposals.values();
    }

    /** A client asks {@code host} for a read: every write committed by now must be visible to it. */
    ClientRead onReadRequested(long requestId, SimHost host, long tick) {
        ClientRead r = new ClientRead(requestId, host.id, host.incarnation, maxCommitted, tick);
        reads.put(requestId, r);
        return r;
    }

    /**
     * The core confirmed a read at {@code index}; returns the read if this host asked for it in
     * its current life (a follower may get the answer to a read of its previous life), else null.
     */
    ClientRead onReadConfirmed(SimHost host, long requestId, long index) {
        ClientRead r = reads.get(requestId);
        if (r == null || r.node() != host.id || r.incarnation() != host.incarnation) {
            return null;
        }
        if (index < r.committedBefore()) {
            fail("host " + host.id + " got read " + requestId + " (asked at t=" + r.tick() + ") confirmed at index "
                    + index + ", but index " + r.committedBefore() + " was committed before it was asked:"
                    + " the read would miss a completed write (linearizability)"
                    + (host.node.role() == Role.LEADER && host.config.leaseReads()
                            ? "; a stale lease read by a leader that does not know it was deposed" : ""));
        }
        return r;
    }

    /** The host answers the read from its state, applied up to {@code state.appliedIndex}. */
    void onReadServed(SimHost host, ClientRead r) {
        if (host.state.appliedIndex < r.committedBefore()) {
            fail("host " + host.id + " answers read " + r.requestId() + " from its state at "
                    + host.state.appliedIndex + ", before index " + r.committedBefore()
                    + " that was committed before the read was asked");
        }
        reads.remove(r.requestId());
        readsServed++;
    }

    void onReadRefused(long requestId) {
        reads.remove(requestId);
    }

    // ----------------------------------------------------------------------------------------
    // The end of a run

    /** Every member holds the whole committed log, and every accepted proposal is accounted for. */
    void checkConverged(Collection<SimHost> members) {
        for (SimHost h : members) {
            if (h.state.appliedIndex < maxCommitted) {
                fail("member " + h.id + " applied only up to " + h.state.appliedIndex + " at the end, but "
                        + maxCommitted + " was reported committed");
            }
        }
        for (Proposal p : proposals.values()) {
            if (p.lost) {
                continue; // superseded by its leader's crash; onApplied fails if it is ever applied
            }
            long t = committedTerm(p.index);
            if (t == p.term) {
                if (!p.applied) {
                    fail(p + " is committed but was never applied");
                }
            } else if (t == 0) {
                for (SimHost h : members) {
                    if (p.index <= h.node.lastIndex() && termOrZero(h.node, p.index) == p.term) {
                        fail(p + " is neither committed nor superseded at the end: member " + h.id
                                + " still holds it uncommitted");
                    }
                }
            }
        }
    }

    // ----------------------------------------------------------------------------------------

    private void grow(long index) {
        if (index >= Integer.MAX_VALUE - 1) {
            fail("log index " + index + " is beyond what the simulator records");
        }
        if (index < committedTerm.length) {
            return;
        }
        int size = committedTerm.length;
        while (size <= index) {
            size *= 2;
        }
        committedTerm = Arrays.copyOf(committedTerm, size);
        committedInTerm = Arrays.copyOf(committedInTerm, size);
        appliedEntryDigest = Arrays.copyOf(appliedEntryDigest, size);
        stateDigest = Arrays.copyOf(stateDigest, size);
        stateKnown = Arrays.copyOf(stateKnown, size);
    }

    static void fail(String message) {
        throw new AssertionError(message);
    }
}
