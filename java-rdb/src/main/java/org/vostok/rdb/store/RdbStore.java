package org.vostok.rdb.store;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vostok.raft.Entry;
import org.vostok.raft.HardState;
import org.vostok.raft.LogStorage;
import org.vostok.raft.Membership;
import org.vostok.raft.SnapshotMetadata;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.store.MetaRecords.LogBounds;
import org.vostok.rdb.store.MetaRecords.SnapshotProgress;
import org.vostok.vos.Container;
import org.vostok.vos.Key;
import org.vostok.vos.Pool;
import org.vostok.vos.PoolInfo;
import org.vostok.vos.Scrub;
import org.vostok.vos.Transaction;
import org.vostok.vos.VosError;
import org.vostok.vos.VosException;
import org.vostok.vos.VosLimits;

/**
 * A replica's durable state in one VOS pool (layout in {@link StoreLayout}): the Raft log and
 * hard state, read by the Raft core through {@link LogStorage}, and the KV tree, which entries
 * change <b>when they are appended</b>, at epoch = their index. Queries read at a committed
 * epoch ({@link #reader(long)}), so effects of entries not yet committed are never seen, and a
 * truncation of the log is one VOS discard from the first index replaced.
 *
 * <p>{@link #persist} writes one Ready's entries and hard state in one VOS transaction (a batch
 * too large for one is split at entry boundaries, each part consistent on its own): the
 * truncation, each entry's record and tree changes, the term runs, the request records, and the
 * META records. Each entry is validated against the tree as the entries before it left it; one
 * whose updates cannot apply is written with its failure and no changes, the same on every
 * replica.
 *
 * <p>Compaction ({@link #compact}) moves the log's base forward: the segments and entries at or
 * below it are punched, and a background aggregation ({@link #aggregate}) later frees them with
 * every version the tree no longer needs below the base. Snapshots are read from the tree at
 * their index ({@link #snapshotSource}) and received into a staging container
 * ({@link SnapshotStaging}) that becomes the LOG container when installed.
 *
 * <p>The work is shared out by job: {@link LogStore} (the log and hard state, persist,
 * compaction), {@link TreeStore} (validation, readers, aggregation), {@link SnapshotStore}
 * (snapshots both ways), {@link StoreFormat} (formatting a pool); this class opens and closes the
 * store and is what the replica and the Raft core see.
 *
 * <p>Thread-safety: writes and the {@link LogStorage} methods belong to the replica's owner
 * thread. {@link #reader(long)} may be called from any thread and its reader used there.
 * {@link #aggregate}, {@link #pruneRequests} and {@link #snapshotSource}'s reads run on the
 * replica's background threads: they write only below the base, with transactions of their own.
 */
public final class RdbStore implements LogStorage, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RdbStore.class);

    /** The largest entry data the store can hold: one VOS value less the entry record's header. */
    public static final int ENTRY_BYTES_MAX = VosLimits.VALUE_BYTES_MAX - EntryRecord.HEADER_BYTES;

    private final StoreHandles h;
    private final LogStore log;
    private final TreeStore tree;
    private final SnapshotStore snapshots;

    private RdbStore(Pool pool, StoreLimits limits, Container meta, long replicaId) {
        this.h = new StoreHandles(pool, limits, meta, replicaId);
        EntryPlanner planner = new EntryPlanner(limits.vosOperationsPerEntryMax(), limits.requestRetentionEntries());
        this.log = new LogStore(h, planner);
        this.tree = new TreeStore(h, planner, log);
        this.snapshots = new SnapshotStore(h, log);
    }

    // ----------------------------------------------------------------------------------------
    // Format and open

    /**
     * Makes an empty pool the store of replica {@code replicaId}. With {@code founding}, the
     * replica is a founding member of a new cluster with that first membership: its log starts
     * at the founding snapshot (index 1, term 1, an empty tree). Without it, the replica starts
     * empty and joins a cluster that adds it: the leader sends it a snapshot first.
     */
    public static void format(Pool pool, long replicaId, Optional<Membership> founding) {
        StoreFormat.format(pool, replicaId, founding);
    }

    /** The founding snapshot of a cluster whose first membership is {@code membership}. */
    public static SnapshotMetadata foundingSnapshot(Membership membership) {
        return StoreFormat.foundingSnapshot(membership);
    }

    /** Opens the store of a formatted pool and makes it ready for the Raft core. */
    public static RdbStore open(Pool pool, StoreLimits limits) {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(limits, "limits");
        Container meta;
        try {
            meta = pool.openContainer(StoreLayout.META_CONTAINER);
        } catch (VosException e) {
            if (e.error() == VosError.NONEXIST) {
                throw new RdbException(RdbError.NONEXIST, "pool " + pool.path() + " holds no rdb replica: format it"
                        + " first (RdbStore.format, or Replica.bootstrap / Replica.formatJoining)", e);
            }
            throw VosFailures.translate(e, "opening pool " + pool.path());
        }
        try {
            byte[] layout = readMeta(meta, StoreLayout.META_LAYOUT).orElseThrow(() -> new RdbException(
                    RdbError.CORRUPT, "pool " + pool.path() + " was not completely formatted (its format was"
                    + " interrupted); destroy the pool file and format it again"));
            int version = MetaRecords.decodeLayout(layout);
            if (version != StoreLayout.LAYOUT_VERSION) {
                throw new RdbException(RdbError.INVAL, "pool " + pool.path() + " has rdb layout " + version
                        + "; this version reads layout " + StoreLayout.LAYOUT_VERSION + " only"
                        + (version < StoreLayout.LAYOUT_VERSION ? " (layout " + version + " was written by an"
                        + " earlier version): run the version that wrote it, or remove this replica from its"
                        + " group, destroy the pool and add the replica again, to be rebuilt from a snapshot of"
                        + " the others" : " (written by a newer version): run that version"));
            }
            long replicaId = MetaRecords.decodeReplica(required(meta, StoreLayout.META_REPLICA, "replica id"));
            RdbStore store = new RdbStore(pool, limits, meta, replicaId);
            try {
                store.load();
            } catch (RuntimeException e) {
                store.closeQuietly();
                throw e;
            }
            return store;
        } catch (VosException e) {
            meta.close();
            throw VosFailures.translate(e, "opening the store in pool " + pool.path());
        } catch (RuntimeException e) {
            meta.close();
            throw e;
        }
    }

    private void load() {
        Container meta = h.meta;
        HardState hs = MetaRecords.decodeHardState(required(meta, StoreLayout.META_HARD_STATE, "hard state"));
        LogBounds bounds = MetaRecords.decodeLogBounds(required(meta, StoreLayout.META_LOG_BOUNDS, "log bounds"));
        h.logUuid = MetaRecords.decodeUuid(required(meta, StoreLayout.META_LOG_CONTAINER, "log container"));
        Optional<SnapshotProgress> incoming = readMeta(meta, StoreLayout.META_SNAPSHOT_IN)
                .map(MetaRecords::decodeSnapshotProgress);
        List<UUID> containers = h.pool.listContainers();
        if (incoming.isPresent() && (incoming.get().snapshot().index() <= hs.commit()
                || !containers.contains(incoming.get().container()) || incoming.get().container().equals(h.logUuid))) {
            LOG.info("replica {}: dropping the record of incoming snapshot {}, which is of no use now", h.replicaId,
                    incoming.get().snapshot().index());
            try (Transaction t = h.pool.newTransaction()) {
                t.punch(meta, StoreLayout.META_OID, StoreLayout.META_SNAPSHOT_IN, StoreLayout.META_EPOCH).commit();
            }
            incoming = Optional.empty();
        }
        for (UUID c : containers) {
            boolean staged = incoming.isPresent() && c.equals(incoming.get().container());
            if (!c.equals(StoreLayout.META_CONTAINER) && !c.equals(h.logUuid) && !staged) {
                // A staging container left by a restart before its snapshot was recorded or installed.
                LOG.info("replica {}: destroying container {}, left by an unfinished snapshot", h.replicaId, c);
                h.pool.destroyContainer(c);
            }
        }
        if (incoming.isPresent()) {
            SnapshotStaging staged = new SnapshotStaging(snapshots, incoming.get(),
                    h.pool.openContainer(incoming.get().container()));
            snapshots.found(staged);
            LOG.info("replica {}: resuming the {}", h.replicaId, staged);
        }
        h.log = h.pool.openContainer(h.logUuid);
        log.load(bounds, hs);
        LOG.info("replica {}: opened {} with log ({}, {}] (last term {}), {}", h.replicaId, h.pool.path(),
                log.snapshot().index(), log.lastIndex(), log.lastTerm(), hs);
    }

    private static Optional<byte[]> readMeta(Container meta, Key key) {
        try {
            return meta.fetch(StoreLayout.META_OID, key, StoreLayout.META_EPOCH);
        } catch (VosException e) {
            if (e.error() == VosError.NONEXIST) {
                return Optional.empty(); // the META object itself is missing: an interrupted format
            }
            throw e;
        }
    }

    private static byte[] required(Container meta, Key key, String what) {
        return readMeta(meta, key).orElseThrow(() -> MetaRecords.corrupt(what, "it is missing"));
    }

    // ----------------------------------------------------------------------------------------
    // LogStorage: what the Raft core reads

    @Override
    public HardState hardState() {
        return log.hardState();
    }

    @Override
    public SnapshotMetadata snapshot() {
        return log.snapshot();
    }

    @Override
    public long firstIndex() {
        return log.firstIndex();
    }

    @Override
    public long lastIndex() {
        return log.lastIndex();
    }

    @Override
    public long term(long index) {
        return log.term(index);
    }

    @Override
    public List<Entry> entries(long from, long toExclusive, long bytesMax) {
        return log.entries(from, toExclusive, bytesMax);
    }

    // ----------------------------------------------------------------------------------------
    // The owner thread's writes

    /**
     * Writes {@code entries} (truncating the log from the first one's index when it is not past
     * the end) and {@code newHardState}, applying each entry's updates to the tree at epoch =
     * its index. Returns the outcome of each entry that carried a transaction. A failure is a
     * {@link PersistException}, which says up to which index the batch is durable.
     *
     * <p>A hard state that changes only the commit index is kept in memory and written with the
     * next entries or at {@link #close()}: Raft's commit index is volatile state (Figure 2), and
     * a restart re-learns it, so a write per commit advance would buy nothing.
     */
    public List<EntryOutcome> persist(List<Entry> entries, Optional<HardState> newHardState, PlanSource plans) {
        return log.persist(entries, newHardState, plans);
    }

    /**
     * Compacts the log up to {@code index} (applied here; at or below the commit index): the
     * base moves to it, with {@code membership} (the one in force there), in META first, and the
     * entries at or below it are then punched (whole segments as objects, the rest of a segment
     * key by key) with the term runs they no longer need, at epoch {@code index}. The space comes
     * back when {@link #aggregate} runs up to the base. The Raft core sees the new first index at
     * once. Returns false when the base is at or past {@code index} already.
     */
    public boolean compact(long index, Membership membership) {
        return log.compact(index, membership);
    }

    // ----------------------------------------------------------------------------------------
    // The tree

    /**
     * A validator of transactions against the tree as the last persisted entry left it, for the
     * leader to check a transaction before it proposes it. Valid until the next persist.
     */
    public Validator validator() {
        return tree.validator();
    }

    /** A reader of the tree at {@code epoch}, a committed index that this store holds. */
    public TreeReader reader(long epoch) {
        return tree.reader(epoch);
    }

    /**
     * Aggregates the LOG container up to {@code upTo} (at or below the base, and below every
     * epoch still read), {@code sliceKeys} keys per slice, each slice its own transaction, for as
     * long as {@code keepGoing} says; on the maintenance thread. After each slice that did not
     * finish, {@code afterSlice} is given the nanoseconds it took. Returns true when it finished.
     */
    public boolean aggregate(long upTo, int sliceKeys, BooleanSupplier keepGoing, LongConsumer afterSlice) {
        return tree.aggregate(upTo, sliceKeys, keepGoing, afterSlice);
    }

    /**
     * Drops the request records that no epoch at or after {@code base} can see any more, on the
     * maintenance thread; returns how many were dropped. After each transaction but the last,
     * {@code afterSlice} is given the nanoseconds it took.
     */
    public int pruneRequests(long base, BooleanSupplier keepGoing, LongConsumer afterSlice) {
        return tree.pruneRequests(base, keepGoing, afterSlice);
    }

    // ----------------------------------------------------------------------------------------
    // Snapshots

    /** The content of {@code snapshot}, the tree at its index, to send in chunks. */
    public SnapshotSource snapshotSource(SnapshotMetadata snapshot) {
        return snapshots.snapshotSource(snapshot);
    }

    /** The snapshot that was coming in before the last restart, to resume; given out once. */
    public Optional<SnapshotStaging> resumableSnapshot() {
        return snapshots.resumableSnapshot();
    }

    /** Starts receiving {@code snapshot} from a leader of {@code leaderTerm} in a staging container. */
    public SnapshotStaging beginSnapshot(SnapshotMetadata snapshot, long leaderTerm) {
        return snapshots.beginSnapshot(snapshot, leaderTerm);
    }

    /**
     * Installs a received snapshot: its staging container becomes the LOG container, the log
     * becomes empty at the snapshot's index, and the hard state is written with it, all in one
     * META transaction. The caller stops the background work on the old container first.
     */
    public void installSnapshot(SnapshotStaging staging, HardState newHardState) {
        snapshots.installSnapshot(staging, newHardState);
    }

    /** Drops a staging container whose snapshot will not be installed, with its record in META. */
    public void abandonSnapshot(SnapshotStaging staging) {
        snapshots.abandonSnapshot(staging);
    }

    // ----------------------------------------------------------------------------------------
    // About

    public long replicaId() {
        return h.replicaId;
    }

    /** The pool file's path, for messages. */
    public java.nio.file.Path poolPath() {
        return h.pool.path();
    }

    /**
     * Starts a scrub pass over the whole pool (every structure's checksum and invariants), to run
     * in slices on the maintenance thread; the caller closes it.
     */
    public Scrub startScrub() {
        return h.pool.startScrub();
    }

    /** Total and free bytes of the pool, for space checks. */
    public PoolInfo poolInfo() {
        return h.pool.query();
    }

    // ----------------------------------------------------------------------------------------
    // Close

    /** Writes a commit index kept in memory, then closes the containers (not the pool: it is the caller's). */
    @Override
    public void close() {
        if (h.closed) {
            return;
        }
        try {
            if (h.pool.isOpen()) {
                log.writeLazyCommit();
            }
        } catch (RuntimeException e) {
            LOG.warn("replica {}: the last commit index could not be written at close: {}", h.replicaId,
                    e.getMessage());
        }
        closeQuietly();
    }

    /**
     * Closes the containers without writing anything, as a crash of the process leaves the pool:
     * a commit index kept in memory is lost (a restart learns it again). For simulations of a
     * crash; {@link #close()} otherwise.
     */
    public void crash() {
        if (!h.closed) {
            closeQuietly();
        }
    }

    private void closeQuietly() {
        h.closed = true;
        snapshots.closeStaged(); // the staged copy stays, with its progress: the next open resumes it
        h.tx.close();
        if (h.log != null) {
            h.log.close();
        }
        h.meta.close();
    }
}
