package org.vostok.rdb.store;

import java.util.Optional;
import java.util.UUID;
import org.vostok.rdb.model.KvsPath;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;
import org.vostok.vos.Container;
import org.vostok.vos.Key;
import org.vostok.vos.Pool;
import org.vostok.vos.VosException;

/**
 * <b>A deliberately broken read path, for tests only</b>: reads a replica's own applied state
 * straight from its pool, with no read index and no lease, as a careless service might on a
 * follower. Such a read can return a value that a write already acknowledged to a client has
 * replaced, so a linearizability test must catch it; that is what it is for
 * ({@code LinearizabilityUnderFaultsTest}).
 */
public final class LocalStateReads {

    private LocalStateReads() {
    }

    /**
     * The value of {@code key} in the KVS at {@code kvs} in the tree of the replica whose pool is
     * {@code pool}, at {@code epoch} (an index that replica has applied).
     */
    public static Optional<byte[]> lookup(Pool pool, long epoch, KvsPath kvs, Key key) {
        try (Container meta = pool.openContainer(StoreLayout.META_CONTAINER)) {
            byte[] uuid = meta.fetch(StoreLayout.META_OID, StoreLayout.META_LOG_CONTAINER, StoreLayout.META_EPOCH)
                    .orElseThrow(() -> new RdbException(RdbError.CORRUPT, "pool " + pool.path() + " names no log container"));
            UUID logUuid = MetaRecords.decodeUuid(uuid);
            try (Container log = pool.openContainer(logUuid)) {
                return new TreeReader(log, epoch).lookup(kvs, key);
            }
        } catch (VosException e) {
            throw VosFailures.translate(e, "reading replica state in " + pool.path() + " directly");
        }
    }
}
