package org.vostok.rdb.store;

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

    /** The plan of {@code payload} after everything proposed so far; its failure, if any, is final. */
    public EntryPlan plan(EntryPayload payload) {
        return planner.plan(proposed, payload);
    }

    /** The entry planned was proposed: later transactions see its changes. */
    public void proposed(EntryPlan plan) {
        plan.mergeInto(proposed, RequestRecords.encode(0, plan.failure().map(PlanFailure::error)));
    }
}
