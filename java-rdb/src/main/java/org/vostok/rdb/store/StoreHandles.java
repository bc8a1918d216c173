package org.vostok.rdb.store;

import java.util.UUID;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;
import org.vostok.vos.Container;
import org.vostok.vos.Key;
import org.vostok.vos.Pool;
import org.vostok.vos.Transaction;

/**
 * The open handles every part of a store works with: the pool, the META container, the LOG
 * container (replaced when a snapshot is installed), and the owner thread's transaction.
 */
final class StoreHandles {

    final Pool pool;
    final StoreLimits limits;
    final Container meta;
    /** The owner thread's transaction, reused: cleared before each use. */
    final Transaction tx;
    final long replicaId;
    /** The LOG container; replaced when a snapshot is installed (background threads read it). */
    volatile Container log;
    UUID logUuid;
    volatile boolean closed;

    StoreHandles(Pool pool, StoreLimits limits, Container meta, long replicaId) {
        this.pool = pool;
        this.limits = limits;
        this.meta = meta;
        this.replicaId = replicaId;
        this.tx = pool.newTransaction();
    }

    void checkOpen() {
        if (closed) {
            throw new RdbException(RdbError.SHUTDOWN, "the store of replica " + replicaId + " is closed");
        }
    }

    /** Writes META record {@code key} in {@code t}. */
    void putMeta(Transaction t, Key key, byte[] record) {
        t.update(meta, StoreLayout.META_OID, key, StoreLayout.META_EPOCH, record);
    }
}
