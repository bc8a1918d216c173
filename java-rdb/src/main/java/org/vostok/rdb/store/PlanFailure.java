package org.vostok.rdb.store;

import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;


/**
 * A transaction's updates cannot be applied to the state they meet: no such KVS, a KVS exists
 * already, a value where a KVS is expected, a size beyond a limit. It depends only on the entry
 * and the replicated state before it, so every replica finds the same failure for the same
 * entry; that is what lets an entry fail "identically everywhere" and stay in the log
 * unapplied. Failures of the store itself (a read that fails) are never a PlanFailure.
 */
public final class PlanFailure extends RdbException {
    private static final long serialVersionUID = 1L;

    public PlanFailure(RdbError error, String message) {
        super(error, message);
    }
}
