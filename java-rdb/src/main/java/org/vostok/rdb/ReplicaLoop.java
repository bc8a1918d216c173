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
import org.vostok.rdb.store.EntryPlan;
import org.vostok.rdb.store.PlanFailure;
import org.vostok.rdb.store.RdbStore;
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
 */
final class ReplicaLoop implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(ReplicaLoop.class);

    /** Items taken from the queue per round at most, so a flood cannot starve the Ready. */
    private static final int ITEMS_PER_ROUND_MAX = 4096;
    /** How often a refused snapshot is logged per peer at most. */
    private static final long SNAPSHOT_WARNING_INTERVAL_NANOS = 10_000_000_000L;

    private final Replica replica;
    private final RdbStore store;
    private final RdbConfig config;
    private final RaftTransport transport;
    private final LeadershipEvents events;
    private final ExecutorService completions;
    private final RaftNode node;
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
    private RdbStore.SnapshotStaging staging;
    private final Map<Long, Long> snapshotWarnedNanos = new HashMap<>();

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
        final CompletableFuture<org.vostok.rdb.store.TreeReader> future;
        final long deadlineNanos;
        long index;

        PendingRead(long term, CompletableFuture<org.vostok.rdb.store.TreeReader> future, long deadlineNanos) {
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
        SplittableRandom random = new SplittableRandom(config.randomSeed() ^ (id * 0x9E3779B97F4A7C15L));
        this.node = new RaftNode(config.raftConfig(id), store, random::nextInt, applied);
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
            long wait = node.hasReady() ? 0 : nextTick - System.nanoTime();
            Object item = replica.poll(wait);
            for (int n = 0; item != null; n++) {
                take(item);
                // Nothing is taken after a Stop: what is left is failed by the shutdown.
                item = running && n < ITEMS_PER_ROUND_MAX ? replica.poll(0) : null;
            }
            long now = System.nanoTime();
            if (now - nextTick >= 0) {
                node.tick();
                nextTick = now + tickNanos;
                expire(now);
            }
            while (running && node.hasReady()) {
                handleReady(node.ready());
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
        if (refused != null) {
            complete(p.future(), refused);
            return;
        }
        if (validator == null) {
            validator = store.validator();
        }
        EntryPlan plan;
        try {
            plan = validator.plan(p.payload());
        } catch (RdbException e) {
            complete(p.future(), e);
            return;
        }
        if (plan.failure().isPresent()) {
            // Checked against every entry appended so far: it would fail on apply, so it never
            // reaches the log.
            complete(p.future(), plan.failure().get());
            return;
        }
        ProposeResult result = node.propose(p.data());
        if (result instanceof ProposeResult.Accepted a) {
            validator.proposed(plan);
            plans.put(a.index(), new PlannedEntry(a.term(), plan));
            pendingCommits.put(a.index(), new PendingCommit(a.term(), p.future(), deadline(config.commitTimeoutMillis()),
                    false));
        } else {
            complete(p.future(), refusal(((ProposeResult.Refused) result).refusal()));
        }
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

    private void changeMembership(Request.ChangeMembership c) {
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
        receiveSnapshotChunks(rd);
        rd.snapshot().ifPresent(s -> installSnapshot(s, rd));
        // 3. Persist, applying each entry at its index.
        List<EntryOutcome> outcomes = store.persist(rd.entries(), rd.hardState(), (index, term) -> {
            PlannedEntry p = plans.remove(index);
            return p != null && p.term() == term ? Optional.of(p.plan()) : Optional.empty();
        });
        plans.clear();
        if (!rd.entries().isEmpty()) {
            validator = null;
        }
        for (EntryOutcome o : outcomes) {
            PendingCommit pc = pendingCommits.get(o.index());
            if (pc != null && pc.term == o.term()) {
                pc.outcome = o.failure();
            }
        }
        // 4. What depended on the persist.
        send(rd.messagesAfterPersist());
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
            supplySnapshotChunk(req);
        }
        rd.membership().ifPresent(m -> LOG.info("replica {}: the membership is now {}", id, m));
        // 6. Acknowledge.
        node.advance(rd);
        releaseReads();
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
                long index = e.index();
                completionBatch.add(() -> pc.future.complete(index));
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
                r.future.complete(store.reader(applied));
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

    private void receiveSnapshotChunks(Ready rd) {
        for (ReceivedSnapshotChunk c : rd.receivedSnapshotChunks()) {
            try {
                if (c.offset() == 0) {
                    if (staging != null) {
                        store.abandonSnapshot(staging);
                    }
                    staging = store.beginSnapshot(c.snapshot());
                }
                if (staging == null || !staging.snapshot().equals(c.snapshot())) {
                    throw new RdbException(RdbError.INVAL, "a chunk at " + c.offset() + " of snapshot "
                            + c.snapshot().index() + " came without the chunks before it");
                }
                staging.write(c.offset(), c.data());
            } catch (RdbException e) {
                if (rd.snapshot().isPresent()) {
                    throw new RdbException(e.error(), "replica " + id + " cannot take snapshot "
                            + c.snapshot().index() + ": " + e.detail(), e);
                }
                LOG.warn("replica {}: dropping incoming snapshot {}: {}", id, c.snapshot().index(), e.getMessage());
                node.abortIncomingSnapshot();
                if (staging != null) {
                    store.abandonSnapshot(staging);
                    staging = null;
                }
                return;
            }
        }
    }

    private void installSnapshot(SnapshotMetadata s, Ready rd) {
        if (staging == null || !staging.snapshot().equals(s)) {
            throw new RdbException(RdbError.INVAL, "replica " + id + " was told to install snapshot " + s.index()
                    + " but did not receive it");
        }
        store.installSnapshot(staging, rd.hardState().orElse(store.hardState()));
        staging = null;
        applied = s.index();
        validator = null;
    }

    private void supplySnapshotChunk(SnapshotChunkRequest req) {
        try {
            RdbStore.SnapshotContent content = store.snapshotContent(req.snapshot(), req.offset());
            node.supplySnapshotChunk(req.peer(), req.snapshot(), req.offset(), content.data(), content.last());
        } catch (RdbException e) {
            node.reportSnapshotFailed(req.peer());
            long now = System.nanoTime();
            Long warned = snapshotWarnedNanos.get(req.peer());
            if (warned == null || now - warned > SNAPSHOT_WARNING_INTERVAL_NANOS) {
                snapshotWarnedNanos.put(req.peer(), now);
                LOG.warn("replica {}: cannot send snapshot {} to replica {}: {}", id, req.snapshot().index(),
                        req.peer(), e.getMessage());
            }
        }
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
                node.lastIndex(), node.membership());
    }

    private void publishStatus() {
        ReplicaStatus s = published;
        if (s == null || s.role() != node.role() || s.term() != node.term() || s.leader() != node.leader()
                || s.readyTerm() != readyTerm || s.commitIndex() != node.commitIndex() || s.appliedIndex() != applied
                || s.lastIndex() != node.lastIndex() || !s.membership().equals(node.membership())) {
            published = currentStatus();
            replica.publish(published);
        }
    }

    // ----------------------------------------------------------------------------------------
    // Shutdown

    /** Undoes the construction when the replica cannot start: nothing ran yet. */
    void abandon() {
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
        try {
            if (staging != null) {
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
