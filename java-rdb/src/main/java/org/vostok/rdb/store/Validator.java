package org.vostok.rdb.store;

import java.util.Optional;
import org.vostok.raft.Membership;
import org.vostok.raft.MembershipChange;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.ReplicaIds;

/**
 * The leader's check of a transaction before it is proposed: against the tree as the last
 * persisted entry left it plus the changes of the entries proposed since and not yet persisted,
 * so that a transaction that cannot apply never reaches the log. Valid until the next persist,
 * which writes those entries (then take a new one from {@link RdbStore#validator()}).
 * Owned by the replica's thread.
 */
public final class Validator {

    private final Overlay proposed;
    private final EntryPlanner planner;

    Validator(Overlay proposed, EntryPlanner planner) {
        this.proposed = proposed;
        this.planner = planner;
    }

    /**
     * The plan of {@code payload} as the entry at {@code index} (the next one the leader
     * appends), after everything proposed so far; its failure, if any, is final.
     */
    public EntryPlan plan(EntryPayload payload, long index) {
        return planner.plan(proposed, payload, index);
    }

    /**
     * Why the leader must not propose {@code change} to {@code membership}, if it must not:
     * adding an id that was added before, that is not the latest one handed out for its rank, or
     * whose rank another member holds. Replica ids are never reused ({@code ReplicaIds}).
     */
    public Optional<PlanFailure> refuseMembershipChange(MembershipChange change, Membership membership) {
        boolean adds = change.type() == MembershipChange.Type.ADD_VOTER
                || change.type() == MembershipChange.Type.ADD_LEARNER;
        long id = change.node();
        if (!adds || membership.contains(id)) {
            return Optional.empty();
        }
        int rank = ReplicaIds.rank(id);
        for (long[] members : new long[][] {membership.voters(), membership.learners()}) {
            for (long m : members) {
                if (ReplicaIds.rank(m) == rank) {
                    return Optional.of(new PlanFailure(RdbError.INVAL, "cannot add " + ReplicaIds.describe(id) + ": rank "
                            + Integer.toUnsignedString(rank) + " is held by member " + ReplicaIds.describe(m)
                            + "; remove it first"));
                }
            }
        }
        Optional<RankRecords.Rank> record = RankRecords.decode(proposed.get(StoreLayout.SYSTEM_OID,
                StoreLayout.rankKey(rank)));
        long generation = ReplicaIds.generation(id);
        if (record.isEmpty()) {
            return generation == 0 ? Optional.empty() : Optional.of(new PlanFailure(RdbError.INVAL, "cannot add "
                    + ReplicaIds.describe(id) + ": no id was handed out for its rank; use"
                    + " Replica.allocateReplicaId(" + Integer.toUnsignedString(rank) + ")"));
        }
        if (record.get().generation() != generation) {
            return Optional.of(new PlanFailure(RdbError.INVAL, "cannot add " + ReplicaIds.describe(id)
                    + ": the latest id of rank " + Integer.toUnsignedString(rank) + " has generation "
                    + record.get().generation() + "; replica ids are never reused, so allocate a new one with"
                    + " Replica.allocateReplicaId"));
        }
        if (record.get().added()) {
            return Optional.of(new PlanFailure(RdbError.INVAL, "cannot add " + ReplicaIds.describe(id)
                    + ": it was added before; replica ids are never reused, so allocate a new one with"
                    + " Replica.allocateReplicaId(" + Integer.toUnsignedString(rank) + ")"));
        }
        return Optional.empty();
    }

    /** The entry planned was proposed at {@code index}: later transactions see its changes. */
    public void proposed(EntryPlan plan, long index) {
        plan.mergeInto(proposed, index, plan.requestRecord(index));
    }
}
