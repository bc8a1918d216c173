package org.vostok.rdb.store;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vostok.raft.Entry;
import org.vostok.raft.EntryType;
import org.vostok.raft.HardState;
import org.vostok.raft.Membership;
import org.vostok.raft.MembershipChange;
import org.vostok.raft.SnapshotMetadata;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.model.ReplicaIds;
import org.vostok.rdb.store.MetaRecords.LogBounds;
import org.vostok.vos.FetchRequest;
import org.vostok.vos.FetchResult;
import org.vostok.vos.Iteration;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.Transaction;
import org.vostok.vos.VosError;
import org.vostok.vos.VosException;
import org.vostok.vos.VosLimits;

/**
 * The Raft log and hard state of a store: the log bounds and term runs in memory, the newest
 * entries cached, older ones fetched from their segments; {@link #persist} writes a Ready's
 * entries (applying each to the tree at its index) and hard state, {@link #compact} moves the
 * base. Owned by the replica's thread.
 */
final class LogStore {

    private static final Logger LOG = LoggerFactory.getLogger(LogStore.class);

    /** Entries fetched from the pool per call when the cache does not hold them. */
    private static final int FETCH_BATCH_ENTRIES = 256;
    /** META records a persist transaction may write besides the entries (hard state, bounds). */
    private static final int META_OPERATIONS = 2;

    private final StoreHandles h;
    private final EntryPlanner planner;

    /** The hard state as the core last asked for it; its commit may be ahead of the durable one. */
    private HardState hardState;
    /** The hard state in the pool. Invariant: same term and vote as {@link #hardState}. */
    private HardState durableHardState;
    private SnapshotMetadata base;
    private long lastIndex;
    private long lastTerm;
    /**
     * Where each run of one term starts, for the entries in (base, last]; before the first run
     * the term is the base's.
     */
    private final TreeMap<Long, Long> termRuns = new TreeMap<>();
    private final EntryCache cache;
    /** Invariant: every segment from the one of base + 1 up to this one exists in LOG. */
    private long highestSegment = -1;

    LogStore(StoreHandles h, EntryPlanner planner) {
        this.h = h;
        this.planner = planner;
        this.cache = new EntryCache(h.limits.entryCacheBytesMax());
    }

    /** Takes the log as META describes it, and checks it against the LOG container. */
    void load(LogBounds bounds, HardState hs) {
        base = bounds.base();
        lastIndex = bounds.lastIndex();
        lastTerm = bounds.lastTerm();
        // Each persist is one VOS transaction, so nothing partial can follow the last entry; the
        // discard is a cheap guarantee that nothing above it is ever read as replicated state.
        h.log.discard(lastIndex + 1);
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
    }

    private void loadTermRuns() {
        termRuns.clear();
        h.log.iterate(org.vostok.vos.Iteration.forward(StoreLayout.TERMS_OID, VosLimits.EPOCH_MAX)
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

    HardState hardState() {
        return hardState;
    }

    HardState durableHardState() {
        return durableHardState;
    }

    SnapshotMetadata snapshot() {
        return base;
    }

    long firstIndex() {
        return base.index() + 1;
    }

    long lastIndex() {
        return lastIndex;
    }

    long lastTerm() {
        return lastTerm;
    }

    long term(long index) {
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

    List<Entry> entries(long from, long toExclusive, long bytesMax) {
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
            results = h.log.fetch(requests);
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
     * next entries or at the store's close: Raft's commit index is volatile state (Figure 2), and
     * a restart re-learns it, so a write per commit advance would buy nothing.
     */
    List<EntryOutcome> persist(List<Entry> entries, Optional<HardState> newHardState, PlanSource plans) {
        h.checkOpen();
        HardState hs = newHardState.orElse(hardState);
        if (hs.commit() < hardState.commit() || hs.term() < hardState.term()) {
            throw new IllegalStateException("replica " + h.replicaId + ": hard state would move back from "
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
            throw new IllegalStateException("replica " + h.replicaId + ": entries from " + first
                    + " cannot be written to the log (" + base.index() + ", " + lastIndex + "]");
        }
        for (int k = 1; k < entries.size(); k++) {
            if (entries.get(k).index() != first + k) {
                throw new IllegalStateException("entries to write are not consecutive at " + entries.get(k));
            }
        }
        if (first <= lastIndex && first <= hardState.commit()) {
            throw new IllegalStateException("replica " + h.replicaId + ": a write from " + first
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
            this.tree = new Overlay(new VosTreeView(h.log, first - 1));
            this.partFirst = first;
            this.partTruncates = first <= lastIndex;
            this.partHighestSegment = highestSegment;
            this.prevTerm = term(first - 1);
            this.writtenThrough = first - 1;
        }

        /** Writes the batch; a failure says how far it got ({@link PersistException#writtenThrough()}). */
        List<EntryOutcome> write() {
            h.tx.clear();
            try {
                if (partTruncates) {
                    h.tx.discard(h.log, partFirst);
                }
                for (Entry e : entries) {
                    add(e);
                }
                commitPart(hs);
            } catch (VosException e) {
                h.tx.clear();
                throw new PersistException(VosFailures.translate(e, "persisting log entries ["
                        + entries.get(0).index() + ", " + entries.get(entries.size() - 1).index() + "]"),
                        writtenThrough);
            } catch (RuntimeException e) {
                h.tx.clear();
                throw e;
            }
            return outcomes;
        }

        private void add(Entry e) {
            EntryPlan plan = null;
            if (e.type() == EntryType.NORMAL && e.data().length > 0) {
                plan = plans.take(e.index(), e.term()).orElseGet(() -> planner.plan(tree, e.data(), e.index()));
            }
            int needed = 4 + (plan == null ? 0 : plan.vosOperations() + plan.requestOperations());
            if (!partEntries.isEmpty()
                    && h.tx.size() + needed + META_OPERATIONS > h.limits.vosOperationsPerTransactionMax()) {
                // The batch is too large for one transaction: write what is collected, with the
                // log bounds and a commit index that cover only it, and go on in another.
                long partLast = partEntries.get(partEntries.size() - 1).index();
                commitPart(new HardState(hs.term(), hs.vote(), Math.min(hs.commit(), partLast)));
                h.tx.clear();
                partFirst = e.index();
                partTruncates = false;
            }
            long segment = StoreLayout.segmentOf(e.index());
            if (segment > partHighestSegment) {
                if (!segmentExists(segment)) {
                    h.tx.createObject(h.log, StoreLayout.segmentOid(segment), KeyOrder.INTEGER,
                            StoreLayout.STRUCTURE_EPOCH);
                }
                partHighestSegment = segment;
            }
            if (e.term() != prevTerm) {
                h.tx.update(h.log, StoreLayout.TERMS_OID, e.index(), e.index(),
                        ByteBuffer.allocate(8).putLong(e.term()).array());
                partRuns.put(e.index(), e.term());
            }
            Optional<RdbError> failure = Optional.empty();
            if (plan != null) {
                failure = plan.failure().map(PlanFailure::error);
                plan.writeTo(h.tx, h.log, e.index());
                byte[] request = plan.requestRecord(e.index());
                plan.writeRequestTo(h.tx, h.log, e.index(), request);
                plan.mergeInto(tree, e.index(), request);
                outcomes.add(new EntryOutcome(e.index(), e.term(), plan.failure()));
            }
            if (e.type() == EntryType.MEMBERSHIP) {
                addMembership(e);
            }
            h.tx.update(h.log, StoreLayout.segmentOid(segment), e.index(), e.index(), EntryRecord.header(e, failure),
                    e.data());
            partEntries.add(e);
            prevTerm = e.term();
        }

        /** An entry that adds a replica marks its id as added in its rank's record, so it is never added again. */
        private void addMembership(Entry e) {
            MembershipChange c = MembershipChange.decode(e.data());
            if (c.type() == MembershipChange.Type.ADD_VOTER || c.type() == MembershipChange.Type.ADD_LEARNER) {
                byte[] record = RankRecords.encode(new RankRecords.Rank(ReplicaIds.generation(c.node()), true));
                Key key = StoreLayout.rankKey(ReplicaIds.rank(c.node()));
                h.tx.update(h.log, StoreLayout.SYSTEM_OID, key, e.index(), record);
                tree.put(StoreLayout.SYSTEM_OID, key, record);
            }
        }

        private void commitPart(HardState partHs) {
            Entry last = partEntries.get(partEntries.size() - 1);
            if (!partHs.equals(durableHardState)) {
                h.tx.update(h.meta, StoreLayout.META_OID, StoreLayout.META_HARD_STATE, StoreLayout.META_EPOCH,
                        MetaRecords.encodeHardState(partHs));
            }
            h.tx.update(h.meta, StoreLayout.META_OID, StoreLayout.META_LOG_BOUNDS, StoreLayout.META_EPOCH,
                    MetaRecords.encodeLogBounds(new LogBounds(base, last.index(), last.term())));
            h.tx.commit();
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
            h.log.fetch(StoreLayout.segmentOid(segment), 0, VosLimits.EPOCH_MAX);
            return true;
        } catch (VosException e) {
            if (e.error() == VosError.NONEXIST) {
                return false;
            }
            throw e;
        }
    }

    void writeHardState(HardState hs) {
        try {
            h.tx.clear();
            h.tx.update(h.meta, StoreLayout.META_OID, StoreLayout.META_HARD_STATE, StoreLayout.META_EPOCH,
                    MetaRecords.encodeHardState(hs));
            h.tx.commit();
        } catch (VosException e) {
            h.tx.clear();
            throw VosFailures.translate(e, "persisting the hard state " + hs);
        }
        durableHardState = hs;
    }

    // ----------------------------------------------------------------------------------------
    // Compaction

    /**
     * Compacts the log up to {@code index} (applied here; at or below the commit index): the
     * base moves to it, with {@code membership} (the one in force there), in META first, and the
     * entries at or below it are then punched (whole segments as objects, the rest of a segment
     * key by key) with the term runs they no longer need, at epoch {@code index}. The space comes
     * back when {@code TreeStore.aggregate} runs up to the base. The Raft core sees the new first index at
     * once. Returns false when the base is at or past {@code index} already.
     *
     * <p>Only META must be written for the compaction to hold: if a later part fails (a full
     * pool), what it would have punched stays until the segment is punched whole.
     */
    boolean compact(long index, Membership membership) {
        h.checkOpen();
        long oldBase = base.index();
        if (index <= oldBase) {
            return false;
        }
        if (index > lastIndex || index > hardState.commit()) {
            throw new IllegalStateException("replica " + h.replicaId + ": cannot compact to " + index
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
        h.tx.clear();
        try {
            if (writeHardState) {
                // A restart must find the commit index at or above the base.
                h.tx.update(h.meta, StoreLayout.META_OID, StoreLayout.META_HARD_STATE, StoreLayout.META_EPOCH,
                        MetaRecords.encodeHardState(hs));
            }
            h.tx.update(h.meta, StoreLayout.META_OID, StoreLayout.META_LOG_BOUNDS, StoreLayout.META_EPOCH,
                    MetaRecords.encodeLogBounds(new LogBounds(newBase, lastIndex, lastTerm)));
            int operationsMax = h.limits.vosOperationsPerTransactionMax();
            for (long s = firstSegment; s <= wholeEnd && h.tx.size() < operationsMax - 1; s++) {
                h.tx.punchObject(h.log, StoreLayout.segmentOid(s), index);
                firstSegment = s + 1;
            }
            h.tx.commit();
        } catch (VosException e) {
            h.tx.clear();
            throw VosFailures.translate(e, "compacting the log of replica " + h.replicaId + " to " + index);
        }
        base = newBase;
        if (writeHardState) {
            durableHardState = hs;
        }
        termRuns.headMap(index, true).clear();
        // The rest only frees space: punched at the base's epoch, below every entry still in the log.
        try {
            h.tx.clear();
            for (long s = firstSegment; s <= wholeEnd; s++) {
                punchPart(h.tx).punchObject(h.log, StoreLayout.segmentOid(s), index);
            }
            if (wholeEnd < lastSegment) {
                for (long i = Math.max(oldBase + 1, lastSegment * StoreLayout.ENTRIES_PER_SEGMENT); i <= index; i++) {
                    punchPart(h.tx).punch(h.log, StoreLayout.segmentOid(lastSegment), i, index);
                }
            }
            for (long run : runs) {
                punchPart(h.tx).punch(h.log, StoreLayout.TERMS_OID, run, index);
            }
            if (!h.tx.isEmpty()) {
                h.tx.commit();
            }
        } catch (VosException e) {
            LOG.warn("replica {}: the entries below the new base {} could not all be punched ({}); their segment"
                    + " goes whole later", h.replicaId, index, e.getMessage());
        } finally {
            h.tx.clear();
        }
        LOG.debug("replica {}: compacted the log to {} (was {})", h.replicaId, index, oldBase);
        return true;
    }

    /** {@code t}, committed and emptied first when it is full. */
    private Transaction punchPart(Transaction t) {
        if (t.size() >= h.limits.vosOperationsPerTransactionMax()) {
            t.commit();
            t.clear();
        }
        return t;
    }

    /** A snapshot was installed: the log is empty at its index, with the hard state written with it. */
    void reset(SnapshotMetadata s, HardState hs) {
        base = s;
        lastIndex = s.index();
        lastTerm = s.term();
        termRuns.clear();
        cache.clear();
        highestSegment = -1;
        hardState = hs;
        durableHardState = hs;
    }

    /** Writes a commit index kept in memory (at close). */
    void writeLazyCommit() {
        if (!hardState.equals(durableHardState)) {
            writeHardState(hardState);
        }
    }
}
