package org.vostok.rdb;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vostok.raft.Entry;
import org.vostok.raft.Membership;
import org.vostok.raft.Message;
import org.vostok.raft.PeerStatus;
import org.vostok.raft.ProposeResult;
import org.vostok.raft.RaftInvariantViolation;
import org.vostok.raft.RaftNode;
import org.vostok.raft.ReadRefused;
import org.vostok.raft.ReadState;
import org.vostok.raft.Ready;
import org.vostok.raft.ReceivedSnapshotChunk;
import org.vostok.raft.Refusal;
import org.vostok.raft.Role;
import org.vostok.raft.SnapshotChunkRequest;
import org.vostok.raft.SnapshotMetadata;
import org.vostok.rdb.model.LeaderHint;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.model.RequestOutcome;
import org.vostok.rdb.store.EntryOutcome;
import org.vostok.rdb.store.EntryPayload;
import org.vostok.rdb.store.EntryPlan;
import org.vostok.rdb.store.Op;
import org.vostok.rdb.store.PlanFailure;
import org.vostok.rdb.store.PlanSource;
import org.vostok.rdb.store.RdbStore;
import org.vostok.rdb.store.SnapshotStaging;
import org.vostok.rdb.store.TreeReader;
import org.vostok.rdb.store.Validator;
import org.vostok.rdb.transport.RaftTransport;

/**
 * The replica's owner thread: the only thread that touches the Raft core and writes the store.
 * Each round it takes what is queued (messages, transactions to commit, reads, admin requests),
 * ticks the core when a tick is due, and carries out every {@link Ready} in the order
 * {@link RaftNode}'s contract gives:
 *
 * <ol>
 *   <li>the leader's replication messages leave first, so followers write while the leader does
 *       (thesis §10.2.1);</li>
 *   <li>received snapshot chunks are written, and a received snapshot is installed;</li>
 *   <li>the entries and the hard state are persisted in one VOS transaction (applying each entry
 *       at its index as it is written);</li>
 *   <li>the messages that depend on that persist leave;</li>
 *   <li>committed entries are "applied" (they were applied when written: here their commits
 *       complete and reads waiting for them are answered);</li>
 *   <li>the batch is acknowledged.</li>
 * </ol>
 *
 * Group commit comes from taking everything queued before each Ready: all the transactions
 * proposed in one round are written in one VOS transaction.
 *
 * <p>Space: on the leader, a transaction that is not critical is refused with NOSPACE while the
 * pool's free bytes are below {@code poolFreeBytesMin} (after a compaction and a second look).
 * The log is compacted when the applied entries past its base pass
 * {@code compactThresholdEntries}, or at once when the pool runs short; the freed space comes
 * back through the {@link Maintenance} thread's aggregation. A write that meets a full pool
 * anyway (a follower whose pool filled before the leader's) compacts and tries again; if the
 * pool is still full, this replica restarts its Raft core from what is durable and stays a
 * follower that takes the log again once aggregation has freed space.
 *
 * <p>Snapshots: chunks the core asks for are read by the {@link SnapshotSender} thread, their
 * epoch pinned against aggregation while the peer receives it; chunks received are written to
 * a staging container ({@link SnapshotStaging}) that survives a restart.
 */
final class ReplicaLoop implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(ReplicaLoop.class);

    /** Items taken from the queue per round at most, so a flood cannot starve the Ready. */
    private static final int ITEMS_PER_ROUND_MAX = 4096;
    /** How often a refused snapshot is logged per peer at most. */
    private static final long SNAPSHOT_WARNING_INTERVAL_NANOS = 10_000_000_000L;
    /** How often a replica that cannot write for want of space says so at most. */
    private static final long SPACE_WARNING_INTERVAL_NANOS = 10_000_000_000L;
    /**
     * Election timeouts a replica may still lead a term it gave up (a transfer that did not
     * happen) before it restarts its core, which ends the term here for certain.
     */
    private static final int ABANDONED_TERM_TICKS_MAX = 2;

    private final Replica replica;
    private final RdbStore store;
    private final RdbConfig config;
    private final RaftTransport transport;
    private final LeadershipEvents events;
    private final ExecutorService completions;
    private final ReadPins pins;
    private final Maintenance maintenance;
    private final SnapshotSender sender;
    private final SplittableRandom random;
    /** Replaced when the core is restarted from the store (a write that found the pool full). */
    private RaftNode node;
    private final long id;
    private final long tickNanos;

    /** Invariant: every index up to here is committed and written here; reads see this epoch. */
    private long applied;

    // Leadership as the host sees it.
    /** The term whose stepUp was raised and whose stepDown was not, or 0. */
    private long steppedUpTerm;
    /** The term in which this replica leads with its first entry applied, or 0. */
    private long readyTerm;
    /**
     * A term this replica leads but takes no transactions in: its host's stepUp failed, or a
     * commit in it ended ambiguously while it still led (DESIGN.md, "Transactions"). It hands the
     * leadership over, and restarts its core if it still leads that term after
     * {@link #ABANDONED_TERM_TICKS_MAX} election timeouts.
     */
    private long abandonedTerm;
    /** Ticks since {@link #abandonedTerm} was given up while this replica still leads it. */
    private long abandonedTermTicks;

    // Commits.
    private Validator validator;
    private final HashMap<Long, PlannedEntry> plans = new HashMap<>();
    private final TreeMap<Long, PendingCommit> pendingCommits = new TreeMap<>();
    /**
     * Transactions whose request id an entry of this term not yet applied carries already, by
     * that entry's index: they take its fate (DESIGN.md, "Transactions").
     */
    private final TreeMap<Long, List<PendingDuplicate>> duplicates = new TreeMap<>();

    // Reads.
    private long readSequence;
    private final HashMap<Long, PendingRead> readsAwaitingIndex = new HashMap<>();
    private final ArrayList<PendingRead> readsAwaitingApply = new ArrayList<>();

    // Snapshots.
    private SnapshotStaging staging;
    private final Map<Long, Long> snapshotWarnedNanos = new HashMap<>();
    /** The epoch pinned for each peer that receives a snapshot from this leader. */
    private final Map<Long, ReadPins.Pin> outgoing = new HashMap<>();

    // Space.
    /** The leader's free bytes and what its proposed entries reserve of them. */
    private final SpaceGuard space;
    /** A write found the pool full and the core was restarted; cleared by the next write that succeeds. */
    private boolean spaceBlocked;
    /** The log was compacted in this round: the maintenance thread is told at the end of it. */
    private boolean compactedThisRound;
    private long fullPoolWrites;
    private long spaceWarnedNanos;

    private final ArrayList<Runnable> completionBatch = new ArrayList<>();
    private ReplicaStatus published;
    private boolean running = true;

    private record PlannedEntry(long term, EntryPlan plan) {
    }

    private static final class PendingCommit {
        final long term;
        final CompletableFuture<Long> future;
        final long deadlineNanos;
        /** What was proposed, for messages: "the transaction", "the membership change ...". */
        final String what;
        /** The entry's outcome once written; null before, and always null for a membership change. */
        Optional<PlanFailure> outcome;
        final boolean membership;
        /** What the future completes with when applied: the entry's index, or this when not 0 (a replica id). */
        long result;

        PendingCommit(long term, CompletableFuture<Long> future, long deadlineNanos, String what, boolean membership) {
            this.term = term;
            this.future = future;
            this.deadlineNanos = deadlineNanos;
            this.what = what;
            this.membership = membership;
        }
    }

    /** A transaction that waits for the fate of the entry that carried its request id first. */
    private record PendingDuplicate(long term, UUID requestId, CompletableFuture<Long> future, long deadlineNanos) {
    }

    private static final class PendingRead {
        final long term;
        /**
         * Completed on the owner thread itself, never on the completion thread: only a blocked
         * {@link Tx} waits on it, and that Tx may run on the completion thread (a commit's
         * continuation that queries), which would then wait for itself.
         */
        final CompletableFuture<ReadView> future;
        final long deadlineNanos;
        long index;

        PendingRead(long term, CompletableFuture<ReadView> future, long deadlineNanos) {
            this.term = term;
            this.future = future;
            this.deadlineNanos = deadlineNanos;
        }
    }

    ReplicaLoop(Replica replica, RdbStore store, RdbConfig config, RaftTransport transport, LeadershipEvents events,
                ExecutorService completions) {
        this.replica = replica;
        this.store = store;
        this.config = config;
        this.transport = transport;
        this.events = events;
        this.completions = completions;
        this.id = store.replicaId();
        this.tickNanos = config.tickMillis() * 1_000_000L;
        // Apply happens at append: everything up to the stored commit index is applied already,
        // so the core hands out nothing to replay.
        this.applied = store.hardState().commit();
        this.random = new SplittableRandom(config.randomSeed() ^ (id * 0x9E3779B97F4A7C15L));
        this.node = new RaftNode(config.raftConfig(id), store, random::nextInt, applied);
        this.staging = store.resumableSnapshot().orElse(null);
        if (staging != null && !node.resumeIncomingSnapshot(staging.snapshot(), staging.nextOffset())
                && staging.nextOffset() > 0) {
            LOG.info("replica {}: the staged {} is no longer needed", id, staging);
            store.abandonSnapshot(staging);
            staging = null;
        }
        // The pins wake the maintenance thread when a read that held aggregation back ends.
        this.space = new SpaceGuard(config.poolFreeBytesMin(), () -> store.poolInfo().freeBytes());
        this.pins = new ReadPins(this::readReleased);
        this.maintenance = new Maintenance(id, store, pins, config.aggregationSliceKeys(),
                config.maintenanceRetryMillis());
        this.sender = new SnapshotSender(id, store, replica::submitInternal);
        this.maintenance.start();
    }

    private void readReleased() {
        Maintenance m = maintenance;
        if (m != null) {
            m.readReleased();
        }
    }

    // ----------------------------------------------------------------------------------------
    // The loop

    @Override
    public void run() {
        RdbException failure = null;
        try {
            loop();
        } catch (RdbException e) {
            failure = e;
        } catch (RaftInvariantViolation e) {
            failure = new RdbException(RdbError.CORRUPT, "a Raft safety invariant broke on replica " + id + ": "
                    + e.getMessage() + "; the replica stopped (restart it from its pool, or replace it)", e);
        } catch (Throwable e) {
            failure = new RdbException(RdbError.IO, "replica " + id + " failed: " + e, e);
        }
        if (failure != null) {
            LOG.error("replica {} stops: {}", id, failure.getMessage(), failure);
        }
        shutdown(failure);
    }

    private void loop() throws InterruptedException {
        long nextTick = System.nanoTime() + tickNanos;
        while (running) {
            space.forgetFreeBytes();
            long wait = node.hasReady() ? 0 : nextTick - System.nanoTime();
            Object item = replica.poll(wait);
            for (int n = 0; item != null; n++) {
                take(item);
                // Nothing is taken after a Stop: what is left is failed by the shutdown.
                item = running && n < ITEMS_PER_ROUND_MAX ? replica.poll(0) : null;
            }
            long now = System.nanoTime();
            boolean ticked = now - nextTick >= 0;
            if (ticked) {
                node.tick();
                nextTick = now + tickNanos;
                expire(now);
                releaseFinishedSnapshots();
                checkAbandonedTerm();
            }
            while (running && node.hasReady()) {
                handleReady(node.ready());
            }
            if (running) {
                maybeCompact(ticked);
            }
            if (compactedThisRound) {
                // Told only now, once every snapshot chunk the core asked for in this round (of a
                // snapshot at the old base) has its epoch pinned.
                compactedThisRound = false;
                maintenance.compacted(store.snapshot().index());
            }
            publishStatus();
            flushCompletions();
        }
    }

    private void take(Object item) {
        if (item instanceof Message m) {
            try {
                node.step(m);
            } catch (IllegalArgumentException e) {
                LOG.warn("replica {}: dropped a message not meant for it: {}", id, e.getMessage());
            }
        } else if (item instanceof Request.Propose p) {
            propose(p);
        } else if (item instanceof Request.Read r) {
            read(r);
        } else if (item instanceof Request.ChangeMembership c) {
            changeMembership(c);
        } else if (item instanceof Request.TransferLeadership t) {
            transferLeadership(t);
        } else if (item instanceof Request.Abdicate a) {
            abdicate(a.term());
        } else if (item instanceof Request.AllocateReplicaId a) {
            allocateReplicaId(a);
        } else if (item instanceof Request.SnapshotChunkReady c) {
            supplySnapshotChunk(c);
        } else if (item instanceof Request.SnapshotChunkFailed f) {
            snapshotChunkFailed(f);
        } else if (item instanceof Request.Stop) {
            running = false;
        }
    }

    // ----------------------------------------------------------------------------------------
    // Requests

    /** Null when this replica leads {@code term} and takes transactions in it, else why not. */
    private RdbException refuseTerm(long term) {
        if (node.role() == Role.LEADER && node.term() > term) {
            return new RdbException(RdbError.STALE, "the transaction's term " + term + " is over: replica " + id
                    + " leads term " + node.term() + " now; begin a new transaction");
        }
        if (node.role() == Role.LEADER && node.term() == term && abandonedTerm == term) {
            return RdbException.notLeader("replica " + id + " leads term " + term + " but takes no more transactions in"
                    + " it (a commit in it ended ambiguously, or its host could not step up): it hands the leadership"
                    + " over; retry on the next leader", Optional.empty());
        }
        if (node.role() != Role.LEADER || node.term() != term || readyTerm != term) {
            return RdbException.notLeader("replica " + id + " does not lead term " + term + " (it is "
                    + node.role().name().toLowerCase(java.util.Locale.ROOT) + " in term " + node.term() + ")"
                    + hintText(), hint());
        }
        return null;
    }

    private Optional<LeaderHint> hint() {
        long leader = node.leader();
        return leader != RaftNode.NONE && leader != id ? Optional.of(new LeaderHint(leader, node.term()))
                : Optional.empty();
    }

    private String hintText() {
        return hint().map(h -> "; the leader it knows is " + h).orElse("; it knows no leader");
    }

    private void propose(Request.Propose p) {
        RdbException refused = refuseTerm(p.term());
        long bytes = SpaceGuard.estimateBytes(p.payload(), p.data().length);
        if (refused == null && !isCritical(p)) {
            refused = refuseForSpace(bytes);
        }
        if (refused != null) {
            complete(p.future(), refused);
            return;
        }
        proposePlanned(p.payload(), p.data(), bytes, p.future());
    }

    /**
     * Validates {@code payload} after every entry appended so far and proposes it; {@code future}
     * completes when it is applied, or fails at once when it is refused.
     */
    private void proposePlanned(EntryPayload payload, byte[] data, long bytes, CompletableFuture<Long> future) {
        if (validator == null) {
            validator = store.validator();
        }
        long index = node.lastIndex() + 1;
        EntryPlan plan;
        try {
            plan = validator.plan(payload, index);
        } catch (RdbException e) {
            complete(future, e);
            return;
        }
        if (plan.duplicateOf().isPresent()) {
            duplicate(plan, future);
            return;
        }
        if (plan.failure().isPresent()) {
            // Checked against every entry appended so far: it would fail on apply, so it never
            // reaches the log.
            complete(future, plan.failure().get());
            return;
        }
        ProposeResult result = node.propose(data);
        if (result instanceof ProposeResult.Accepted a) {
            if (a.index() != index) {
                throw new IllegalStateException("replica " + id + ": planned entry " + index + " was appended at "
                        + a.index());
            }
            validator.proposed(plan, a.index());
            space.reserve(a.index(), bytes);
            plans.put(a.index(), new PlannedEntry(a.term(), plan));
            PendingCommit pc = new PendingCommit(a.term(), future, deadline(config.commitTimeoutMillis()),
                    plan.allocatedReplicaId().isPresent() ? "the replica id allocation" : "the transaction", false);
            pc.result = plan.allocatedReplicaId().orElse(0);
            pendingCommits.put(a.index(), pc);
            return;
        }
        complete(future, refusal(((ProposeResult.Refused) result).refusal()));
    }

    /**
     * A transaction whose request id an earlier entry carries. A committed one (applied here) is
     * refused with EXIST: it happened, once. One not yet committed is of this leader's term (a
     * ready leader has applied its term's first entry, so every entry of an earlier term in its
     * log is committed): the transaction waits for that entry and takes its fate, its index or
     * its failure when it is applied, OUTCOME_UNKNOWN when the term ends or the wait times out
     * first. Answering EXIST at once would tell a client that retried after a timeout that its
     * write was done, though it is lost if the term ends before the entry reaches a majority.
     */
    private void duplicate(EntryPlan plan, CompletableFuture<Long> future) {
        long first = plan.duplicateOf().getAsLong();
        UUID requestId = plan.requestId().orElseThrow();
        if (first <= applied) {
            complete(future, new RdbException(RdbError.EXIST, "request " + requestId + " was committed already, by"
                    + " entry " + first + "; a request id commits at most once (Tx.requestOutcome tells its outcome)"));
            return;
        }
        if (node.termAt(first) != node.term()) {
            throw new IllegalStateException("replica " + id + ": entry " + first + ", not applied, is of term "
                    + node.termAt(first) + " though this replica is ready in term " + node.term());
        }
        duplicates.computeIfAbsent(first, i -> new ArrayList<>(1))
                .add(new PendingDuplicate(node.term(), requestId, future, deadline(config.commitTimeoutMillis())));
    }

    /** Deletes and destroys only, and small: taken even when the pool is short of space, so it can be emptied. */
    private boolean isCritical(Request.Propose p) {
        if (p.data().length > config.criticalEntryBytesMax()) {
            return false;
        }
        for (Op op : p.payload().ops()) {
            if (!op.freesSpace()) {
                return false;
            }
        }
        return true;
    }

    /**
     * NOSPACE when an entry of {@code bytes} does not fit in the pool's free bytes less
     * poolFreeBytesMin and what the entries proposed and not yet written reserve, after
     * compacting the log as far as it is applied (the space comes back once the maintenance
     * thread has aggregated).
     */
    private RdbException refuseForSpace(long bytes) {
        if (space.fits(bytes)) {
            return null;
        }
        compactForSpace();
        space.forgetFreeBytes();
        return space.fits(bytes) ? null : space.refusal(id, bytes);
    }

    private RdbException refusal(Refusal r) {
        return switch (r.reason()) {
            case UNCOMMITTED_BYTES_FULL, READS_PENDING_FULL, MEMBERSHIP_CHANGE_PENDING, LEADER_NOT_READY ->
                    new RdbException(RdbError.BUSY, r.message());
            case ENTRY_TOO_LARGE -> new RdbException(RdbError.TOOBIG, r.message());
            case INVALID_MEMBERSHIP_CHANGE, INVALID_TRANSFER_TARGET -> new RdbException(RdbError.INVAL, r.message());
            default -> RdbException.notLeader("replica " + id + ": " + r.message(), hint());
        };
    }

    private void read(Request.Read r) {
        RdbException refused = refuseTerm(r.term());
        if (refused != null) {
            r.future().completeExceptionally(refused);
            return;
        }
        long requestId = ++readSequence;
        Optional<Refusal> refusal = node.readIndex(requestId);
        if (refusal.isPresent()) {
            r.future().completeExceptionally(refusal(refusal.get()));
            return;
        }
        readsAwaitingIndex.put(requestId, new PendingRead(r.term(), r.future(), deadline(config.readTimeoutMillis())));
    }

    private void allocateReplicaId(Request.AllocateReplicaId a) {
        RdbException refused = node.role() == Role.LEADER ? refuseTerm(node.term()) : refuseTerm(0);
        if (refused != null) {
            complete(a.future(), refused);
            return;
        }
        EntryPayload payload = new EntryPayload(Optional.empty(), List.of(new Op.NewReplicaId(a.rank())));
        byte[] data = payload.encode();
        proposePlanned(payload, data, SpaceGuard.estimateBytes(payload, data.length), a.future());
    }

    private void changeMembership(Request.ChangeMembership c) {
        if (node.role() == Role.LEADER) {
            if (validator == null) {
                validator = store.validator();
            }
            Optional<PlanFailure> refused;
            try {
                refused = validator.refuseMembershipChange(c.change(), node.membership());
            } catch (RdbException e) {
                complete(c.future(), e);
                return;
            }
            if (refused.isPresent()) {
                complete(c.future(), refused.get());
                return;
            }
        }
        ProposeResult result = node.proposeMembershipChange(c.change());
        if (result instanceof ProposeResult.Accepted a) {
            LOG.info("replica {} proposed {} at {}", id, c.change(), a.index());
            pendingCommits.put(a.index(), new PendingCommit(a.term(), c.future(), deadline(config.commitTimeoutMillis()),
                    "the membership change (" + c.change() + ")", true));
        } else {
            complete(c.future(), refusal(((ProposeResult.Refused) result).refusal()));
        }
    }

    private void transferLeadership(Request.TransferLeadership t) {
        Optional<Refusal> refused = node.transferLeadership(t.target());
        if (refused.isPresent()) {
            complete(t.future(), refusal(refused.get()));
        } else {
            completionBatch.add(() -> t.future().complete(null));
        }
    }

    /** The host failed to step up in {@code term}: hand the leadership to the most caught-up voter. */
    private void abdicate(long term) {
        giveUpTerm(term, "its host could not step up");
    }

    /**
     * Takes no more transactions in {@code term}, which this replica leads, and hands the
     * leadership to the most caught-up voter so that a new term settles what this one left open
     * (with no other voter, it restarts its core, which campaigns for a new term). Pending commits
     * and reads go on: they end when their entries apply or the term ends.
     */
    private void giveUpTerm(long term, String why) {
        if (node.role() != Role.LEADER || node.term() != term || abandonedTerm == term) {
            return;
        }
        abandonedTerm = term;
        abandonedTermTicks = 0;
        readyTerm = 0;
        LOG.warn("replica {} takes no more transactions in term {}: {}; it hands the leadership over", id, term, why);
        long best = RaftNode.NONE;
        long bestMatch = -1;
        for (Map.Entry<Long, PeerStatus> p : node.status().peers().entrySet()) {
            if (p.getKey() != id && !p.getValue().learner() && p.getValue().match() > bestMatch) {
                best = p.getKey();
                bestMatch = p.getValue().match();
            }
        }
        if (best == RaftNode.NONE) {
            restartCore("it leads term " + term + " as the only voter and takes no more transactions in it (" + why + ")");
            return;
        }
        node.transferLeadership(best).ifPresent(r -> LOG.warn("replica {}: could not hand leadership to {}: {}",
                id, r.leaderHint(), r.message()));
    }

    /** Ends a term given up that this replica still leads after a while (the transfer did not happen). */
    private void checkAbandonedTerm() {
        if (abandonedTerm == 0 || node.role() != Role.LEADER || node.term() != abandonedTerm) {
            return;
        }
        if (++abandonedTermTicks > (long) ABANDONED_TERM_TICKS_MAX * config.electionTimeoutTicks()) {
            restartCore("it still leads term " + abandonedTerm + ", which it gave up, after "
                    + ABANDONED_TERM_TICKS_MAX + " election timeouts");
        }
    }

    // ----------------------------------------------------------------------------------------
    // Ready

    private void handleReady(Ready rd) {
        checkLeadership();
        // 1. A leader's replication traffic leaves before its own write (thesis §10.2.1).
        send(rd.messages());
        // 2. Snapshot first.
        long aborted = receiveSnapshotChunks(rd);
        if (aborted < 0) {
            return; // the core was restarted: this Ready is void
        }
        if (rd.snapshot().isPresent() && !installSnapshot(rd.snapshot().get(), rd)) {
            return;
        }
        // 3. Persist, applying each entry at its index.
        List<EntryOutcome> outcomes = persist(rd);
        if (outcomes == null) {
            return;
        }
        plans.clear();
        if (!rd.entries().isEmpty()) {
            validator = null;
            space.written(rd.entries().get(rd.entries().size() - 1).index());
        }
        for (EntryOutcome o : outcomes) {
            PendingCommit pc = pendingCommits.get(o.index());
            if (pc != null && pc.term == o.term()) {
                pc.outcome = o.failure();
            }
        }
        // 4. What depended on the persist (not the acknowledgement of a snapshot chunk dropped in step 2).
        send(aborted == 0 ? rd.messagesAfterPersist() : withoutChunkAcks(rd.messagesAfterPersist(), aborted));
        // 5. Apply: the entries were applied as they were written; complete what waited for them.
        for (Entry e : rd.committedEntries()) {
            applied(e);
        }
        // After the apply: a commit that this Ready both committed and lost the leadership in
        // (a leader that applies its own removal) completes normally.
        failLostCommits();
        for (ReadState rs : rd.readStates()) {
            PendingRead r = readsAwaitingIndex.remove(rs.requestId());
            if (r != null) {
                r.index = rs.index();
                readsAwaitingApply.add(r);
            }
        }
        for (ReadRefused rr : rd.readsRefused()) {
            PendingRead r = readsAwaitingIndex.remove(rr.requestId());
            if (r != null) {
                r.future.completeExceptionally(refusal(rr.refusal()));
            }
        }
        for (SnapshotChunkRequest req : rd.snapshotChunkRequests()) {
            requestSnapshotChunk(req);
        }
        rd.membership().ifPresent(m -> LOG.info("replica {}: the membership is now {}", id, m));
        // 6. Acknowledge.
        node.advance(rd);
        releaseReads();
    }

    /**
     * Persists the Ready's entries and hard state. A full pool is not fatal: the log is compacted
     * and the write tried once more; if the pool is still full, the core restarts from what is
     * durable and this returns null (the Ready is void; the leader sends the entries again).
     */
    private List<EntryOutcome> persist(Ready rd) {
        PlanSource source = (index, term) -> {
            PlannedEntry p = plans.remove(index);
            return p != null && p.term() == term ? Optional.of(p.plan()) : Optional.empty();
        };
        long writtenBefore = store.transactionsWritten();
        try {
            List<EntryOutcome> outcomes = writeOnce(rd, source);
            if (spaceBlocked && !rd.entries().isEmpty()) {
                spaceBlocked = false;
                LOG.info("replica {}: writes again, its pool has room now", id);
            }
            return outcomes;
        } catch (RdbException e) {
            if (e.error() != RdbError.NOSPACE) {
                throw e;
            }
            // A batch written in several transactions may have written some: then the core learns
            // what is there from the store instead of the batch being written again.
            if (store.transactionsWritten() == writtenBefore && compactForSpace()) {
                try {
                    return writeOnce(rd, source);
                } catch (RdbException again) {
                    if (again.error() != RdbError.NOSPACE) {
                        throw again;
                    }
                }
            }
            long now = System.nanoTime();
            if (!spaceBlocked || now - spaceWarnedNanos > SPACE_WARNING_INTERVAL_NANOS) {
                spaceWarnedNanos = now;
                LOG.warn("replica {} cannot write to its pool, it is full ({} free bytes): it stays a follower and"
                        + " catches up once its log's compaction and aggregation have freed space (or data is"
                        + " deleted); {}", id, store.poolInfo().freeBytes(), e.detail());
            }
            boolean first = !spaceBlocked;
            spaceBlocked = true;
            fullPoolWrites++;
            restartCore("its pool is full", first);
            return null;
        }
    }

    private List<EntryOutcome> writeOnce(Ready rd, PlanSource source) {
        return store.persist(rd.entries(), rd.hardState(), source);
    }

    /** The messages without the acknowledgements of chunks of the snapshot at {@code index}. */
    private static List<Message> withoutChunkAcks(List<Message> messages, long index) {
        List<Message> out = new ArrayList<>(messages.size());
        for (Message m : messages) {
            if (!(m instanceof Message.SnapshotChunkResponse r && r.snapshotIndex() == index && !r.failed())) {
                out.add(m);
            }
        }
        return out;
    }

    /**
     * Restarts the Raft core from the store, as a restart of the process would, without stopping
     * the replica: what the failed Ready held that was not written is forgotten (the leader sends
     * it again), pending commits end with their outcome unknown, and a leader steps down.
     */
    private void restartCore(String why) {
        restartCore(why, true);
    }

    private void restartCore(String why, boolean log) {
        if (log) {
            LOG.info("replica {} restarts its Raft core from its pool: {}", id, why);
        } else {
            LOG.debug("replica {} restarts its Raft core from its pool: {}", id, why);
        }
        long leading = node.role() == Role.LEADER ? node.term() : 0;
        if (steppedUpTerm != 0) {
            publishStatus();
            events.stepDown(steppedUpTerm);
            steppedUpTerm = 0;
        }
        readyTerm = 0;
        plans.clear();
        validator = null;
        space.clear();
        releaseOutgoingSnapshots();
        node = new RaftNode(config.raftConfig(id), store, random::nextInt, applied);
        if (staging != null) {
            node.resumeIncomingSnapshot(staging.snapshot(), staging.nextOffset());
        }
        if (leading != 0 || !pendingCommits.isEmpty() || !duplicates.isEmpty()) {
            failPendingCommits(0);
        }
        RdbException e = RdbException.notLeader("replica " + id + " restarted its Raft core (" + why + ") before the"
                + " read was confirmed", Optional.empty());
        readsAwaitingIndex.values().forEach(r -> r.future.completeExceptionally(e));
        readsAwaitingIndex.clear();
        readsAwaitingApply.forEach(r -> r.future.completeExceptionally(e));
        readsAwaitingApply.clear();
    }

    private void send(List<Message> messages) {
        for (Message m : messages) {
            transport.send(m);
        }
    }

    private void applied(Entry e) {
        if (e.index() != applied + 1) {
            throw new IllegalStateException("replica " + id + ": applying entry " + e.index() + " after " + applied);
        }
        applied = e.index();
        PendingCommit pc = pendingCommits.remove(e.index());
        if (pc != null) {
            if (pc.term != e.term()) {
                // Another leader's entry took that index: this transaction never committed.
                complete(pc.future, RdbException.notLeader("the transaction was lost to a new leader before it"
                        + " committed; retry on the leader" + hintText(), hint()));
            } else if (pc.membership || (pc.outcome != null && pc.outcome.isEmpty())) {
                long result = pc.result != 0 ? pc.result : e.index();
                completionBatch.add(() -> pc.future.complete(result));
            } else if (pc.outcome != null) {
                complete(pc.future, pc.outcome.get());
            } else {
                complete(pc.future, RdbException.outcomeUnknown(new RdbException(RdbError.IO, "entry " + e.index()
                        + " committed but its outcome is not known here")));
            }
        }
        List<PendingDuplicate> waiting = duplicates.isEmpty() ? null : duplicates.remove(e.index());
        if (waiting != null) {
            settleDuplicates(e, waiting);
        }
        if (node.role() == Role.LEADER && e.term() == node.term() && readyTerm != node.term()
                && abandonedTerm != node.term()) {
            // The term's first entry is applied: everything committed before is visible.
            readyTerm = node.term();
            steppedUpTerm = node.term();
            // Published first, so that the host's stepUp handler can begin transactions at once.
            publishStatus();
            events.stepUp(node.term());
        }
    }

    /** The entry that carried their request id first is applied: the duplicates take its outcome. */
    private void settleDuplicates(Entry e, List<PendingDuplicate> waiting) {
        TreeReader reader = store.reader(e.index());
        for (PendingDuplicate d : waiting) {
            if (d.term() != e.term()) {
                // Another leader's entry took that index: the first attempt never committed, and
                // this one was never proposed.
                complete(d.future(), RdbException.notLeader("the first attempt with request " + d.requestId()
                        + " was lost to a new leader before it committed; retry on the leader" + hintText(), hint()));
                continue;
            }
            Optional<RequestOutcome> outcome = reader.requestOutcome(d.requestId());
            if (outcome.isEmpty() || outcome.get().index() != e.index()) {
                throw new IllegalStateException("replica " + id + ": entry " + e.index() + " of term " + e.term()
                        + " carried request " + d.requestId() + " when it was proposed, but its record says " + outcome);
            }
            if (outcome.get().applied()) {
                completionBatch.add(() -> d.future().complete(e.index()));
            } else {
                RdbError failure = outcome.get().failure().orElseThrow();
                complete(d.future(), new RdbException(failure, "the first attempt with request " + d.requestId()
                        + " (entry " + e.index() + ") failed with " + failure + " and changed nothing"));
            }
        }
    }

    /** Notices a lost leadership: its host steps down and the leader's pending reads fail. */
    private void checkLeadership() {
        long leading = node.role() == Role.LEADER ? node.term() : 0;
        if (readyTerm != 0 && readyTerm != leading) {
            readyTerm = 0;
        }
        if (steppedUpTerm != 0 && steppedUpTerm != leading) {
            publishStatus();
            events.stepDown(steppedUpTerm);
            steppedUpTerm = 0;
        }
        if (leading == 0 && (!readsAwaitingIndex.isEmpty() || !readsAwaitingApply.isEmpty())) {
            RdbException e = RdbException.notLeader("replica " + id + " lost the leadership before the read was"
                    + " confirmed" + hintText(), hint());
            readsAwaitingIndex.values().forEach(r -> r.future.completeExceptionally(e));
            readsAwaitingIndex.clear();
            readsAwaitingApply.forEach(r -> r.future.completeExceptionally(e));
            readsAwaitingApply.clear();
        }
        if (leading == 0) {
            validator = null;
            space.clear();
        }
    }

    /** Fails the commits of a term this replica no longer leads (after the Ready's apply). */
    private void failLostCommits() {
        long leading = node.role() == Role.LEADER ? node.term() : 0;
        if (leading == 0 || !pendingCommits.isEmpty() && pendingCommits.firstEntry().getValue().term != leading
                || !duplicates.isEmpty() && duplicates.firstEntry().getValue().get(0).term() != leading) {
            failPendingCommits(leading);
        }
    }

    /**
     * Fails the commits, and the duplicates waiting for an entry, of terms other than
     * {@code leading} (0: all), with their outcome unknown: the entry may still commit under the
     * next leader. Not those at or below the commit index: they are committed, and complete when
     * the entry is applied (a leader that committed its own removal steps down in the same step).
     */
    private void failPendingCommits(long leading) {
        long committed = node.commitIndex();
        Iterator<Map.Entry<Long, PendingCommit>> it = pendingCommits.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Long, PendingCommit> entry = it.next();
            PendingCommit pc = entry.getValue();
            if (pc.term != leading && entry.getKey() > committed) {
                it.remove();
                complete(pc.future, RdbException.outcomeUnknown(RdbException.notLeader("replica " + id + " lost the"
                        + " leadership of term " + pc.term + " before " + pc.what + " committed; it may still commit"
                        + " under the new leader" + hintText(), hint())));
            }
        }
        Iterator<Map.Entry<Long, List<PendingDuplicate>>> dit = duplicates.entrySet().iterator();
        while (dit.hasNext()) {
            Map.Entry<Long, List<PendingDuplicate>> entry = dit.next();
            if (entry.getKey() <= committed) {
                continue;
            }
            entry.getValue().removeIf(d -> {
                if (d.term() == leading) {
                    return false;
                }
                complete(d.future(), RdbException.outcomeUnknown(RdbException.notLeader("replica " + id + " lost the"
                        + " leadership of term " + d.term() + " before entry " + entry.getKey() + ", the first attempt"
                        + " with request " + d.requestId() + ", committed; it may still commit under the new leader"
                        + hintText(), hint())));
                return true;
            });
            if (entry.getValue().isEmpty()) {
                dit.remove();
            }
        }
    }

    private void releaseReads() {
        if (readsAwaitingApply.isEmpty()) {
            return;
        }
        Iterator<PendingRead> it = readsAwaitingApply.iterator();
        while (it.hasNext()) {
            PendingRead r = it.next();
            if (r.index <= applied) {
                it.remove();
                // Pinned here, on the owner thread, before any later compaction can let
                // aggregation pass this epoch.
                ReadPins.Pin pin = pins.pin(applied);
                if (!r.future.complete(new ReadView(store.reader(applied), pin))) {
                    pin.close();
                }
            }
        }
    }

    private void expire(long now) {
        RdbException readTimeout = null;
        for (Iterator<PendingRead> it = readsAwaitingIndex.values().iterator(); it.hasNext(); ) {
            PendingRead r = it.next();
            if (now - r.deadlineNanos >= 0) {
                it.remove();
                readTimeout = readTimeout != null ? readTimeout : readTimedOut();
                r.future.completeExceptionally(readTimeout);
            }
        }
        for (Iterator<PendingRead> it = readsAwaitingApply.iterator(); it.hasNext(); ) {
            PendingRead r = it.next();
            if (now - r.deadlineNanos >= 0) {
                it.remove();
                readTimeout = readTimeout != null ? readTimeout : readTimedOut();
                r.future.completeExceptionally(readTimeout);
            }
        }
        boolean ambiguous = false;
        for (Iterator<PendingCommit> it = pendingCommits.values().iterator(); it.hasNext(); ) {
            PendingCommit pc = it.next();
            if (now - pc.deadlineNanos >= 0) {
                it.remove();
                ambiguous |= pc.term == node.term();
                complete(pc.future, RdbException.outcomeUnknown(new RdbException(RdbError.TIMEDOUT, pc.what + " was not"
                        + " applied within " + config.commitTimeoutMillis() + " ms (commitTimeoutMillis); it may still"
                        + " commit")));
            }
        }
        for (Iterator<Map.Entry<Long, List<PendingDuplicate>>> it = duplicates.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, List<PendingDuplicate>> entry = it.next();
            for (Iterator<PendingDuplicate> dit = entry.getValue().iterator(); dit.hasNext(); ) {
                PendingDuplicate d = dit.next();
                if (now - d.deadlineNanos() >= 0) {
                    dit.remove();
                    ambiguous |= d.term() == node.term();
                    complete(d.future(), RdbException.outcomeUnknown(new RdbException(RdbError.TIMEDOUT, "entry "
                            + entry.getKey() + ", the first attempt with request " + d.requestId() + ", was not"
                            + " applied within " + config.commitTimeoutMillis() + " ms (commitTimeoutMillis); it may"
                            + " still commit")));
                }
            }
            if (entry.getValue().isEmpty()) {
                it.remove();
            }
        }
        if (ambiguous) {
            // The entry may still commit after later transactions of this term read without it:
            // this term takes no more of them (DESIGN.md, "Transactions").
            giveUpTerm(node.term(), "a commit in it ended ambiguously (not applied within commitTimeoutMillis)");
        }
    }

    private RdbException readTimedOut() {
        return new RdbException(RdbError.TIMEDOUT, "no read index within " + config.readTimeoutMillis()
                + " ms (readTimeoutMillis); the leader may be cut off from a majority");
    }

    // ----------------------------------------------------------------------------------------
    // Snapshots

    /**
     * Writes the chunks received to the staging container. Returns 0 when all were taken (or
     * ignored as duplicates), the index of a snapshot that was dropped (its acknowledgements must
     * not leave), or -1 when the core had to be restarted (the Ready is void).
     */
    private long receiveSnapshotChunks(Ready rd) {
        for (ReceivedSnapshotChunk c : rd.receivedSnapshotChunks()) {
            try {
                if (staging != null && !staging.snapshot().equals(c.snapshot())) {
                    if (c.snapshot().index() < staging.snapshot().index() && node.term() == staging.leaderTerm()) {
                        // The leader that sent the staged snapshot leads still, and its base only moves
                        // forward: this chunk is of an older transfer, delayed. Keep the staged copy.
                        LOG.info("replica {}: dropping a stale chunk of snapshot {} while {} comes in", id,
                                c.snapshot().index(), staging);
                        node.resumeIncomingSnapshot(staging.snapshot(), staging.nextOffset());
                        return c.snapshot().index();
                    }
                    abandonStaging("snapshot " + c.snapshot().index() + " replaces it");
                } else if (staging != null && c.offset() == 0 && staging.nextOffset() > 0) {
                    abandonStaging("the leader started it over");
                }
                if (staging == null) {
                    if (c.offset() != 0) {
                        throw new RdbException(RdbError.INVAL, "a chunk at " + c.offset() + " of snapshot "
                                + c.snapshot().index() + " came without the chunks before it");
                    }
                    staging = store.beginSnapshot(c.snapshot(), node.term());
                    LOG.info("replica {}: receiving snapshot {}/{} from replica {}", id, c.snapshot().index(),
                            c.snapshot().term(), node.leader());
                }
                if (!staging.write(c.offset(), c.data())) {
                    LOG.debug("replica {}: ignored a duplicate chunk at {} of {}", id, c.offset(), staging);
                }
            } catch (RdbException e) {
                if (e.error() != RdbError.INVAL && e.error() != RdbError.NOSPACE && e.error() != RdbError.TOOBIG) {
                    throw e;
                }
                LOG.warn("replica {}: dropping incoming snapshot {}: {}", id, c.snapshot().index(), e.getMessage());
                abandonStaging("it cannot be taken");
                if (rd.snapshot().isPresent()) {
                    // The core took the snapshot as received already: only a restart from the store undoes it.
                    restartCore("it could not take snapshot " + c.snapshot().index());
                    return -1;
                }
                node.abortIncomingSnapshot();
                return c.snapshot().index();
            }
        }
        return 0;
    }

    private void abandonStaging(String why) {
        if (staging != null) {
            LOG.info("replica {}: dropping the {}: {}", id, staging, why);
            store.abandonSnapshot(staging);
            staging = null;
        }
    }

    /** Installs the received snapshot; false when it could not be (the core was restarted). */
    private boolean installSnapshot(SnapshotMetadata s, Ready rd) {
        if (staging == null || !staging.snapshot().equals(s)) {
            restartCore("it was told to install snapshot " + s.index() + " but holds no complete copy of it");
            return false;
        }
        long oldBase = store.snapshot().index();
        maintenance.pause();
        try {
            store.installSnapshot(staging, rd.hardState().orElse(store.hardState()));
        } catch (RdbException e) {
            maintenance.resume(oldBase);
            if (e.error() != RdbError.NOSPACE) {
                throw e;
            }
            LOG.warn("replica {}: cannot install snapshot {}: {}", id, s.index(), e.getMessage());
            abandonStaging("it could not be installed");
            restartCore("it could not install snapshot " + s.index());
            return false;
        }
        maintenance.resume(s.index());
        staging = null;
        applied = s.index();
        validator = null;
        return true;
    }

    /** The core asks for a chunk for {@code req.peer()}: its epoch is pinned, and the sender reads it. */
    private void requestSnapshotChunk(SnapshotChunkRequest req) {
        ReadPins.Pin pin = outgoing.get(req.peer());
        if (pin == null || pin.epoch() != req.snapshot().index()) {
            if (pin != null) {
                pin.close();
            }
            outgoing.put(req.peer(), pins.pin(req.snapshot().index()));
            LOG.info("replica {}: sending snapshot {}/{} to replica {}", id, req.snapshot().index(),
                    req.snapshot().term(), req.peer());
        }
        sender.request(req);
    }

    private void supplySnapshotChunk(Request.SnapshotChunkReady c) {
        SnapshotChunkRequest req = c.request();
        if (!outgoing.containsKey(req.peer())) {
            return; // the transfer ended meanwhile
        }
        node.supplySnapshotChunk(req.peer(), req.snapshot(), req.offset(), c.data(), c.last());
    }

    private void snapshotChunkFailed(Request.SnapshotChunkFailed f) {
        SnapshotChunkRequest req = f.request();
        node.reportSnapshotFailed(req.peer());
        long now = System.nanoTime();
        Long warned = snapshotWarnedNanos.get(req.peer());
        if (warned == null || now - warned > SNAPSHOT_WARNING_INTERVAL_NANOS) {
            snapshotWarnedNanos.put(req.peer(), now);
            LOG.warn("replica {}: cannot send snapshot {} to replica {}: {}", id, req.snapshot().index(),
                    req.peer(), f.error().getMessage());
        }
    }

    /** Unpins the snapshots of peers that receive none any more (they caught up, or this replica stopped leading). */
    private void releaseFinishedSnapshots() {
        if (outgoing.isEmpty()) {
            return;
        }
        if (node.role() != Role.LEADER) {
            releaseOutgoingSnapshots();
            return;
        }
        Map<Long, PeerStatus> peers = node.status().peers();
        Iterator<Map.Entry<Long, ReadPins.Pin>> it = outgoing.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Long, ReadPins.Pin> e = it.next();
            PeerStatus p = peers.get(e.getKey());
            if (p == null || !"SNAPSHOT".equals(p.state())) {
                e.getValue().close();
                it.remove();
            }
        }
    }

    private void releaseOutgoingSnapshots() {
        outgoing.values().forEach(ReadPins.Pin::close);
        outgoing.clear();
    }

    // ----------------------------------------------------------------------------------------
    // Compaction

    /**
     * Compacts the log when the applied entries past its base exceed compactThresholdEntries
     * (keeping compactRetainEntries of them), or, checked once a tick, as far as it is applied
     * when the pool's free bytes are below poolFreeBytesMin and the last aggregation is done.
     */
    private void maybeCompact(boolean ticked) {
        long base = store.snapshot().index();
        if (applied - base > config.compactThresholdEntries()) {
            compactTo(applied - config.compactRetainEntries());
        } else if (ticked && applied > base && maintenance.isIdle() && space.isShort()) {
            compactTo(applied);
        }
    }

    /** Compacts as far as the log is applied, for space; returns whether the base moved. */
    private boolean compactForSpace() {
        return applied > store.snapshot().index() && compactTo(applied);
    }

    private boolean compactTo(long index) {
        Membership membership = node.membershipAt(index);
        try {
            if (!store.compact(index, membership)) {
                return false;
            }
        } catch (RdbException e) {
            if (e.error() != RdbError.NOSPACE) {
                throw e;
            }
            long now = System.nanoTime();
            if (now - spaceWarnedNanos > SPACE_WARNING_INTERVAL_NANOS) {
                spaceWarnedNanos = now;
                LOG.warn("replica {}: cannot compact its log, the pool is full: {}", id, e.getMessage());
            }
            return false;
        }
        compactedThisRound = true;
        return true;
    }

    // ----------------------------------------------------------------------------------------
    // Completions and status

    private long deadline(long millis) {
        return System.nanoTime() + millis * 1_000_000L;
    }

    private <T> void complete(CompletableFuture<T> future, RdbException error) {
        completionBatch.add(() -> future.completeExceptionally(error));
    }

    /** Hands the round's completions to the completion thread in one task. */
    private void flushCompletions() {
        if (completionBatch.isEmpty()) {
            return;
        }
        List<Runnable> batch = List.copyOf(completionBatch);
        completionBatch.clear();
        try {
            completions.execute(() -> replica.runCompletions(batch));
        } catch (RejectedExecutionException e) {
            batch.forEach(Runnable::run);
        }
    }

    ReplicaStatus currentStatus() {
        return new ReplicaStatus(id, node.role(), node.term(), node.leader(), readyTerm, node.commitIndex(), applied,
                node.lastIndex(), node.membership(), store.snapshot().index(), maintenance.aggregatedIndex(),
                staging == null ? 0 : staging.snapshot().index(), staging == null ? 0 : staging.nextOffset(),
                spaceBlocked, fullPoolWrites, abandonedTermLed());
    }

    /** The term given up, while this replica still leads it; else 0. */
    private long abandonedTermLed() {
        return node.role() == Role.LEADER && node.term() == abandonedTerm ? abandonedTerm : 0;
    }

    private void publishStatus() {
        ReplicaStatus s = published;
        if (s == null || s.role() != node.role() || s.term() != node.term() || s.leader() != node.leader()
                || s.readyTerm() != readyTerm || s.commitIndex() != node.commitIndex() || s.appliedIndex() != applied
                || s.lastIndex() != node.lastIndex() || !s.membership().equals(node.membership())
                || s.baseIndex() != store.snapshot().index() || s.aggregatedIndex() != maintenance.aggregatedIndex()
                || s.incomingSnapshotIndex() != (staging == null ? 0 : staging.snapshot().index())
                || s.incomingSnapshotBytes() != (staging == null ? 0 : staging.nextOffset())
                || s.spaceBlocked() != spaceBlocked || s.fullPoolWrites() != fullPoolWrites
                || s.abandonedTerm() != abandonedTermLed()) {
            published = currentStatus();
            replica.publish(published);
        }
    }

    // ----------------------------------------------------------------------------------------
    // Shutdown

    /** Undoes the construction when the replica cannot start: nothing ran yet. */
    void abandon() {
        sender.close();
        maintenance.close();
        events.shutdown();
        completions.shutdown();
        store.close();
    }

    private void shutdown(RdbException failure) {
        replica.markStopped(failure);
        RdbException error = replica.shutdownError();
        for (PendingCommit pc : pendingCommits.values()) {
            complete(pc.future, error.withOutcomeUnknown());
        }
        pendingCommits.clear();
        for (List<PendingDuplicate> waiting : duplicates.values()) {
            for (PendingDuplicate d : waiting) {
                complete(d.future(), error.withOutcomeUnknown());
            }
        }
        duplicates.clear();
        readsAwaitingIndex.values().forEach(r -> r.future.completeExceptionally(error));
        readsAwaitingIndex.clear();
        readsAwaitingApply.forEach(r -> r.future.completeExceptionally(error));
        readsAwaitingApply.clear();
        if (steppedUpTerm != 0) {
            events.stepDown(steppedUpTerm);
            steppedUpTerm = 0;
        }
        if (failure != null) {
            events.stop(failure);
        }
        events.shutdown();
        try {
            transport.close();
        } catch (RuntimeException e) {
            LOG.warn("replica {}: closing its transport failed", id, e);
        }
        releaseOutgoingSnapshots();
        sender.close();
        maintenance.close();
        try {
            // A staged snapshot stays, with its progress in META: the next start resumes it.
            if (staging != null && staging.nextOffset() == 0) {
                store.abandonSnapshot(staging);
            }
            store.close();
        } catch (RuntimeException e) {
            LOG.warn("replica {}: closing its store failed", id, e);
        }
        replica.drainAfterStop(error);
        readyTerm = 0;
        publishStatus();
        flushCompletions();
        completions.shutdown();
    }
}
