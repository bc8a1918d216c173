package org.vostok.rdb.store;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vostok.raft.Entry;
import org.vostok.raft.EntryType;
import org.vostok.raft.HardState;
import org.vostok.raft.LogStorage;
import org.vostok.raft.Membership;
import org.vostok.raft.MembershipChange;
import org.vostok.raft.RaftNode;
import org.vostok.raft.SnapshotMetadata;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.model.ReplicaIds;
import org.vostok.rdb.store.MetaRecords.LogBounds;
import org.vostok.rdb.store.MetaRecords.SnapshotProgress;
import org.vostok.vos.Aggregation;
import org.vostok.vos.Container;
import org.vostok.vos.FetchRequest;
import org.vostok.vos.FetchResult;
import org.vostok.vos.Iteration;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.Pool;
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
 * <p>Thread-safety: writes and the {@link LogStorage} methods belong to the replica's owner
 * thread. {@link #reader(long)} may be called from any thread and its reader used there.
 * {@link #aggregate}, {@link #pruneRequests} and {@link #snapshotSource}'s reads run on the
 * replica's background threads: they write only below the base, with transactions of their own.
 */
public final class RdbStore implements LogStorage, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RdbStore.class);

    /** The largest entry data the store can hold: one VOS value less the entry record's header. */
    public static final int ENTRY_BYTES_MAX = VosLimits.VALUE_BYTES_MAX - EntryRecord.HEADER_BYTES;

    /** Entries fetched from the pool per call when the cache does not hold them. */
    private static final int FETCH_BATCH_ENTRIES = 256;
    /** META records a persist transaction may write besides the entries (hard state, bounds). */
    private static final int META_OPERATIONS = 2;

    private final Pool pool;
    private final StoreLimits limits;
    private final EntryPlanner planner;
    private final Container meta;
    private final Transaction tx;
    private final long replicaId;

    private volatile Container log;
    private UUID logUuid;

    /** The hard state as the core last asked for it; its commit may be ahead of the durable one. */
    private HardState hardState;
    /** The hard state in the pool. Invariant: same term and vote as {@link #hardState}. */
    private HardState durableHardState;
    private SnapshotMetadata base;
    private long lastIndex;
    private long lastTerm;
    /** Where each run of one term starts, for the entries in (base, last]; before the first run the term is the base's. */
    private final TreeMap<Long, Long> termRuns = new TreeMap<>();
    private final EntryCache cache;
    /** Invariant: every segment from the one of base + 1 up to this one exists in LOG. */
    private long highestSegment = -1;
    /** The snapshot being staged (its container is open), if any: found at open, or begun since. */
    private SnapshotStaging staged;
    /** Whether {@link #resumableSnapshot()} gave out the one found at open. */
    private boolean stagedGivenOut;
    private volatile boolean closed;

    private RdbStore(Pool pool, StoreLimits limits, Container meta, long replicaId) {
        this.pool = pool;
        this.limits = limits;
        this.planner = new EntryPlanner(limits.vosOperationsPerEntryMax(), limits.requestRetentionEntries());
        this.meta = meta;
        this.replicaId = replicaId;
        this.tx = pool.newTransaction();
        this.cache = new EntryCache(limits.entryCacheBytesMax());
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
        Objects.requireNonNull(pool, "pool");
        if (replicaId <= 0) {
            throw new RdbException(RdbError.INVAL, "a replica id must be above 0, got " + replicaId);
        }
        SnapshotMetadata base = founding.map(RdbStore::foundingSnapshot).orElse(SnapshotMetadata.EMPTY);
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

    private static void createStructure(Transaction t, Container log) {
        long e = StoreLayout.STRUCTURE_EPOCH;
        t.createObject(log, StoreLayout.SYSTEM_OID, KeyOrder.LEXICAL, e);
        t.createObject(log, StoreLayout.REQUESTS_OID, KeyOrder.LEXICAL, e);
        t.createObject(log, StoreLayout.TERMS_OID, KeyOrder.INTEGER, e);
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
                        + "; this version reads layout " + StoreLayout.LAYOUT_VERSION + " only");
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
        HardState hs = MetaRecords.decodeHardState(required(meta, StoreLayout.META_HARD_STATE, "hard state"));
        LogBounds bounds = MetaRecords.decodeLogBounds(required(meta, StoreLayout.META_LOG_BOUNDS, "log bounds"));
        logUuid = MetaRecords.decodeUuid(required(meta, StoreLayout.META_LOG_CONTAINER, "log container"));
        Optional<SnapshotProgress> incoming = readMeta(meta, StoreLayout.META_SNAPSHOT_IN)
                .map(MetaRecords::decodeSnapshotProgress);
        List<UUID> containers = pool.listContainers();
        if (incoming.isPresent() && (incoming.get().snapshot().index() <= hs.commit()
                || !containers.contains(incoming.get().container()) || incoming.get().container().equals(logUuid))) {
            LOG.info("replica {}: dropping the record of incoming snapshot {}, which is of no use now", replicaId,
                    incoming.get().snapshot().index());
            try (Transaction t = pool.newTransaction()) {
                t.punch(meta, StoreLayout.META_OID, StoreLayout.META_SNAPSHOT_IN, StoreLayout.META_EPOCH).commit();
            }
            incoming = Optional.empty();
        }
        for (UUID c : containers) {
            boolean staged = incoming.isPresent() && c.equals(incoming.get().container());
            if (!c.equals(StoreLayout.META_CONTAINER) && !c.equals(logUuid) && !staged) {
                // A staging container left by a restart before its snapshot was recorded or installed.
                LOG.info("replica {}: destroying container {}, left by an unfinished snapshot", replicaId, c);
                pool.destroyContainer(c);
            }
        }
        if (incoming.isPresent()) {
            staged = new SnapshotStaging(this, incoming.get(), pool.openContainer(incoming.get().container()));
            LOG.info("replica {}: resuming the {}", replicaId, staged);
        }
        log = pool.openContainer(logUuid);
        base = bounds.base();
        lastIndex = bounds.lastIndex();
        lastTerm = bounds.lastTerm();
        // Each persist is one VOS transaction, so nothing partial can follow the last entry; the
        // discard is a cheap guarantee that nothing above it is ever read as replicated state.
        log.discard(lastIndex + 1);
        loadTermRuns();
        if (lastIndex > base.index()) {
            highestSegment = StoreLayout.segmentOf(lastIndex);
            Entry last = readEntries(lastIndex, lastIndex + 1, Long.MAX_VALUE).get(0);
            if (last.term() != lastTerm) {
                throw new RdbException(RdbError.CORRUPT, "the last log entry " + lastIndex + " has term " + last.term()
                        + " but the log bounds say " + lastTerm + "; restore this replica from the others");
            }
        }
        if (hs.commit() > lastIndex || hs.term() < lastTerm) {
            throw new RdbException(RdbError.CORRUPT, "the hard state (" + hs + ") does not fit the log (last "
                    + lastIndex + "/" + lastTerm + "); restore this replica from the others");
        }
        hardState = hs;
        durableHardState = hs;
        LOG.info("replica {}: opened {} with log ({}, {}] (last term {}), {}", replicaId, pool.path(),
                base.index(), lastIndex, lastTerm, hs);
    }

    private void loadTermRuns() {
        termRuns.clear();
        log.iterate(org.vostok.vos.Iteration.forward(StoreLayout.TERMS_OID, VosLimits.EPOCH_MAX)
                .after(Key.of(base.index())), r -> {
                    byte[] v = r.value();
                    if (v.length != 8) {
                        throw new RdbException(RdbError.CORRUPT, "the term run at " + r.integerKey() + " has "
                                + v.length + " bytes instead of 8; restore this replica from the others");
                    }
                    termRuns.put(r.integerKey(), ByteBuffer.wrap(v).getLong());
                    return true;
                });
        if (!termRuns.isEmpty() && termRuns.lastKey() > lastIndex) {
            throw new RdbException(RdbError.CORRUPT, "a term run starts at " + termRuns.lastKey()
                    + ", past the last entry " + lastIndex);
        }
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
        return hardState;
    }

    @Override
    public SnapshotMetadata snapshot() {
        return base;
    }

    @Override
    public long firstIndex() {
        return base.index() + 1;
    }

    @Override
    public long lastIndex() {
        return lastIndex;
    }

    @Override
    public long term(long index) {
        if (index == base.index()) {
            return base.term();
        }
        if (index < base.index() || index > lastIndex) {
            throw new IndexOutOfBoundsException("index " + index + " is outside the log [" + base.index() + ", "
                    + lastIndex + "]");
        }
        Map.Entry<Long, Long> run = termRuns.floorEntry(index);
        return run == null ? base.term() : run.getValue();
    }

    @Override
    public List<Entry> entries(long from, long toExclusive, long bytesMax) {
        if (from < firstIndex() || toExclusive > lastIndex + 1 || from >= toExclusive) {
            throw new IndexOutOfBoundsException("entries [" + from + ", " + toExclusive + ") are outside the log ["
                    + firstIndex() + ", " + lastIndex + "]");
        }
        return readEntries(from, toExclusive, bytesMax);
    }

    private List<Entry> readEntries(long from, long toExclusive, long bytesMax) {
        List<Entry> out = new ArrayList<>();
        long[] bytes = {0};
        long i = from;
        while (i < toExclusive) {
            Entry cached = cache.get(i);
            if (cached != null) {
                if (!add(out, bytes, cached, bytesMax)) {
                    break;
                }
                i++;
                continue;
            }
            long end = Math.min(Math.min(toExclusive, cache.firstIndex()), i + FETCH_BATCH_ENTRIES);
            List<Entry> fetched = fetchEntries(i, end);
            boolean full = false;
            for (Entry e : fetched) {
                if (!add(out, bytes, e, bytesMax)) {
                    full = true;
                    break;
                }
            }
            if (full) {
                break;
            }
            i = end;
        }
        return List.copyOf(out);
    }

    private static boolean add(List<Entry> out, long[] bytes, Entry e, long bytesMax) {
        if (!out.isEmpty() && bytes[0] + e.sizeBytes() > bytesMax) {
            return false;
        }
        out.add(e);
        bytes[0] += e.sizeBytes();
        return true;
    }

    private List<Entry> fetchEntries(long from, long toExclusive) {
        List<FetchRequest> requests = new ArrayList<>((int) (toExclusive - from));
        for (long i = from; i < toExclusive; i++) {
            requests.add(FetchRequest.of(StoreLayout.segmentOid(StoreLayout.segmentOf(i)), i, VosLimits.EPOCH_MAX));
        }
        List<FetchResult> results;
        try {
            results = log.fetch(requests);
        } catch (VosException e) {
            throw VosFailures.translate(e, "reading log entries [" + from + ", " + toExclusive + ")");
        }
        List<Entry> out = new ArrayList<>(results.size());
        for (int k = 0; k < results.size(); k++) {
            long index = from + k;
            FetchResult r = results.get(k);
            if (r instanceof FetchResult.Failed f) {
                throw VosFailures.translate(f.exception(), "reading log entry " + index);
            }
            byte[] raw = r.value().orElseThrow(() -> new RdbException(RdbError.CORRUPT, "log entry " + index
                    + " is missing from the pool though the log runs to " + lastIndex
                    + "; restore this replica from the others"));
            Entry e = EntryRecord.decode(index, raw).entry();
            if (e.term() != term(index)) {
                throw new RdbException(RdbError.CORRUPT, "log entry " + index + " has term " + e.term()
                        + " but the term runs say " + term(index) + "; restore this replica from the others");
            }
            out.add(e);
        }
        return out;
    }

    // ----------------------------------------------------------------------------------------
    // Persist: one Ready's entries and hard state

    /**
     * Writes {@code entries} (truncating the log from the first one's index when it is not past
     * the end) and {@code newHardState}, applying each entry's updates to the tree at epoch =
     * its index. Returns the outcome of each entry that carried a transaction.
     *
     * <p>A hard state that changes only the commit index is kept in memory and written with the
     * next entries or at {@link #close()}: Raft's commit index is volatile state (Figure 2), and
     * a restart re-learns it, so a write per commit advance would buy nothing.
     */
    public List<EntryOutcome> persist(List<Entry> entries, Optional<HardState> newHardState, PlanSource plans) {
        checkOpen();
        HardState hs = newHardState.orElse(hardState);
        if (hs.commit() < hardState.commit() || hs.term() < hardState.term()) {
            throw new IllegalStateException("replica " + replicaId + ": hard state would move back from "
                    + hardState + " to " + hs);
        }
        if (entries.isEmpty()) {
            if (hs.term() != durableHardState.term() || hs.vote() != durableHardState.vote()) {
                try {
                    writeHardState(hs);
                } catch (RdbException e) {
                    throw new PersistException(e, lastIndex);
                }
            }
            hardState = hs;
            return List.of();
        }
        long first = entries.get(0).index();
        if (first <= base.index() || first > lastIndex + 1) {
            throw new IllegalStateException("replica " + replicaId + ": entries from " + first
                    + " cannot be written to the log (" + base.index() + ", " + lastIndex + "]");
        }
        for (int k = 1; k < entries.size(); k++) {
            if (entries.get(k).index() != first + k) {
                throw new IllegalStateException("entries to write are not consecutive at " + entries.get(k));
            }
        }
        if (first <= lastIndex && first <= hardState.commit()) {
            throw new IllegalStateException("replica " + replicaId + ": a write from " + first
                    + " would truncate committed entries (commit " + hardState.commit() + ")");
        }
        return new Batch(entries, hs, plans).write();
    }

    /** One persist: its entries, written in one or more VOS transactions. */
    private final class Batch {
        private final List<Entry> entries;
        private final HardState hs;
        private final PlanSource plans;
        private final Overlay tree;
        private final List<EntryOutcome> outcomes = new ArrayList<>();

        // The part being collected into the transaction.
        private long partFirst;
        private boolean partTruncates;
        private final List<Entry> partEntries = new ArrayList<>();
        private final TreeMap<Long, Long> partRuns = new TreeMap<>();
        private long partHighestSegment;
        private long prevTerm;
        /** The batch's last entry durable so far; below its first while no part is. */
        private long writtenThrough;

        Batch(List<Entry> entries, HardState hs, PlanSource plans) {
            this.entries = entries;
            this.hs = hs;
            this.plans = plans;
            long first = entries.get(0).index();
            // Validation reads the tree as the entry before the first one left it: below a
            // truncation, the epochs being replaced are not seen.
            this.tree = new Overlay(new VosTreeView(log, first - 1));
            this.partFirst = first;
            this.partTruncates = first <= lastIndex;
            this.partHighestSegment = highestSegment;
            this.prevTerm = term(first - 1);
            this.writtenThrough = first - 1;
        }

        /** Writes the batch; a failure says how far it got ({@link PersistException#writtenThrough()}). */
        List<EntryOutcome> write() {
            tx.clear();
            try {
                if (partTruncates) {
                    tx.discard(log, partFirst);
                }
                for (Entry e : entries) {
                    add(e);
                }
                commitPart(hs);
            } catch (VosException e) {
                tx.clear();
                throw new PersistException(VosFailures.translate(e, "persisting log entries [" + entries.get(0).index()
                        + ", " + entries.get(entries.size() - 1).index() + "]"), writtenThrough);
            } catch (RuntimeException e) {
                tx.clear();
                throw e;
            }
            return outcomes;
        }

        private void add(Entry e) {
            EntryPlan plan = null;
            if (e.type() == EntryType.NORMAL && e.data().length > 0) {
                plan = plans.take(e.index(), e.term()).orElseGet(() -> planner.plan(tree, e.data(), e.index()));
            }
            int needed = 4 + (plan == null ? 0 : plan.vosOperations() + 1);
            if (!partEntries.isEmpty() && tx.size() + needed + META_OPERATIONS > limits.vosOperationsPerTransactionMax()) {
                // The batch is too large for one transaction: write what is collected, with the
                // log bounds and a commit index that cover only it, and go on in another.
                long partLast = partEntries.get(partEntries.size() - 1).index();
                commitPart(new HardState(hs.term(), hs.vote(), Math.min(hs.commit(), partLast)));
                tx.clear();
                partFirst = e.index();
                partTruncates = false;
            }
            long segment = StoreLayout.segmentOf(e.index());
            if (segment > partHighestSegment) {
                if (!segmentExists(segment)) {
                    tx.createObject(log, StoreLayout.segmentOid(segment), KeyOrder.INTEGER, StoreLayout.STRUCTURE_EPOCH);
                }
                partHighestSegment = segment;
            }
            if (e.term() != prevTerm) {
                tx.update(log, StoreLayout.TERMS_OID, e.index(), e.index(), ByteBuffer.allocate(8).putLong(e.term()).array());
                partRuns.put(e.index(), e.term());
            }
            Optional<RdbError> failure = Optional.empty();
            if (plan != null) {
                failure = plan.failure().map(PlanFailure::error);
                plan.writeTo(tx, log, e.index());
                byte[] request = RequestRecords.encode(e.index(), failure);
                if (plan.recordsRequest()) {
                    tx.update(log, StoreLayout.REQUESTS_OID, RequestRecords.key(plan.requestId().orElseThrow()),
                            e.index(), request);
                }
                plan.mergeInto(tree, request);
                outcomes.add(new EntryOutcome(e.index(), e.term(), plan.failure()));
            }
            if (e.type() == EntryType.MEMBERSHIP) {
                addMembership(e);
            }
            tx.update(log, StoreLayout.segmentOid(segment), e.index(), e.index(), EntryRecord.header(e, failure), e.data());
            partEntries.add(e);
            prevTerm = e.term();
        }

        /** An entry that adds a replica marks its id as added in its rank's record, so it is never added again. */
        private void addMembership(Entry e) {
            MembershipChange c = MembershipChange.decode(e.data());
            if (c.type() == MembershipChange.Type.ADD_VOTER || c.type() == MembershipChange.Type.ADD_LEARNER) {
                byte[] record = RankRecords.encode(new RankRecords.Rank(ReplicaIds.generation(c.node()), true));
                Key key = StoreLayout.rankKey(ReplicaIds.rank(c.node()));
                tx.update(log, StoreLayout.SYSTEM_OID, key, e.index(), record);
                tree.put(StoreLayout.SYSTEM_OID, key, record);
            }
        }

        private void commitPart(HardState partHs) {
            Entry last = partEntries.get(partEntries.size() - 1);
            if (!partHs.equals(durableHardState)) {
                tx.update(meta, StoreLayout.META_OID, StoreLayout.META_HARD_STATE, StoreLayout.META_EPOCH,
                        MetaRecords.encodeHardState(partHs));
            }
            tx.update(meta, StoreLayout.META_OID, StoreLayout.META_LOG_BOUNDS, StoreLayout.META_EPOCH,
                    MetaRecords.encodeLogBounds(new LogBounds(base, last.index(), last.term())));
            tx.commit();
            writtenThrough = last.index();
            // Durable: now the memory follows.
            if (partTruncates) {
                termRuns.tailMap(partFirst, true).clear();
                cache.truncateFrom(partFirst);
            }
            termRuns.putAll(partRuns);
            for (Entry e : partEntries) {
                cache.append(e);
            }
            lastIndex = last.index();
            lastTerm = last.term();
            highestSegment = partHighestSegment;
            durableHardState = partHs;
            hardState = partHs;
            partEntries.clear();
            partRuns.clear();
        }
    }

    /** Whether segment {@code segment} exists (entries truncated away leave their segment behind). */
    private boolean segmentExists(long segment) {
        if (segment <= highestSegment) {
            return true;
        }
        try {
            log.fetch(StoreLayout.segmentOid(segment), 0, VosLimits.EPOCH_MAX);
            return true;
        } catch (VosException e) {
            if (e.error() == VosError.NONEXIST) {
                return false;
            }
            throw e;
        }
    }

    private void writeHardState(HardState hs) {
        try {
            tx.clear();
            tx.update(meta, StoreLayout.META_OID, StoreLayout.META_HARD_STATE, StoreLayout.META_EPOCH,
                    MetaRecords.encodeHardState(hs));
            tx.commit();
        } catch (VosException e) {
            tx.clear();
            throw VosFailures.translate(e, "persisting the hard state " + hs);
        }
        durableHardState = hs;
    }

    // ----------------------------------------------------------------------------------------
    // Validation and reads

    /**
     * A validator of transactions against the tree as the last persisted entry left it, for the
     * leader to check a transaction before it proposes it. Valid until the next persist.
     */
    public Validator validator() {
        return new Validator(new Overlay(new VosTreeView(log, lastIndex)), planner);
    }

    /** A reader of the tree at {@code epoch}, a committed index that this store holds. */
    public TreeReader reader(long epoch) {
        if (epoch < base.index() || epoch > lastIndex) {
            throw new IllegalArgumentException("epoch " + epoch + " is outside the log [" + base.index() + ", "
                    + lastIndex + "]");
        }
        return new TreeReader(log, epoch, limits.requestRetentionEntries());
    }

    public long replicaId() {
        return replicaId;
    }

    /** Total and free bytes of the pool, for space checks. */
    public org.vostok.vos.PoolInfo poolInfo() {
        return pool.query();
    }

    // ----------------------------------------------------------------------------------------
    // Compaction

    /**
     * Compacts the log up to {@code index} (applied here; at or below the commit index): the
     * base moves to it, with {@code membership} (the one in force there), in META first, and the
     * entries at or below it are then punched (whole segments as objects, the rest of a segment
     * key by key) with the term runs they no longer need, at epoch {@code index}. The space comes
     * back when {@link #aggregate} runs up to the base. The Raft core sees the new first index at
     * once. Returns false when the base is at or past {@code index} already.
     *
     * <p>Only META must be written for the compaction to hold: if a later part fails (a full
     * pool), what it would have punched stays until the segment is punched whole.
     */
    public boolean compact(long index, Membership membership) {
        checkOpen();
        long oldBase = base.index();
        if (index <= oldBase) {
            return false;
        }
        if (index > lastIndex || index > hardState.commit()) {
            throw new IllegalStateException("replica " + replicaId + ": cannot compact to " + index
                    + ", past the commit index " + hardState.commit() + " or the last index " + lastIndex);
        }
        SnapshotMetadata newBase = new SnapshotMetadata(index, term(index), membership);
        HardState hs = hardState;
        boolean writeHardState = durableHardState.commit() < index;
        List<Long> runs = new ArrayList<>(termRuns.headMap(index, true).keySet());
        long firstSegment = StoreLayout.segmentOf(oldBase + 1);
        long lastSegment = StoreLayout.segmentOf(index);
        // Segments wholly at or below the new base go whole; the last one may be partly above.
        long wholeEnd = (lastSegment + 1) * StoreLayout.ENTRIES_PER_SEGMENT - 1 <= index ? lastSegment : lastSegment - 1;
        tx.clear();
        try {
            if (writeHardState) {
                // A restart must find the commit index at or above the base.
                tx.update(meta, StoreLayout.META_OID, StoreLayout.META_HARD_STATE, StoreLayout.META_EPOCH,
                        MetaRecords.encodeHardState(hs));
            }
            tx.update(meta, StoreLayout.META_OID, StoreLayout.META_LOG_BOUNDS, StoreLayout.META_EPOCH,
                    MetaRecords.encodeLogBounds(new LogBounds(newBase, lastIndex, lastTerm)));
            for (long s = firstSegment; s <= wholeEnd && tx.size() < limits.vosOperationsPerTransactionMax() - 1; s++) {
                tx.punchObject(log, StoreLayout.segmentOid(s), index);
                firstSegment = s + 1;
            }
            tx.commit();
        } catch (VosException e) {
            tx.clear();
            throw VosFailures.translate(e, "compacting the log of replica " + replicaId + " to " + index);
        }
        base = newBase;
        if (writeHardState) {
            durableHardState = hs;
        }
        termRuns.headMap(index, true).clear();
        // The rest only frees space: punched at the base's epoch, below every entry still in the log.
        try {
            tx.clear();
            for (long s = firstSegment; s <= wholeEnd; s++) {
                punchPart(tx).punchObject(log, StoreLayout.segmentOid(s), index);
            }
            if (wholeEnd < lastSegment) {
                for (long i = Math.max(oldBase + 1, lastSegment * StoreLayout.ENTRIES_PER_SEGMENT); i <= index; i++) {
                    punchPart(tx).punch(log, StoreLayout.segmentOid(lastSegment), i, index);
                }
            }
            for (long run : runs) {
                punchPart(tx).punch(log, StoreLayout.TERMS_OID, run, index);
            }
            if (!tx.isEmpty()) {
                tx.commit();
            }
        } catch (VosException e) {
            LOG.warn("replica {}: the entries below the new base {} could not all be punched ({}); their segment"
                    + " goes whole later", replicaId, index, e.getMessage());
        } finally {
            tx.clear();
        }
        LOG.debug("replica {}: compacted the log to {} (was {})", replicaId, index, oldBase);
        return true;
    }

    /** {@code t}, committed and emptied first when it is full. */
    private Transaction punchPart(Transaction t) {
        if (t.size() >= limits.vosOperationsPerTransactionMax()) {
            t.commit();
            t.clear();
        }
        return t;
    }

    // ----------------------------------------------------------------------------------------
    // Background maintenance: called on the replica's maintenance thread

    /**
     * Aggregates the LOG container up to {@code upTo} (at or below the base, and below every
     * epoch still read), {@code sliceKeys} keys per slice, each slice its own transaction, for as
     * long as {@code keepGoing} says. Returns true when it finished; false when it stopped early
     * or the LOG container was replaced meanwhile (then nothing is left to do for that one).
     */
    public boolean aggregate(long upTo, int sliceKeys, BooleanSupplier keepGoing) {
        Container c = log;
        int slice = sliceKeys;
        try (Aggregation aggregation = c.startAggregation(upTo)) {
            while (keepGoing.getAsBoolean()) {
                try {
                    if (aggregation.step(slice)) {
                        return true;
                    }
                } catch (VosException e) {
                    if (e.error() != VosError.NOSPACE || slice == 1) {
                        throw e;
                    }
                    // On a pool full to the last block, the pool's own transaction log cannot grow
                    // for a slice that frees many objects: the slice is undone whole; go on in
                    // smaller ones, down to one key (freeing space is what they are for).
                    slice = Math.max(1, slice / 16);
                }
            }
            return false;
        } catch (VosException e) {
            if (e.error() == VosError.BADHANDLE || closed || c != log) {
                return false; // the store closed, or a snapshot replaced the container
            }
            throw VosFailures.translate(e, "aggregating the log of replica " + replicaId + " up to " + upTo);
        }
    }

    /**
     * Drops the request records that no epoch at or after {@code base} can see any more (older
     * than the request retention): tombstones at {@code base}, freed by the next aggregation.
     * Every replica hides them alike whether it dropped them or not ({@link RequestRecords#isLive}).
     * Returns how many were dropped.
     */
    public int pruneRequests(long base, BooleanSupplier keepGoing) {
        Container c = log;
        long retention = limits.requestRetentionEntries();
        List<Key> expired = new ArrayList<>();
        try (Transaction t = pool.newTransaction()) {
            c.iterate(Iteration.forward(StoreLayout.REQUESTS_OID, base), r -> {
                if (!RequestRecords.isLive(r.value(), base, retention)) {
                    expired.add(r.key());
                }
                return keepGoing.getAsBoolean();
            });
            for (Key k : expired) {
                if (t.size() >= limits.vosOperationsPerTransactionMax()) {
                    t.commit();
                    t.clear();
                }
                t.punch(c, StoreLayout.REQUESTS_OID, k, base);
            }
            if (!t.isEmpty() && keepGoing.getAsBoolean()) {
                t.commit();
            }
        } catch (VosException e) {
            if (e.error() == VosError.BADHANDLE || closed || c != log) {
                return 0;
            }
            throw VosFailures.translate(e, "dropping old request records of replica " + replicaId);
        }
        return expired.size();
    }

    // ----------------------------------------------------------------------------------------
    // Snapshots

    /**
     * The content of {@code snapshot}, the tree at its index, to send in chunks: the snapshot
     * the Raft core asks for is the base it saw when it began, which may be below the base now;
     * the caller keeps its epoch from being aggregated away while it is sent.
     */
    public SnapshotSource snapshotSource(SnapshotMetadata snapshot) {
        checkOpen();
        if (snapshot.index() > lastIndex) {
            throw new RdbException(RdbError.STALE, "snapshot " + snapshot.index() + "/" + snapshot.term()
                    + " is past this store's log (" + base.index() + ", " + lastIndex + "]");
        }
        return new SnapshotSource(log, snapshot);
    }

    /** The snapshot that was coming in before the last restart, to resume; given out once. */
    public Optional<SnapshotStaging> resumableSnapshot() {
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
    public SnapshotStaging beginSnapshot(SnapshotMetadata snapshot, long leaderTerm) {
        checkOpen();
        if (staged != null) {
            abandonSnapshot(staged);
        }
        UUID uuid = UUID.randomUUID();
        SnapshotProgress progress = SnapshotStaging.start(snapshot, uuid, leaderTerm);
        Container staging = null;
        try {
            pool.createContainer(uuid);
            staging = pool.openContainer(uuid);
            tx.clear();
            createStructure(tx, staging);
            tx.createObject(staging, StoreLayout.SCRATCH_OID, KeyOrder.INTEGER, StoreLayout.STRUCTURE_EPOCH);
            addProgress(tx, progress);
            tx.commit();
        } catch (VosException e) {
            tx.clear();
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
        return tx;
    }

    int operationsPerTransaction() {
        return limits.vosOperationsPerTransactionMax();
    }

    void addProgress(Transaction t, SnapshotProgress progress) {
        t.update(meta, StoreLayout.META_OID, StoreLayout.META_SNAPSHOT_IN, StoreLayout.META_EPOCH,
                MetaRecords.encodeSnapshotProgress(progress));
    }

    /**
     * Installs a received snapshot: its staging container becomes the LOG container, the log
     * becomes empty at the snapshot's index, and the hard state is written with it, all in one
     * META transaction. The old LOG container is destroyed afterwards (a crash before that leaves
     * it to the next {@link #open}, which destroys it). The caller stops the background work on
     * the old container first.
     */
    public void installSnapshot(SnapshotStaging staging, HardState newHardState) {
        checkOpen();
        SnapshotMetadata s = staging.snapshot();
        if (s.index() <= durableHardState.commit()) {
            throw new IllegalStateException("replica " + replicaId + ": snapshot " + s.index()
                    + " is not past the commit index " + hardState.commit());
        }
        HardState hs = new HardState(Math.max(newHardState.term(), s.term()), newHardState.vote(),
                Math.max(newHardState.commit(), s.index()));
        Container next = staging.container;
        try {
            tx.clear();
            tx.punchObject(next, StoreLayout.SCRATCH_OID, s.index());
            tx.update(meta, StoreLayout.META_OID, StoreLayout.META_HARD_STATE, StoreLayout.META_EPOCH,
                    MetaRecords.encodeHardState(hs));
            tx.update(meta, StoreLayout.META_OID, StoreLayout.META_LOG_BOUNDS, StoreLayout.META_EPOCH,
                    MetaRecords.encodeLogBounds(new LogBounds(s, s.index(), s.term())));
            tx.update(meta, StoreLayout.META_OID, StoreLayout.META_LOG_CONTAINER, StoreLayout.META_EPOCH,
                    MetaRecords.encodeUuid(staging.uuid()));
            tx.punch(meta, StoreLayout.META_OID, StoreLayout.META_SNAPSHOT_IN, StoreLayout.META_EPOCH);
            tx.commit();
        } catch (VosException e) {
            tx.clear();
            throw VosFailures.translate(e, "installing snapshot " + s.index());
        }
        staging.container = null;
        staged = null;
        Container old = log;
        UUID oldUuid = logUuid;
        log = next;
        logUuid = staging.uuid();
        base = s;
        lastIndex = s.index();
        lastTerm = s.term();
        termRuns.clear();
        cache.clear();
        highestSegment = -1;
        hardState = hs;
        durableHardState = hs;
        old.close();
        destroyQuietly(oldUuid);
        LOG.info("replica {}: installed snapshot {}/{} ({})", replicaId, s.index(), s.term(), s.membership());
    }

    /** Drops a staging container whose snapshot will not be installed, with its record in META. */
    public void abandonSnapshot(SnapshotStaging staging) {
        if (staged == staging) {
            staged = null;
        }
        if (staging.container != null) {
            staging.container.close();
            staging.container = null;
        }
        try {
            if (!closed) {
                tx.clear();
                tx.punch(meta, StoreLayout.META_OID, StoreLayout.META_SNAPSHOT_IN, StoreLayout.META_EPOCH);
                tx.commit();
            }
        } catch (VosException e) {
            tx.clear();
            LOG.warn("replica {}: the record of {} could not be dropped now ({}); the next open will", replicaId,
                    staging, e.getMessage());
        }
        destroyQuietly(staging.uuid());
    }

    private void destroyQuietly(UUID uuid) {
        try {
            pool.destroyContainer(uuid);
        } catch (VosException e) {
            if (e.error() != VosError.NONEXIST) {
                LOG.warn("replica {}: container {} could not be destroyed now ({}); the next open will", replicaId,
                        uuid, e.getMessage());
            }
        }
    }

    // ----------------------------------------------------------------------------------------
    // Close

    private void checkOpen() {
        if (closed) {
            throw new RdbException(RdbError.SHUTDOWN, "the store of replica " + replicaId + " is closed");
        }
    }

    /** Writes a commit index kept in memory, then closes the containers (not the pool: it is the caller's). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            if (!hardState.equals(durableHardState) && pool.isOpen()) {
                writeHardState(hardState);
            }
        } catch (RuntimeException e) {
            LOG.warn("replica {}: the last commit index could not be written at close: {}", replicaId, e.getMessage());
        }
        closeQuietly();
    }

    private void closeQuietly() {
        closed = true;
        if (staged != null && staged.container != null) {
            staged.container.close(); // the staged copy stays, with its progress: the next open resumes it
        }
        tx.close();
        if (log != null) {
            log.close();
        }
        meta.close();
    }
}
