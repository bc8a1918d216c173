package org.vostok.raft;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The leader's linearizable reads (Raft §6.4, thesis §6.4.1), as etcd's read_only.go keeps
 * them: reads that wait for the leader's first entry to commit, reads that wait for a heartbeat
 * round a quorum answers (ReadIndex), and the lease, measured on the host's {@link MonotonicClock}.
 * It holds the bookkeeping; {@link RaftNode} sends the rounds and the answers.
 *
 * <p>The lease counts from when a heartbeat round was created, not answered: a follower refuses
 * votes for an election timeout after it receives one, so once a quorum has answered a round
 * created at clock reading t, no other leader can be elected before
 * t + {@link Config#leaseDurationNanos()}. It is measured on the clock, never in the node's
 * ticks: a host that stalls misses ticks, and a lease counted in them would outlive the promise.
 */
final class ReadOnly {

    /** A read asked of this leader by {@code origin} (this node or a follower that forwarded it). */
    record PendingRead(long origin, long requestId, long index, long round) {
    }

    /** Where confirmed reads go. */
    @FunctionalInterface
    interface Answer {
        void answer(long origin, long requestId, long index);
    }

    private final long id;
    private final Config config;
    private final MonotonicClock clock;
    /** The latest reading of {@link #clock}: a later one below it is an invariant violation. */
    private long lastClockNanos;
    private boolean clockRead;

    /** The latest read round: heartbeats carry it, followers acknowledge it (Progress.readRoundAcked). */
    private long readRound;
    /** The round whose answers will renew the lease, 0 when none is out; created at leaseRoundNanos. */
    private long leaseRound;
    private long leaseRoundNanos;
    /** Whether a quorum answered a lease round in this term; it then started at leaseStartNanos. */
    private boolean leaseStarted;
    private long leaseStartNanos;
    /** This leader sent TimeoutNow: the target's voters ignore their leases, so this lease is void. */
    private boolean leaseRevoked;
    /** Reads waiting for a round, in round order. */
    private final ArrayDeque<PendingRead> pendingReads = new ArrayDeque<>();
    /** Reads waiting for the leader's first entry to commit. */
    private final ArrayList<PendingRead> readsAwaitingCommit = new ArrayList<>();

    ReadOnly(long id, Config config, MonotonicClock clock) {
        this.id = id;
        this.config = config;
        this.clock = clock;
    }

    /** Whether the leader holds {@link Config#readRequestsPendingMax()} reads already. */
    boolean isFull() {
        return pendingReads.size() + readsAwaitingCommit.size() >= config.readRequestsPendingMax();
    }

    /** The read waits until the leader's first entry commits (Raft §6.4 step 1). */
    void awaitCommit(long origin, long requestId) {
        readsAwaitingCommit.add(new PendingRead(origin, requestId, 0, 0));
    }

    /** The reads that waited for the leader's first entry, taken off; in the order they came. */
    List<PendingRead> takeAwaitingCommit() {
        if (readsAwaitingCommit.isEmpty()) {
            return List.of();
        }
        List<PendingRead> waiting = new ArrayList<>(readsAwaitingCommit);
        readsAwaitingCommit.clear();
        return waiting;
    }

    /** A new round for a read at {@code index}; returns the round the heartbeats must carry. */
    long startRound(long origin, long requestId, long index) {
        readRound++;
        pendingReads.addLast(new PendingRead(origin, requestId, index, readRound));
        return readRound;
    }

    /**
     * The round a heartbeat broadcast carries now; with lease reads, a new lease round when none
     * is out, its clock reading taken now, before the heartbeats are handed to the host, so no
     * later than they are sent.
     */
    long roundForHeartbeat() {
        if (config.leaseReads() && leaseRound == 0) {
            readRound++;
            leaseRound = readRound;
            leaseRoundNanos = readClock();
        }
        return readRound;
    }

    /** The latest round: the leader counts itself as having acknowledged it. */
    long round() {
        return readRound;
    }

    /** Whether anything waits for a round to be confirmed: reads, or the lease's renewal. */
    boolean awaitsConfirmation() {
        return !pendingReads.isEmpty() || leaseRound != 0;
    }

    /**
     * A quorum acknowledged rounds up to {@code confirmed} (the leader was still leader then):
     * renews the lease when the lease round is among them, and hands the reads of those rounds
     * to {@code answer}, in order.
     */
    void confirm(long confirmed, Answer answer) {
        if (leaseRound != 0 && confirmed >= leaseRound) {
            // A later round may be what the quorum answered; counting from this earlier one is
            // conservative.
            leaseStarted = true;
            leaseStartNanos = leaseRoundNanos;
            leaseRound = 0;
        }
        while (!pendingReads.isEmpty() && pendingReads.peekFirst().round() <= confirmed) {
            PendingRead r = pendingReads.pollFirst();
            answer.answer(r.origin(), r.requestId(), r.index());
        }
    }

    /**
     * Whether a quorum answered a round created less than {@link Config#leaseDurationNanos()} ago
     * by a clock reading taken now, when the read is served (never one from when it was asked),
     * and no TimeoutNow went out this term.
     */
    boolean leaseHolds() {
        return !leaseRevoked && leaseStarted && readClock() - leaseStartNanos < config.leaseDurationNanos();
    }

    /**
     * Whether a quorum answered a lease round in this term and no TimeoutNow went out: the lease
     * then holds until {@link #leaseExpiryNanos()} (it may have ended already; no clock is read).
     */
    boolean leaseGranted() {
        return leaseStarted && !leaseRevoked;
    }

    /** The clock reading from which the lease {@link #leaseGranted granted} holds no more. */
    long leaseExpiryNanos() {
        return leaseStartNanos + config.leaseDurationNanos();
    }

    /** This leader sent TimeoutNow: its lease is void for the rest of the term. */
    void revokeLease() {
        leaseRevoked = true;
    }

    /** A new term or role: no lease, no round out; the reads were refused or taken already. */
    void resetLease() {
        leaseRound = 0;
        leaseStarted = false;
        leaseRevoked = false;
    }

    /** Every read still waiting, taken off: those waiting for a round first, then the others. */
    List<PendingRead> takeAll() {
        if (pendingReads.isEmpty() && readsAwaitingCommit.isEmpty()) {
            return List.of();
        }
        List<PendingRead> all = new ArrayList<>(pendingReads.size() + readsAwaitingCommit.size());
        all.addAll(pendingReads);
        all.addAll(readsAwaitingCommit);
        pendingReads.clear();
        readsAwaitingCommit.clear();
        return all;
    }

    /** A fresh reading of the host's clock, checked to be monotonic. */
    private long readClock() {
        long now = clock.nanoTime();
        if (clockRead && now - lastClockNanos < 0) {
            throw new RaftInvariantViolation("node " + id + ": the host's monotonic clock went back from "
                    + lastClockNanos + " to " + now + " ns; a lease measured on it would be unsafe");
        }
        lastClockNanos = now;
        clockRead = true;
        return now;
    }
}
