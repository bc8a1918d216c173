package org.vostok.rdb;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
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
import org.vostok.rdb.store.EntryOutcome;
import org.vostok.rdb.store.EntryPayload;
import org.vostok.rdb.store.EntryPlan;
import org.vostok.rdb.store.Op;
import org.vostok.rdb.store.PlanFailure;
import org.vostok.rdb.store.PlanSource;
import org.vostok.rdb.store.RdbStore;
import org.vostok.rdb.store.SnapshotStaging;
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
    /** A term whose stepUp failed: no transaction begins in it. */
    private long abdicatedTerm;

    // Commits.
    private Validator validator;
    private final HashMap<Long, PlannedEntry> plans = new HashMap<>();
    private final TreeMap<Long, PendingCommit> pendingCommits = new TreeMap<>();

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
    /** The pool's free bytes as read in this round, or -1 when not read yet. */
    private long freeBytesThisRound = -1;
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
        /** The entry's outcome once written; null before, and always null for a membership change. */
        Optional<PlanFailure> outcome;
        final boolean membership;
        /** What the future completes with when applied: the entry's index, or this when not 0 (a replica id). */
        long result;

        PendingCommit(long term, CompletableFuture<Long> future, long deadlineNanos, boolean membership) {
            this.term = term;
            this.future = future;
            this.deadlineNanos = deadlineNanos;
            this.membership = membership;
        }
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
        this.node = new RaftNode(config.raftConfig(id), store, random::nextInt, System::nanoTime, applied);
        this.staging = store.resumableSnapshot().orElse(null);
        if (staging != null && !node.resumeIncomingSnapshot(staging.snapshot(), staging.nextOffset())
                && staging.nextOffset() > 0) {
            LOG.info("replica {}: the staged {} is no longer needed", id, staging);
            store.abandonSnapshot(staging);
            staging = null;
        }
        // The pins wake the maintenance thread when a read that held aggregation back ends.
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
            freeBytesThisRound = -1;
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
                // One tick however late, never a burst: the core's lease relies on ticks that
                // come no faster than tickNanos (Config.tickNanos).
                node.tick();
                nextTick = now + tickNanos;
                renewLeaderGoneCampaign();
                expire(now);
                releaseFinishedSnapshots();
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
        } else if (item instanceof Request.Stall s) {
            s.stall();
        } else if (item instanceof Request.LeaderGone g) {
            leaderGone(g.leaderReplicaId());
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
        if (refused == null && !isCritical(p)) {
            refused = refuseForSpace();
        }
        if (refused != null) {
            complete(p.future(), refused);
            return;
        }
        proposePlanned(p.payload(), p.data(), p.future());
    }

    /**
     * Validates {@code payload} after every entry appended so far and proposes it; {@code future}
     * completes when it is applied, or fails at once when it is refused.
     */
    private void proposePlanned(EntryPayload payload, byte[] data, CompletableFuture<Long> future) {
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
            plans.put(a.index(), new PlannedEntry(a.term(), plan));
            PendingCommit pc = new PendingCommit(a.term(), future, deadline(config.commitTimeoutMillis()), false);
            pc.result = plan.allocatedReplicaId().orElse(0);
            pendingCommits.put(a.index(), pc);
            return;
        }
        complete(future, refusal(((ProposeResult.Refused) result).refusal()));
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
     * NOSPACE when the pool's free bytes are below poolFreeBytesMin, after compacting the log as
     * far as it is applied (the space comes back once the maintenance thread has aggregated).
     */
    private RdbException refuseForSpace() {
        long free = freeBytes();
        if (free >= config.poolFreeBytesMin()) {
            return null;
        }
        compactForSpace();
        freeBytesThisRound = -1;
        free = freeBytes();
        if (free >= config.poolFreeBytesMin()) {
            return null;
        }
        return new RdbException(RdbError.NOSPACE, "replica " + id + "'s pool has " + free + " free bytes, fewer than"
                + " poolFreeBytesMin (" + config.poolFreeBytesMin() + "); only deletes and destroys are taken until"
                + " space is freed: delete data (compaction and aggregation then return the space), or give the"
                + " replicas larger pools");
    }

    private long freeBytes() {
        if (freeBytesThisRound < 0) {
            freeBytesThisRound = store.poolInfo().freeBytes();
        }
        return freeBytesThisRound;
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
        proposePlanned(payload, payload.encode(), a.future());
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
                    true));
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
    /**
     * Ticks left in which this replica renews the campaign it started when told its leader was
     * gone (see renewLeaderGoneCampaign).
     */
    private int leaderGoneCampaignTicks;

    /** See {@link Replica#leaderGone}: forget a leader whose process is gone, and maybe campaign. */
    private void leaderGone(long leaderId) {
        if (node.role() != Role.FOLLOWER || node.leader() != leaderId) {
            return;
        }
        LOG.info("replica {}: leader {} is gone; it forgets it", id, leaderId);
        node.forgetLeader();
        long first = Long.MAX_VALUE;
        for (long voter : node.membership().voters()) {
            if (voter != leaderId) {
                first = Math.min(first, voter);
            }
        }
        if (first == id) {
            node.campaign();
            leaderGoneCampaignTicks = config.electionTimeoutTicks();
        }
    }

    /**
     * The other followers may take their own leaderGone only after this replica's pre-vote reached
     * them, and ignore it while they still honour the dead leader: it asks again once a tick while
     * its pre-vote is unanswered, for an election timeout at most (the timers take over then).
     */
    private void renewLeaderGoneCampaign() {
        if (leaderGoneCampaignTicks == 0) {
            return;
        }
        leaderGoneCampaignTicks--;
        if (node.role() == Role.PRE_CANDIDATE) {
            node.campaign();
        } else {
            leaderGoneCampaignTicks = 0;
        }
    }

    private void abdicate(long term) {
        if (node.role() != Role.LEADER || node.term() != term) {
            return;
        }
        abdicatedTerm = term;
        readyTerm = 0;
        long best = RaftNode.NONE;
        long bestMatch = -1;
        for (Map.Entry<Long, PeerStatus> p : node.status().peers().entrySet()) {
            if (p.getKey() != id && !p.getValue().learner() && p.getValue().match() > bestMatch) {
                best = p.getKey();
                bestMatch = p.getValue().match();
            }
        }
        if (best == RaftNode.NONE) {
            LOG.warn("replica {}: its host could not step up in term {}, and no other voter can take over", id, term);
            return;
        }
        node.transferLeadership(best).ifPresent(r -> LOG.warn("replica {}: could not hand leadership to {}: {}",
                id, r.leaderHint(), r.message()));
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
            freeBytesThisRound = -1;
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
        releaseOutgoingSnapshots();
        node = new RaftNode(config.raftConfig(id), store, random::nextInt, System::nanoTime, applied);
        if (staging != null) {
            node.resumeIncomingSnapshot(staging.snapshot(), staging.nextOffset());
        }
        if (leading != 0 || !pendingCommits.isEmpty()) {
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
                complete(pc.future, new RdbException(RdbError.IO, "entry " + e.index() + " committed but its"
                        + " outcome is not known here", Optional.empty(), true, null));
            }
        }
        if (node.role() == Role.LEADER && e.term() == node.term() && readyTerm != node.term()
                && abdicatedTerm != node.term()) {
            // The term's first entry is applied: everything committed before is visible.
            readyTerm = node.term();
            steppedUpTerm = node.term();
            // Published first, so that the host's stepUp handler can begin transactions at once.
            publishStatus();
            events.stepUp(node.term());
        }
    }

    /** Notices a lost leadership: its host steps down and the leader's pending work fails. */
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
        if (leading == 0 || !pendingCommits.isEmpty() && pendingCommits.firstEntry().getValue().term != leading) {
            failPendingCommits(leading);
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
        }
    }

    private void failPendingCommits(long leading) {
        Iterator<PendingCommit> it = pendingCommits.values().iterator();
        while (it.hasNext()) {
            PendingCommit pc = it.next();
            if (pc.term != leading) {
                it.remove();
                complete(pc.future, RdbException.notLeader("replica " + id + " lost the leadership of term " + pc.term
                        + " before the transaction committed; it may still commit under the new leader: ask it with"
                        + " requestOutcome" + hintText(), hint()).withOutcomeUnknown());
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
        for (Iterator<PendingCommit> it = pendingCommits.values().iterator(); it.hasNext(); ) {
            PendingCommit pc = it.next();
            if (now - pc.deadlineNanos >= 0) {
                it.remove();
                complete(pc.future, new RdbException(RdbError.TIMEDOUT, "the transaction was not applied within "
                        + config.commitTimeoutMillis() + " ms (commitTimeoutMillis); it may still commit: ask with"
                        + " requestOutcome", Optional.empty(), true, null));
            }
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
        } else if (ticked && applied > base && maintenance.isIdle() && freeBytes() < config.poolFreeBytesMin()) {
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
            completions.execute(() -> batch.forEach(Runnable::run));
        } catch (RejectedExecutionException e) {
            batch.forEach(Runnable::run);
        }
    }

    ReplicaStatus currentStatus() {
        return new ReplicaStatus(id, node.role(), node.term(), node.leader(), readyTerm, node.commitIndex(), applied,
                node.lastIndex(), node.membership(), store.snapshot().index(), maintenance.aggregatedIndex(),
                staging == null ? 0 : staging.snapshot().index(), staging == null ? 0 : staging.nextOffset(),
                spaceBlocked, fullPoolWrites);
    }

    private void publishStatus() {
        ReplicaStatus s = published;
        if (s == null || s.role() != node.role() || s.term() != node.term() || s.leader() != node.leader()
                || s.readyTerm() != readyTerm || s.commitIndex() != node.commitIndex() || s.appliedIndex() != applied
                || s.lastIndex() != node.lastIndex() || !s.membership().equals(node.membership())
                || s.baseIndex() != store.snapshot().index() || s.aggregatedIndex() != maintenance.aggregatedIndex()
                || s.incomingSnapshotIndex() != (staging == null ? 0 : staging.snapshot().index())
                || s.incomingSnapshotBytes() != (staging == null ? 0 : staging.nextOffset())
                || s.spaceBlocked() != spaceBlocked || s.fullPoolWrites() != fullPoolWrites) {
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
