package org.vostok.rdb.model;

import java.util.Objects;
import java.util.Optional;

/**
 * What became of a transaction that carried a request id: the log index of the entry that
 * carried it, and the error that kept it from applying, if it failed on apply (it then changed
 * nothing). Found with {@code Tx.requestOutcome}.
 */
public record RequestOutcome(RequestId requestId, long index, Optional<RdbError> failure) {
    public RequestOutcome {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(failure, "failure");
    }

    /** True when the transaction's updates took effect. */
    public boolean applied() {
        return failure.isEmpty();
    }
}
