package org.vostok.rdb;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vostok.raft.Entry;
import org.vostok.raft.Message;
import org.vostok.raft.RaftInvariantViolation;
import org.vostok.raft.RaftNode;
import org.vostok.raft.Ready;
import org.vostok.raft.Refusal;
import org.vostok.raft.Role;
import org.vostok.raft.SnapshotMetadata;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.store.EntryOutcome;
import org.vostok.rdb.store.PersistException;
import org.vostok.rdb.store.RdbStore;
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
 * <p>The work is shared out by job: {@link PendingCommits} (proposals to completions),
 * {@link PendingReads} (read epochs), {@link SnapshotCoordinator} (snapshots both ways),
 * {@link SpaceGuard} and {@link Compactor} (space), {@link Leadership} (what the host sees),
 * {@link ReplicaCore} (the Raft core, restarted in place when a write finds the pool full).
 *
 * <p>The loop is a step function in the style of an Aeron agent: {@link #doWork(long)} does one
 * round at the time it is given and returns, so that whatever drives it owns the clock. In
 * production the owner thread ({@link #run()}) waits for the next queued item or the next tick
 * and calls it; a simulator calls it from its one thread, with its own clock, for every replica
 * of a cluster ({@link ReplicaRuntime}).
 */
final class ReplicaLoop implements Runnable, InboundHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ReplicaLoop.class);

    /** Items taken from the queue per round at most, so a flood cannot starve the Ready. */
    private static final int ITEMS_PER_ROUND_MAX = 4096;
    /** How often a replica that cannot write for want of space says so at most. */
    private static final long SPACE_WARNING_INTERVAL_NANOS = 10_000_000_000L;

    private final Replica replica;
    private final RdbStore store;
    private final RdbConfig config;
    private final ReplicaObserver observer;
    private final RaftTransport transport;
    private final LeadershipEvents events;
    private final Lane completionLane;
    private final ReplicaRuntime runtime;
    private final long id;
    private final long tickNanos;

    private final ReplicaCore core;
    private final Completions completions;
    private final Leadership leadership;
    private final SpaceGuard space;
    private final ReadPins pins;
    private final Maintenance maintenance;
    private final SnapshotCoordinator snapshots;
    private final PendingReads reads;
    private final PendingCommits commits;
    private final Compactor compactor;

    /** Invariant: every index up to here is committed and written here; reads see this epoch. */
    private long applied;
    /** The time of the round being worked, for deadlines and warnings. */
    private long nowNanos;
    /** When the core is ticked next. */
    private long nextTickNanos;

    /** A write found the pool full and the core was restarted; cleared by the next write that succeeds. */
    private boolean spaceBlocked;
    private long fullPoolWrites;
    private long spaceWarnedNanos;
    /** The last leader this replica knew (0: none yet), and how often that changed ({@link ReplicaStatus}). */
    private long knownLeader;
    private long leaderChanges;

    private ReplicaStatus published;
    private boolean running = true;

    ReplicaLoop(Replica replica, RdbStore store, RdbConfig config, RaftTransport transport, LeadershipEvents events,
                Lane completionLane, ReplicaRuntime runtime, ReplicaObserver observer) {
        this.observer = observer;
        this.replica = replica;
        this.store = store;
        this.config = config;
        this.transport = transport;
        this.events = events;
        this.completionLane = completionLane;
        this.runtime = runtime;
        this.id = store.replicaId();
        this.tickNanos = config.tickMillis() * 1_000_000L;
        // Apply happens at append: everything up to the stored commit index is applied already,
        // so the core hands out nothing to replay.
        this.applied = store.hardState().commit();
        this.core = new ReplicaCore(config, store, applied, runtime::nanoTime);
        this.completions = new Completions(replica, completionLane);
        this.leadership = new Leadership(core, config, events);
        this.space = new SpaceGuard(config.poolFreeBytesMin(), () -> store.poolInfo().freeBytes());
        // The pins wake the maintenance thread when a read that held aggregation back ends.
        this.pins = new ReadPins(this::readReleased);
        this.maintenance = new Maintenance(id, store, pins, config.aggregationSliceKeys(),
                config.requestRetentionEntries(), config.maintenanceRetryMillis(), config.scrubBytesPerSecond(),
                observer, runtime::nanoTime, runtime.startsThreads());
        this.snapshots = new SnapshotCoordinator(core, store, pins, new SnapshotSender(store,
                replica::submitInternal, runtime.lane("rdb-" + id + "-snapshots")));
        this.reads = new PendingReads(core, store, config, leadership, pins);
        this.commits = new PendingCommits(core, store, config, space, leadership, completions, observer);
        this.compactor = new Compactor(core, store, config, space, maintenance);
        this.nowNanos = runtime.nanoTime();
        this.nextTickNanos = nowNanos + tickNanos;
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

    /** The owner thread: waits for the next queued item or the next tick, and works a round. */
    @Override
    public void run() {
        RdbException failure = null;
        try {
            while (running) {
                long wait = core.node().hasReady() ? 0 : nextTickNanos - runtime.nanoTime();
                replica.awaitInbound(wait);
                doWork(runtime.nanoTime());
            }
        } catch (Throwable e) {
            failure = failureOf(e);
            LOG.error("replica {} stops: {}", id, failure.getMessage(), failure);
        }
        shutdown(failure);
    }

    /** The error a failure of a round stops the replica with. */
    RdbException failureOf(Throwable e) {
        if (e instanceof RdbException r) {
            return r;
        }
        if (e instanceof RaftInvariantViolation) {
            return new RdbException(RdbError.CORRUPT, "a Raft safety invariant broke on replica " + id + ": "
                    + e.getMessage() + "; the replica stopped (restart it from its pool, or replace it)", e);
        }
        return new RdbException(RdbError.IO, "replica " + id + " failed: " + e, e);
    }

    /**
     * One round at {@code now}: takes what is queued (at most {@link #ITEMS_PER_ROUND_MAX}
     * items), ticks the core when a tick is due, carries out every Ready, compacts when due,
     * publishes the status and hands the round's completions over. Returns how much it did (0:
     * nothing was due). Throws what stops the replica; the caller then calls {@link #shutdown}
     * (or, in a simulated crash, {@link #crash}).
     */
    int doWork(long now) {
        nowNanos = now;
        space.forgetFreeBytes();
        int work = 0;
        Inbound item = replica.poll();
        for (int n = 0; item != null; n++) {
            item.deliverTo(this);
            work++;
            // Nothing is taken after a Stop: what is left is failed by the shutdown.
            item = running && n < ITEMS_PER_ROUND_MAX ? replica.poll() : null;
        }
        boolean ticked = nowNanos - nextTickNanos >= 0;
        if (ticked) {
            nextTickNanos = nowNanos + tickNanos;
            tick();
            work++;
        }
        while (running && core.node().hasReady()) {
            handleReady(core.node().ready());
            work++;
        }
        if (running) {
            compactor.maybeCompact(applied, ticked, nowNanos);
        }
        compactor.endRound();
        publishStatus();
        publishLease();
        completions.flush();
        return work;
    }

    /** When the loop has work next if nothing is queued: now when a Ready waits, else at the next tick. */
    long nextWakeNanos() {
        return core.node().hasReady() ? nowNanos : nextTickNanos;
    }

    /** Whether the loop still runs: false once it took a Stop. */
    boolean isRunning() {
        return running;
    }

    /** The background work, for a host that drives the replica and runs it itself. */
    Maintenance maintenance() {
        return maintenance;
    }

    /** The store, for a host that compares replicas (a simulator). */
    RdbStore store() {
        return store;
    }

    private void tick() {
        // One tick however late, never a burst: the core's lease relies on ticks that come no
        // faster than tickNanos (Config.tickNanos).
        core.node().tick();
        renewLeaderGoneCampaign();
        reads.expire(nowNanos);
        if (commits.expire(nowNanos)) {
            // The entry may still commit after later transactions of this term read without it:
            // this term takes no more of them (DESIGN.md, "Transactions").
            giveUpTerm(core.leading(), "a commit in it ended ambiguously (not applied within commitTimeoutMillis)");
        }
        snapshots.releaseFinished();
        leadership.onTick().ifPresent(this::restartCore);
    }

    // ----------------------------------------------------------------------------------------
    // What the queue holds

    @Override
    public void onMessage(Message m) {
        try {
            core.node().step(m);
        } catch (IllegalArgumentException e) {
            LOG.warn("replica {}: dropped a message not meant for it: {}", id, e.getMessage());
        }
    }

    @Override
    public void onPropose(Request.Propose p) {
        commits.propose(p, nowNanos, () -> compactor.compactForSpace(applied, nowNanos));
    }

    @Override
    public void onRead(Request.Read r) {
        reads.start(r, nowNanos);
    }

    @Override
    public void onChangeMembership(Request.ChangeMembership c) {
        commits.changeMembership(c, nowNanos);
    }

    @Override
    public void onTransferLeadership(Request.TransferLeadership t) {
        Optional<Refusal> refused = core.node().transferLeadership(t.target());
        if (refused.isPresent()) {
            completions.fail(t.future(), core.refusal(refused.get()));
        } else {
            completions.succeed(t.future(), null);
        }
    }

    @Override
    public void onProgress(Request.Progress p) {
        Map<Long, Long> lags = new TreeMap<>();
        RaftNode node = core.node();
        if (node.role() == Role.LEADER) {
            long last = node.lastIndex();
            node.status().peers().forEach((peer, st) -> {
                if (peer != id) {
                    lags.put(peer, Math.max(0, last - st.match()));
                }
            });
        }
        completions.succeed(p.future(), Collections.unmodifiableMap(lags));
    }

    @Override
    public void onAllocateReplicaId(Request.AllocateReplicaId a) {
        commits.allocateReplicaId(a, nowNanos);
    }

    /** The host failed to step up in the term: hand the leadership to the most caught-up voter. */
    @Override
    public void onAbdicate(Request.Abdicate a) {
        giveUpTerm(a.term(), "its host could not step up");
    }

    @Override
    public void onSnapshotChunkReady(Request.SnapshotChunkReady c) {
        snapshots.chunkReady(c);
    }

    @Override
    public void onSnapshotChunkFailed(Request.SnapshotChunkFailed f) {
        snapshots.chunkFailed(f, nowNanos);
    }

    @Override
    public void onStop(Request.Stop stop) {
        running = false;
    }

    @Override
    public void onStall(Request.Stall stall) {
        stall.stall();
    }

    /**
     * Ticks left in which this replica renews the campaign it started when told its leader was
     * gone (see renewLeaderGoneCampaign).
     */
    private int leaderGoneCampaignTicks;

    /** See {@link Replica#leaderGone}: forget a leader whose process is gone, and maybe campaign. */
    @Override
    public void onLeaderGone(Request.LeaderGone gone) {
        RaftNode node = core.node();
        long leaderId = gone.leaderReplicaId();
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
        if (core.node().role() == Role.PRE_CANDIDATE) {
            core.node().campaign();
        } else {
            leaderGoneCampaignTicks = 0;
        }
    }

    private void giveUpTerm(long term, String why) {
        leadership.giveUp(term, why).ifPresent(this::restartCore);
    }

    // ----------------------------------------------------------------------------------------
    // Ready

    private void handleReady(Ready rd) {
        if (leadership.noticeLoss(this::publishStatus) == 0) {
            if (!reads.isEmpty()) {
                reads.failAll(RdbException.notLeader("replica " + id + " lost the leadership before the read was"
                        + " confirmed" + core.hintText(), core.hint()));
            }
            commits.forgetValidator();
            space.clear();
        }
        // 1. A leader's replication traffic leaves before its own write (thesis §10.2.1). The
        // lease is withdrawn first if a TimeoutNow in this Ready (in either of its sends: the
        // core is not stepped between them) voided it.
        publishLease();
        send(rd.messages());
        // 2. Snapshot first.
        SnapshotCoordinator.Received received = snapshots.receive(rd);
        if (received.restart()) {
            restartCore(received.restartCore()); // this Ready is void
            return;
        }
        if (rd.snapshot().isPresent()) {
            SnapshotMetadata s = rd.snapshot().get();
            String why = snapshots.install(s, rd.hardState().orElse(store.hardState()), maintenance);
            if (!why.isEmpty()) {
                restartCore(why);
                return;
            }
            applied = s.index();
            commits.forgetValidator();
        }
        // 3. Persist, applying each entry at its index.
        List<EntryOutcome> outcomes = persist(rd);
        if (outcomes == null) {
            return;
        }
        commits.persisted(outcomes, rd.entries().isEmpty() ? 0 : rd.entries().get(rd.entries().size() - 1).index());
        // 4. What depended on the persist (not the acknowledgement of a snapshot chunk dropped in step 2).
        long dropped = received.droppedSnapshot();
        send(dropped == 0 ? rd.messagesAfterPersist()
                : SnapshotCoordinator.withoutChunkAcks(rd.messagesAfterPersist(), dropped));
        // 5. Apply: the entries were applied as they were written; complete what waited for them.
        for (Entry e : rd.committedEntries()) {
            applied(e);
        }
        // After the apply: a commit that this Ready both committed and lost the leadership in
        // (a leader that applies its own removal) completes normally.
        commits.failLost();
        reads.confirmed(rd.readStates(), rd.readsRefused());
        snapshots.requestChunks(rd.snapshotChunkRequests());
        rd.membership().ifPresent(m -> LOG.info("replica {}: the membership is now {}", id, m));
        // 6. Acknowledge.
        core.node().advance(rd);
        reads.release(applied);
    }

    /**
     * Persists the Ready's entries and hard state. A full pool is not fatal: the log is compacted
     * and the write tried once more (when none of the batch was written); if the pool is still
     * full, the core restarts from what is durable and this returns null (the Ready is void; the
     * leader sends the entries again).
     */
    private List<EntryOutcome> persist(Ready rd) {
        try {
            long started = System.nanoTime();
            List<EntryOutcome> outcomes = store.persist(rd.entries(), rd.hardState(), commits.plans());
            if (!rd.entries().isEmpty() || rd.hardState().isPresent()) {
                observer.persisted(rd.entries().size(), System.nanoTime() - started);
            }
            if (spaceBlocked && !rd.entries().isEmpty()) {
                spaceBlocked = false;
                LOG.info("replica {}: writes again, its pool has room now", id);
            }
            return outcomes;
        } catch (PersistException e) {
            if (e.error() != RdbError.NOSPACE) {
                throw e;
            }
            // A batch written in several transactions may have written some: then the core learns
            // what is there from the store instead of the batch being written again.
            boolean wroteNothing = rd.entries().isEmpty() || e.writtenThrough() < rd.entries().get(0).index();
            if (wroteNothing && compactor.compactForSpace(applied, nowNanos)) {
                try {
                    return store.persist(rd.entries(), rd.hardState(), commits.plans());
                } catch (PersistException again) {
                    if (again.error() != RdbError.NOSPACE) {
                        throw again;
                    }
                }
            }
            if (!spaceBlocked || nowNanos - spaceWarnedNanos > SPACE_WARNING_INTERVAL_NANOS) {
                spaceWarnedNanos = nowNanos;
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
        commits.applied(e);
        leadership.onApplied(e, this::publishStatus);
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
        boolean wasLeading = core.leading() != 0;
        leadership.onCoreRestart(this::publishStatus);
        commits.forgetPlans();
        space.clear();
        core.restart(applied);
        snapshots.coreRestarted();
        if (wasLeading || !commits.isEmpty()) {
            commits.failNotLeading(0);
        }
        reads.failAll(RdbException.notLeader("replica " + id + " restarted its Raft core (" + why + ") before the"
                + " read was confirmed", Optional.empty()));
    }

    /**
     * Publishes what a transaction's first query needs to get its read epoch off this thread
     * while the lease holds ({@link LocalLease}, which says why that is linearizable), or
     * withdraws it. Called before each Ready's messages leave, so that it is withdrawn before a
     * TimeoutNow (which voids the lease) is sent, and at the end of each round, before the
     * round's completions are handed over, so that it reads at least at every index
     * acknowledged. Published only while this replica takes transactions in the term it leads
     * (its first entry applied, the term not given up).
     */
    private void publishLease() {
        RaftNode node = core.node();
        LocalLease current = replica.publishedLease();
        if (!running || !node.leaseGranted() || leadership.readyTerm() != node.term()) {
            if (current != null) {
                replica.publishLease(null);
            }
            return;
        }
        long expiry = node.leaseExpiryNanos();
        if (current == null || current.term() != node.term() || current.expiryNanos() != expiry
                || current.epoch() != applied) {
            replica.publishLease(new LocalLease(node.term(), expiry, store.reader(applied)));
        }
    }

    /** The epochs still read, for a read that pins its epoch off this thread. */
    ReadPins pins() {
        return pins;
    }

    // ----------------------------------------------------------------------------------------
    // Status

    ReplicaStatus currentStatus() {
        RaftNode node = core.node();
        return new ReplicaStatus(id, node.role(), node.term(), node.leader(), leadership.readyTerm(),
                node.commitIndex(), applied, node.lastIndex(), node.membership(), store.snapshot().index(),
                maintenance.aggregatedIndex(), snapshots.incomingIndex(), snapshots.incomingBytes(), spaceBlocked,
                fullPoolWrites, leadership.abandonedTermLed(), maintenance.scrubPasses(), maintenance.scrubDamage(),
                leaderChanges);
    }

    private void publishStatus() {
        ReplicaStatus s = published;
        RaftNode node = core.node();
        if (node.leader() != 0 && node.leader() != knownLeader) {
            knownLeader = node.leader();
            leaderChanges++;
        }
        if (s == null || s.role() != node.role() || s.term() != node.term() || s.leader() != node.leader()
                || s.readyTerm() != leadership.readyTerm() || s.commitIndex() != node.commitIndex()
                || s.appliedIndex() != applied || s.lastIndex() != node.lastIndex()
                || !s.membership().equals(node.membership()) || s.baseIndex() != store.snapshot().index()
                || s.aggregatedIndex() != maintenance.aggregatedIndex()
                || s.incomingSnapshotIndex() != snapshots.incomingIndex()
                || s.incomingSnapshotBytes() != snapshots.incomingBytes()
                || s.spaceBlocked() != spaceBlocked || s.fullPoolWrites() != fullPoolWrites
                || s.abandonedTerm() != leadership.abandonedTermLed()
                || s.scrubPasses() != maintenance.scrubPasses() || s.scrubDamage() != maintenance.scrubDamage()
                || s.leaderChanges() != leaderChanges) {
            published = currentStatus();
            replica.publish(published);
        }
    }

    // ----------------------------------------------------------------------------------------
    // Shutdown

    /** Undoes the construction when the replica cannot start: nothing ran yet. */
    void abandon() {
        snapshots.stopSending();
        maintenance.close();
        events.shutdown();
        completionLane.shutdown();
        store.close();
    }

    /**
     * Stops as a crash of the process would leave the pool, for a simulator: nothing more is
     * written (not the commit index kept in memory, not a stepDown), the store's handles are
     * closed, and the callers waiting get SHUTDOWN (a proposed commit OUTCOME_UNKNOWN), as a
     * client whose connection dropped would learn.
     */
    void crash() {
        running = false;
        replica.markStopped(null);
        RdbException error = replica.shutdownError();
        commits.failAll(error);
        reads.failAll(error);
        stopTransportAndBackground();
        store.crash();
        replica.drainAfterStop(error);
        events.shutdown();
        completions.flush();
        completionLane.shutdown();
    }

    /** Closes the transport (nothing more is sent or received), the snapshot sender and the maintenance. */
    private void stopTransportAndBackground() {
        try {
            transport.close();
        } catch (RuntimeException e) {
            LOG.warn("replica {}: closing its transport failed", id, e);
        }
        snapshots.stopSending();
        maintenance.close();
    }

    /** Stops the replica: pending work fails, the host steps down, the store is closed. */
    void shutdown(RdbException failure) {
        replica.markStopped(failure);
        RdbException error = replica.shutdownError();
        commits.failAll(error);
        reads.failAll(error);
        leadership.shutdown();
        if (failure != null) {
            events.stop(failure);
        }
        events.shutdown();
        stopTransportAndBackground();
        try {
            snapshots.dropEmptyStaging();
            store.close();
        } catch (RuntimeException e) {
            LOG.warn("replica {}: closing its store failed", id, e);
        }
        replica.drainAfterStop(error);
        publishStatus();
        completions.flush();
        completionLane.shutdown();
    }
}
