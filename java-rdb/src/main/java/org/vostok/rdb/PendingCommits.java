package org.vostok.rdb;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vostok.raft.Entry;
import org.vostok.raft.ProposeResult;
import org.vostok.raft.RaftNode;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.model.RequestId;
import org.vostok.rdb.model.RequestOutcome;
import org.vostok.rdb.store.EntryOutcome;
import org.vostok.rdb.store.EntryPayload;
import org.vostok.rdb.store.EntryPlan;
import org.vostok.rdb.store.Op;
import org.vostok.rdb.store.PlanFailure;
import org.vostok.rdb.store.PlanSource;
import org.vostok.rdb.store.RdbStore;
import org.vostok.rdb.store.TreeReader;
import org.vostok.rdb.store.Validator;

/**
 * The leader's commits from proposal to completion: each transaction is checked for space
 * ({@link SpaceGuard}) and validated against everything appended so far ({@link Validator})
 * before it is proposed; its plan waits for the persist that writes its entry; its outcome is
 * noted when the entry is written and its future completes when the entry is applied, or fails
 * when the term ends or its deadline passes first ({@code OUTCOME_UNKNOWN}). A transaction whose
 * request id an entry not yet applied carries already waits for that entry and takes its fate.
 *
 * <p>Owned by the replica's thread.
 */
final class PendingCommits {

    private static final Logger LOG = LoggerFactory.getLogger(PendingCommits.class);

    private final ReplicaCore core;
    private final RdbStore store;
    private final RdbConfig config;
    private final SpaceGuard space;
    private final Leadership leadership;
    private final Completions completions;

    /** The leader's check of new transactions, against the last persist; null until needed again. */
    private Validator validator;
    /** Plans worked out before proposing, by index, for the persist that writes their entries. */
    private final HashMap<Long, PlannedEntry> plans = new HashMap<>();
    private final TreeMap<Long, PendingCommit> pending = new TreeMap<>();
    /**
     * Transactions whose request id an entry of this term not yet applied carries already, by
     * that entry's index: they take its fate.
     */
    private final TreeMap<Long, List<PendingDuplicate>> duplicates = new TreeMap<>();

    private final ReplicaObserver observer;

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
    private record PendingDuplicate(long term, RequestId requestId, CompletableFuture<Long> future, long deadlineNanos) {
    }

    PendingCommits(ReplicaCore core, RdbStore store, RdbConfig config, SpaceGuard space, Leadership leadership,
                   Completions completions, ReplicaObserver observer) {
        this.observer = observer;
        this.core = core;
        this.store = store;
        this.config = config;
        this.space = space;
        this.leadership = leadership;
        this.completions = completions;
    }

    // ----------------------------------------------------------------------------------------
    // Proposing

    /** Refuses, or proposes, a transaction of the term it began in. */
    void propose(Request.Propose p, long nowNanos, Runnable compactForSpace) {
        Optional<RdbException> refused = leadership.refuseTerm(p.term());
        long bytes = SpaceGuard.estimateBytes(p.payload(), p.data().length);
        if (refused.isEmpty() && !isCritical(p)) {
            refused = refuseForSpace(bytes, compactForSpace);
        }
        if (refused.isPresent()) {
            completions.fail(p.future(), refused.get());
            return;
        }
        proposePlanned(p.payload(), p.data(), bytes, p.future(), nowNanos);
    }

    /** Proposes an entry that hands out a new replica id for {@code rank}. */
    void allocateReplicaId(Request.AllocateReplicaId a, long nowNanos) {
        Optional<RdbException> refused = leadership.refuseTerm(core.leading());
        if (refused.isPresent()) {
            completions.fail(a.future(), refused.get());
            return;
        }
        EntryPayload payload = new EntryPayload(Optional.empty(), List.of(new Op.NewReplicaId(a.rank())));
        byte[] data = payload.encode();
        proposePlanned(payload, data, SpaceGuard.estimateBytes(payload, data.length), a.future(), nowNanos);
    }

    /** Proposes a membership change, refused when it would add an id that must not be added. */
    void changeMembership(Request.ChangeMembership c, long nowNanos) {
        RaftNode node = core.node();
        if (core.leading() != 0) {
            Optional<PlanFailure> refused;
            try {
                refused = validator().refuseMembershipChange(c.change(), node.membership());
            } catch (RdbException e) {
                completions.fail(c.future(), e);
                return;
            }
            if (refused.isPresent()) {
                completions.fail(c.future(), refused.get());
                return;
            }
        }
        ProposeResult result = node.proposeMembershipChange(c.change());
        if (result instanceof ProposeResult.Accepted a) {
            LOG.info("replica {} proposed {} at {}", core.id(), c.change(), a.index());
            pending.put(a.index(), new PendingCommit(a.term(), c.future(), deadline(nowNanos),
                    "the membership change (" + c.change() + ")", true));
        } else {
            completions.fail(c.future(), core.refusal(((ProposeResult.Refused) result).refusal()));
        }
    }

    private Validator validator() {
        if (validator == null) {
            validator = store.validator();
        }
        return validator;
    }

    /**
     * Validates {@code payload} after every entry appended so far and proposes it; {@code future}
     * completes when it is applied, or fails at once when it is refused.
     */
    private void proposePlanned(EntryPayload payload, byte[] data, long bytes, CompletableFuture<Long> future,
                                long nowNanos) {
        RaftNode node = core.node();
        long index = node.lastIndex() + 1;
        EntryPlan plan;
        try {
            plan = validator().plan(payload, index);
        } catch (RdbException e) {
            completions.fail(future, e);
            return;
        }
        if (plan.duplicateOf().isPresent()) {
            duplicate(plan, future, nowNanos);
            return;
        }
        if (plan.failure().isPresent()) {
            // Checked against every entry appended so far: it would fail on apply, so it never
            // reaches the log.
            completions.fail(future, plan.failure().get());
            return;
        }
        ProposeResult result = node.propose(data);
        if (result instanceof ProposeResult.Accepted a) {
            if (a.index() != index) {
                throw new IllegalStateException("replica " + core.id() + ": planned entry " + index
                        + " was appended at " + a.index());
            }
            validator.proposed(plan, a.index());
            space.reserve(a.index(), bytes);
            plans.put(a.index(), new PlannedEntry(a.term(), plan));
            PendingCommit pc = new PendingCommit(a.term(), future, deadline(nowNanos),
                    plan.allocatedReplicaId().isPresent() ? "the replica id allocation" : "the transaction", false);
            pc.result = plan.allocatedReplicaId().orElse(0);
            pending.put(a.index(), pc);
            return;
        }
        completions.fail(future, core.refusal(((ProposeResult.Refused) result).refusal()));
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
    private void duplicate(EntryPlan plan, CompletableFuture<Long> future, long nowNanos) {
        RaftNode node = core.node();
        long first = plan.duplicateOf().getAsLong();
        RequestId requestId = plan.requestId().orElseThrow();
        if (first <= node.appliedIndex()) {
            completions.fail(future, new RdbException(RdbError.EXIST, "request " + requestId + " was committed"
                    + " already, by entry " + first + "; a request id commits at most once (Tx.requestOutcome tells"
                    + " its outcome)"));
            return;
        }
        if (node.termAt(first) != node.term()) {
            throw new IllegalStateException("replica " + core.id() + ": entry " + first + ", not applied, is of term "
                    + node.termAt(first) + " though this replica is ready in term " + node.term());
        }
        duplicates.computeIfAbsent(first, i -> new ArrayList<>(1))
                .add(new PendingDuplicate(node.term(), requestId, future, deadline(nowNanos)));
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
    private Optional<RdbException> refuseForSpace(long bytes, Runnable compactForSpace) {
        if (space.fits(bytes)) {
            return Optional.empty();
        }
        compactForSpace.run();
        space.forgetFreeBytes();
        return space.fits(bytes) ? Optional.empty() : Optional.of(space.refusal(core.id(), bytes));
    }

    private long deadline(long nowNanos) {
        return nowNanos + config.commitTimeoutMillis() * 1_000_000L;
    }

    // ----------------------------------------------------------------------------------------
    // Persisting and applying

    /** The plans worked out before proposing, for the persist that writes their entries. */
    PlanSource plans() {
        return (index, term) -> {
            PlannedEntry p = plans.remove(index);
            return p != null && p.term() == term ? Optional.of(p.plan()) : Optional.empty();
        };
    }

    /**
     * A Ready was persisted: entries up to {@code lastWritten} (0 when it wrote none) are in the
     * store with these outcomes, and plans of entries it did not write are of no use.
     */
    void persisted(List<EntryOutcome> outcomes, long lastWritten) {
        plans.clear();
        if (lastWritten > 0) {
            validator = null;
            space.written(lastWritten);
        }
        for (EntryOutcome o : outcomes) {
            PendingCommit pc = pending.get(o.index());
            if (pc != null && pc.term == o.term()) {
                pc.outcome = o.failure();
            }
        }
    }

    /** Entry {@code e} is applied: its commit completes, and so do the transactions that wait for it. */
    void applied(Entry e) {
        PendingCommit pc = pending.isEmpty() ? null : pending.remove(e.index());
        if (pc != null) {
            if (pc.term != e.term()) {
                // Another leader's entry took that index: this transaction never committed.
                completions.fail(pc.future, RdbException.notLeader(pc.what + " was lost to a new leader before it"
                        + " committed; retry on the leader" + core.hintText(), core.hint()));
            } else if (pc.membership || (pc.outcome != null && pc.outcome.isEmpty())) {
                completions.succeed(pc.future, pc.result != 0 ? pc.result : e.index());
                observer.committed(System.nanoTime() - (pc.deadlineNanos - config.commitTimeoutMillis() * 1_000_000L));
            } else if (pc.outcome != null) {
                completions.fail(pc.future, pc.outcome.get());
            } else {
                completions.fail(pc.future, RdbException.outcomeUnknown(new RdbException(RdbError.IO, "entry "
                        + e.index() + " committed but its outcome is not known here")));
            }
        }
        List<PendingDuplicate> waiting = duplicates.isEmpty() ? null : duplicates.remove(e.index());
        if (waiting != null) {
            settleDuplicates(e, waiting);
        }
    }

    /** The entry that carried their request id first is applied: the duplicates take its outcome. */
    private void settleDuplicates(Entry e, List<PendingDuplicate> waiting) {
        TreeReader reader = store.reader(e.index());
        for (PendingDuplicate d : waiting) {
            if (d.term() != e.term()) {
                // Another leader's entry took that index: the first attempt never committed, and
                // this one was never proposed.
                completions.fail(d.future(), RdbException.notLeader("the first attempt with request " + d.requestId()
                        + " was lost to a new leader before it committed; retry on the leader" + core.hintText(),
                        core.hint()));
                continue;
            }
            Optional<RequestOutcome> outcome = reader.requestOutcome(d.requestId());
            if (outcome.isEmpty() || outcome.get().index() != e.index()) {
                throw new IllegalStateException("replica " + core.id() + ": entry " + e.index() + " of term "
                        + e.term() + " carried request " + d.requestId() + " when it was proposed, but its record says "
                        + outcome);
            }
            if (outcome.get().applied()) {
                completions.succeed(d.future(), e.index());
            } else {
                RdbError failure = outcome.get().failure().orElseThrow();
                completions.fail(d.future(), new RdbException(failure, "the first attempt with request "
                        + d.requestId() + " (entry " + e.index() + ") failed with " + failure + " and changed nothing"));
            }
        }
    }

    // ----------------------------------------------------------------------------------------
    // Failing

    /** A Ready ended, or the leader checks: fails the commits of a term this replica no longer leads. */
    void failLost() {
        long leading = core.leading();
        if (leading == 0 || !pending.isEmpty() && pending.firstEntry().getValue().term != leading
                || !duplicates.isEmpty() && duplicates.firstEntry().getValue().get(0).term() != leading) {
            failNotLeading(leading);
        }
    }

    /**
     * Fails the commits, and the duplicates waiting for an entry, of terms other than
     * {@code leading} (0: all), with their outcome unknown: the entry may still commit under the
     * next leader. Not those at or below the commit index: they are committed, and complete when
     * the entry is applied (a leader that committed its own removal steps down in the same step).
     */
    void failNotLeading(long leading) {
        long committed = core.node().commitIndex();
        long id = core.id();
        Iterator<Map.Entry<Long, PendingCommit>> it = pending.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Long, PendingCommit> entry = it.next();
            PendingCommit pc = entry.getValue();
            if (pc.term != leading && entry.getKey() > committed) {
                it.remove();
                completions.fail(pc.future, RdbException.outcomeUnknown(RdbException.notLeader("replica " + id
                        + " lost the leadership of term " + pc.term + " before " + pc.what + " committed; it may still"
                        + " commit under the new leader" + core.hintText(), core.hint())));
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
                completions.fail(d.future(), RdbException.outcomeUnknown(RdbException.notLeader("replica " + id
                        + " lost the leadership of term " + d.term() + " before entry " + entry.getKey() + ", the first"
                        + " attempt with request " + d.requestId() + ", committed; it may still commit under the new"
                        + " leader" + core.hintText(), core.hint())));
                return true;
            });
            if (entry.getValue().isEmpty()) {
                dit.remove();
            }
        }
    }

    /**
     * Fails the commits and duplicates past their deadline with OUTCOME_UNKNOWN (TIMEDOUT).
     * Returns whether one of them was of the term this replica still leads: that term then
     * takes no more transactions (DESIGN.md, "Transactions").
     */
    boolean expire(long nowNanos) {
        long leading = core.leading();
        boolean ambiguous = false;
        for (Iterator<PendingCommit> it = pending.values().iterator(); it.hasNext(); ) {
            PendingCommit pc = it.next();
            if (nowNanos - pc.deadlineNanos >= 0) {
                it.remove();
                ambiguous |= pc.term == leading;
                completions.fail(pc.future, RdbException.outcomeUnknown(new RdbException(RdbError.TIMEDOUT, pc.what
                        + " was not applied within " + config.commitTimeoutMillis() + " ms (commitTimeoutMillis); it"
                        + " may still commit")));
            }
        }
        for (Iterator<Map.Entry<Long, List<PendingDuplicate>>> it = duplicates.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, List<PendingDuplicate>> entry = it.next();
            for (Iterator<PendingDuplicate> dit = entry.getValue().iterator(); dit.hasNext(); ) {
                PendingDuplicate d = dit.next();
                if (nowNanos - d.deadlineNanos() >= 0) {
                    dit.remove();
                    ambiguous |= d.term() == leading;
                    completions.fail(d.future(), RdbException.outcomeUnknown(new RdbException(RdbError.TIMEDOUT,
                            "entry " + entry.getKey() + ", the first attempt with request " + d.requestId() + ", was"
                            + " not applied within " + config.commitTimeoutMillis() + " ms (commitTimeoutMillis); it"
                            + " may still commit")));
                }
            }
            if (entry.getValue().isEmpty()) {
                it.remove();
            }
        }
        return ambiguous && leading != 0;
    }

    /** The core restarts: plans and the validator are of no use. */
    void forgetPlans() {
        plans.clear();
        validator = null;
    }

    /** This replica stops leading, or a snapshot replaced the tree: the validator is of no use. */
    void forgetValidator() {
        validator = null;
    }

    boolean isEmpty() {
        return pending.isEmpty() && duplicates.isEmpty();
    }

    /** The replica stops: every commit and duplicate fails with {@code error}, its outcome unknown. */
    void failAll(RdbException error) {
        for (PendingCommit pc : pending.values()) {
            completions.fail(pc.future, error.withOutcomeUnknown());
        }
        pending.clear();
        for (List<PendingDuplicate> waiting : duplicates.values()) {
            for (PendingDuplicate d : waiting) {
                completions.fail(d.future(), error.withOutcomeUnknown());
            }
        }
        duplicates.clear();
    }
}
