package org.vostok.rdb.store;

import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vostok.raft.HardState;
import org.vostok.raft.SnapshotMetadata;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.store.MetaRecords.LogBounds;
import org.vostok.rdb.store.MetaRecords.SnapshotProgress;
import org.vostok.vos.Container;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.Transaction;
import org.vostok.vos.VosError;
import org.vostok.vos.VosException;

/**
 * Snapshots in a store: the content of a snapshot to send ({@link SnapshotSource}), and one
 * coming in, staged in a container of its own ({@link SnapshotStaging}) that survives a restart
 * and becomes the LOG container when installed. Owned by the replica's thread.
 */
final class SnapshotStore {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotStore.class);

    private final StoreHandles h;
    private final LogStore log;
    /** The snapshot being staged (its container is open), if any: found at open, or begun since. */
    private SnapshotStaging staged;
    /** Whether {@link #resumableSnapshot()} gave out the one found at open. */
    private boolean stagedGivenOut;

    SnapshotStore(StoreHandles h, LogStore log) {
        this.h = h;
        this.log = log;
    }

    /** At open: the staged snapshot META names, to resume. */
    void found(SnapshotStaging staging) {
        staged = staging;
    }

    /**
     * The content of {@code snapshot}, the tree at its index, to send in chunks: the snapshot
     * the Raft core asks for is the base it saw when it began, which may be below the base now;
     * the caller keeps its epoch from being aggregated away while it is sent.
     */
    SnapshotSource snapshotSource(SnapshotMetadata snapshot) {
        h.checkOpen();
        if (snapshot.index() > log.lastIndex()) {
            throw new RdbException(RdbError.STALE, "snapshot " + snapshot.index() + "/" + snapshot.term()
                    + " is past this store's log (" + log.snapshot().index() + ", " + log.lastIndex() + "]");
        }
        return new SnapshotSource(h.log, snapshot);
    }

    /** The snapshot that was coming in before the last restart, to resume; given out once. */
    Optional<SnapshotStaging> resumableSnapshot() {
        if (stagedGivenOut) {
            return Optional.empty();
        }
        stagedGivenOut = true;
        return Optional.ofNullable(staged);
    }

    /**
     * Starts receiving {@code snapshot} (from a leader of {@code leaderTerm}): a staging container
     * that becomes the LOG container when the snapshot is installed, recorded in META with its
     * progress. A snapshot staged before is abandoned by the caller first.
     */
    SnapshotStaging beginSnapshot(SnapshotMetadata snapshot, long leaderTerm) {
        h.checkOpen();
        if (staged != null) {
            abandonSnapshot(staged);
        }
        UUID uuid = UUID.randomUUID();
        SnapshotProgress progress = SnapshotStaging.start(snapshot, uuid, leaderTerm);
        Container staging = null;
        try {
            h.pool.createContainer(uuid);
            staging = h.pool.openContainer(uuid);
            h.tx.clear();
            StoreFormat.createStructure(h.tx, staging);
            h.tx.createObject(staging, StoreLayout.SCRATCH_OID, KeyOrder.INTEGER, StoreLayout.STRUCTURE_EPOCH);
            addProgress(h.tx, progress);
            h.tx.commit();
        } catch (VosException e) {
            h.tx.clear();
            if (staging != null) {
                staging.close();
            }
            destroyQuietly(uuid);
            throw VosFailures.translate(e, "creating the staging container of snapshot " + snapshot.index());
        }
        staged = new SnapshotStaging(this, progress, staging);
        stagedGivenOut = true;
        return staged;
    }

    /** The owner thread's transaction, for {@link SnapshotStaging}. */
    Transaction transaction() {
        return h.tx;
    }

    int operationsPerTransaction() {
        return h.limits.vosOperationsPerTransactionMax();
    }

    void addProgress(Transaction t, SnapshotProgress progress) {
        h.putMeta(t, StoreLayout.META_SNAPSHOT_IN, MetaRecords.encodeSnapshotProgress(progress));
    }

    /**
     * Installs a received snapshot: its staging container becomes the LOG container, the log
     * becomes empty at the snapshot's index, and the hard state is written with it, all in one
     * META transaction. The old LOG container is destroyed afterwards (a crash before that leaves
     * it to the next {@code RdbStore.open}, which destroys it). The caller stops the background work on
     * the old container first.
     */
    void installSnapshot(SnapshotStaging staging, HardState newHardState) {
        h.checkOpen();
        SnapshotMetadata s = staging.snapshot();
        if (s.index() <= log.durableHardState().commit()) {
            throw new IllegalStateException("replica " + h.replicaId + ": snapshot " + s.index()
                    + " is not past the commit index " + log.hardState().commit());
        }
        HardState hs = new HardState(Math.max(newHardState.term(), s.term()), newHardState.vote(),
                Math.max(newHardState.commit(), s.index()));
        Container next = staging.container;
        try {
            h.tx.clear();
            h.tx.punchObject(next, StoreLayout.SCRATCH_OID, s.index());
            h.tx.update(h.meta, StoreLayout.META_OID, StoreLayout.META_HARD_STATE, StoreLayout.META_EPOCH,
                    MetaRecords.encodeHardState(hs));
            h.tx.update(h.meta, StoreLayout.META_OID, StoreLayout.META_LOG_BOUNDS, StoreLayout.META_EPOCH,
                    MetaRecords.encodeLogBounds(new LogBounds(s, s.index(), s.term())));
            h.tx.update(h.meta, StoreLayout.META_OID, StoreLayout.META_LOG_CONTAINER, StoreLayout.META_EPOCH,
                    MetaRecords.encodeUuid(staging.uuid()));
            h.tx.punch(h.meta, StoreLayout.META_OID, StoreLayout.META_SNAPSHOT_IN, StoreLayout.META_EPOCH);
            h.tx.commit();
        } catch (VosException e) {
            h.tx.clear();
            throw VosFailures.translate(e, "installing snapshot " + s.index());
        }
        staging.container = null;
        staged = null;
        Container old = h.log;
        UUID oldUuid = h.logUuid;
        h.log = next;
        h.logUuid = staging.uuid();
        log.reset(s, hs);
        old.close();
        destroyQuietly(oldUuid);
        LOG.info("replica {}: installed snapshot {}/{} ({})", h.replicaId, s.index(), s.term(), s.membership());
    }

    /** Drops a staging container whose snapshot will not be installed, with its record in META. */
    void abandonSnapshot(SnapshotStaging staging) {
        if (staged == staging) {
            staged = null;
        }
        if (staging.container != null) {
            staging.container.close();
            staging.container = null;
        }
        try {
            if (!h.closed) {
                h.tx.clear();
                h.tx.punch(h.meta, StoreLayout.META_OID, StoreLayout.META_SNAPSHOT_IN, StoreLayout.META_EPOCH);
                h.tx.commit();
            }
        } catch (VosException e) {
            h.tx.clear();
            LOG.warn("replica {}: the record of {} could not be dropped now ({}); the next open will", h.replicaId,
                    staging, e.getMessage());
        }
        destroyQuietly(staging.uuid());
    }

    private void destroyQuietly(UUID uuid) {
        try {
            h.pool.destroyContainer(uuid);
        } catch (VosException e) {
            if (e.error() != VosError.NONEXIST) {
                LOG.warn("replica {}: container {} could not be destroyed now ({}); the next open will", h.replicaId,
                        uuid, e.getMessage());
            }
        }
    }

    /** At close: the staged copy stays, with its progress, for the next open to resume. */
    void closeStaged() {
        if (staged != null && staged.container != null) {
            staged.container.close();
        }
    }
}
