package org.vostok.rdb.store;

import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vostok.raft.HardState;
import org.vostok.raft.Membership;
import org.vostok.raft.RaftNode;
import org.vostok.raft.SnapshotMetadata;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.model.ReplicaIds;
import org.vostok.rdb.store.MetaRecords.LogBounds;
import org.vostok.vos.Container;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.Pool;
import org.vostok.vos.Transaction;
import org.vostok.vos.VosException;

/** Formatting an empty pool as a replica's store: META, the first LOG container, the founding snapshot's tree. */
final class StoreFormat {

    private static final Logger LOG = LoggerFactory.getLogger(StoreFormat.class);

    private StoreFormat() {
    }

    /**
     * Makes an empty pool the store of replica {@code replicaId}. With {@code founding}, the
     * replica is a founding member of a new cluster with that first membership: its log starts
     * at the founding snapshot (index 1, term 1, an empty tree). Without it, the replica starts
     * empty and joins a cluster that adds it: the leader sends it a snapshot first.
     */
    static void format(Pool pool, long replicaId, Optional<Membership> founding) {
        Objects.requireNonNull(pool, "pool");
        if (replicaId <= 0) {
            throw new RdbException(RdbError.INVAL, "a replica id must be above 0, got " + replicaId);
        }
        SnapshotMetadata base = founding.map(StoreFormat::foundingSnapshot).orElse(SnapshotMetadata.EMPTY);
        HardState hs = founding.isPresent() ? new HardState(base.term(), RaftNode.NONE, base.index()) : HardState.EMPTY;
        try {
            if (!pool.listContainers().isEmpty()) {
                throw new RdbException(RdbError.EXIST, "pool " + pool.path() + " holds " + pool.listContainers().size()
                        + " containers already; a replica needs an empty pool of its own");
            }
            UUID logUuid = UUID.randomUUID();
            pool.createContainer(StoreLayout.META_CONTAINER);
            pool.createContainer(logUuid);
            try (Container meta = pool.openContainer(StoreLayout.META_CONTAINER);
                 Container log = pool.openContainer(logUuid);
                 Transaction t = pool.newTransaction()) {
                t.createObject(meta, StoreLayout.META_OID, KeyOrder.LEXICAL, StoreLayout.STRUCTURE_EPOCH);
                createStructure(t, log);
                if (founding.isPresent()) {
                    writeFoundingRanks(t, log, founding.get(), base.index());
                }
                long e = StoreLayout.META_EPOCH;
                t.update(meta, StoreLayout.META_OID, StoreLayout.META_REPLICA, e, MetaRecords.encodeReplica(replicaId));
                t.update(meta, StoreLayout.META_OID, StoreLayout.META_HARD_STATE, e, MetaRecords.encodeHardState(hs));
                t.update(meta, StoreLayout.META_OID, StoreLayout.META_LOG_BOUNDS, e,
                        MetaRecords.encodeLogBounds(new LogBounds(base, base.index(), base.term())));
                t.update(meta, StoreLayout.META_OID, StoreLayout.META_LOG_CONTAINER, e, MetaRecords.encodeUuid(logUuid));
                // The layout record goes in the same transaction: its presence means the format finished.
                t.update(meta, StoreLayout.META_OID, StoreLayout.META_LAYOUT, e,
                        MetaRecords.encodeLayout(StoreLayout.LAYOUT_VERSION));
                t.commit();
            }
        } catch (VosException e) {
            throw VosFailures.translate(e, "formatting pool " + pool.path() + " for replica " + replicaId);
        }
        LOG.info("formatted pool {} for replica {}{}", pool.path(), replicaId,
                founding.map(m -> " founding a cluster of " + m).orElse(" (to join a cluster)"));
    }

    /** The founding snapshot of a cluster whose first membership is {@code membership}. */
    public static SnapshotMetadata foundingSnapshot(Membership membership) {
        if (membership.voterCount() == 0) {
            throw new RdbException(RdbError.INVAL, "a new cluster needs at least one voter, got " + membership);
        }
        return new SnapshotMetadata(1, 1, membership);
    }

    /**
     * The founding members' rank records, in the founding snapshot's tree (the same on every
     * founding member): their ids count as added, so none is ever added again.
     */
    private static void writeFoundingRanks(Transaction t, Container log, Membership founding, long epoch) {
        long generation = 0;
        for (long[] ids : new long[][] {founding.voters(), founding.learners()}) {
            for (long id : ids) {
                t.update(log, StoreLayout.SYSTEM_OID, StoreLayout.rankKey(ReplicaIds.rank(id)), epoch,
                        RankRecords.encode(new RankRecords.Rank(ReplicaIds.generation(id), true)));
                generation = Math.max(generation, ReplicaIds.generation(id));
            }
        }
        if (generation > 0) {
            t.update(log, StoreLayout.SYSTEM_OID, StoreLayout.SYSTEM_REPLICA_GENERATION, epoch,
                    RankRecords.encodeCounter(generation));
        }
    }

    static void createStructure(Transaction t, Container log) {
        long e = StoreLayout.STRUCTURE_EPOCH;
        t.createObject(log, StoreLayout.SYSTEM_OID, KeyOrder.LEXICAL, e);
        t.createObject(log, StoreLayout.REQUESTS_OID, KeyOrder.LEXICAL, e);
        t.createObject(log, StoreLayout.TERMS_OID, KeyOrder.INTEGER, e);
        t.createObject(log, StoreLayout.REQUEST_RECORDS_OID, KeyOrder.INTEGER, e);
    }
}
