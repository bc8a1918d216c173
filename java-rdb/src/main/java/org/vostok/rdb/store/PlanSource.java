package org.vostok.rdb.store;

import java.util.Optional;

/** Plans worked out before proposing (by the leader), handed to the persist that writes their entries. */
@FunctionalInterface
public interface PlanSource {

    /** No plans: every entry is planned at persist time. */
    PlanSource NONE = (index, term) -> Optional.empty();

    /** The plan for the entry at {@code index} in {@code term}, removed from the source, if there is one. */
    Optional<EntryPlan> take(long index, long term);
}
