package org.vostok.rdb.store;

import org.vostok.rdb.model.RdbException;

/**
 * A persist that failed: the store's failure (its code and message), and how far the batch got.
 * A batch too large for one VOS transaction is written in parts, each consistent on its own, so a
 * failure may leave the first parts durable: the batch's entries are durable up to
 * {@link #writtenThrough()}, and none after it.
 */
public final class PersistException extends RdbException {
    private static final long serialVersionUID = 1L;

    private final long writtenThrough;

    PersistException(RdbException cause, long writtenThrough) {
        super(cause.error(), cause.detail(), cause.leaderHint(), cause);
        this.writtenThrough = writtenThrough;
    }

    /**
     * The batch's entries are durable up to this index, none after it; below the batch's first
     * index when none of them is (for a batch without entries: the last index of the log).
     */
    public long writtenThrough() {
        return writtenThrough;
    }
}
