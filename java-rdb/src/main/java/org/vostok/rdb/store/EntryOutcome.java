package org.vostok.rdb.store;

import java.util.Objects;
import java.util.Optional;

/** The outcome of a persisted entry that carried a transaction: applied, or failed with no effect. */
public record EntryOutcome(long index, long term, Optional<PlanFailure> failure) {
    public EntryOutcome {
        Objects.requireNonNull(failure, "failure");
    }
}
