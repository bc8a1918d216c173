package org.vostok.rdb.store;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
import org.vostok.vos.Aggregation;
import org.vostok.vos.Container;
import org.vostok.vos.Iteration;
import org.vostok.vos.Key;
import org.vostok.vos.Transaction;
import org.vostok.vos.VosError;
import org.vostok.vos.VosException;

/**
 * The KV tree of a store: the leader's validator, readers at committed epochs, and the
 * background work that keeps the tree small (dropping old request records, aggregating old
 * versions). The readers may be used on any thread; {@link #aggregate} and
 * {@link #pruneRequests} run on the maintenance thread and write only below the base, with
 * transactions of their own.
 */
final class TreeStore {

    private final StoreHandles h;
    private final EntryPlanner planner;
    private final LogStore log;

    TreeStore(StoreHandles h, EntryPlanner planner, LogStore log) {
        this.h = h;
        this.planner = planner;
        this.log = log;
    }

    /**
     * A validator of transactions against the tree as the last persisted entry left it, for the
     * leader to check a transaction before it proposes it. Valid until the next persist.
     */
    Validator validator() {
        return new Validator(new Overlay(new VosTreeView(h.log, log.lastIndex())), planner);
    }

    /** A reader of the tree at {@code epoch}, a committed index that this store holds. */
    TreeReader reader(long epoch) {
        if (epoch < log.snapshot().index() || epoch > log.lastIndex()) {
            throw new IllegalArgumentException("epoch " + epoch + " is outside the log [" + log.snapshot().index()
                    + ", " + log.lastIndex() + "]");
        }
        return new TreeReader(h.log, epoch, h.limits.requestRetentionEntries());
    }

    /**
     * Aggregates the LOG container up to {@code upTo} (at or below the base, and below every
     * epoch still read), {@code sliceKeys} keys per slice, each slice its own transaction, for as
     * long as {@code keepGoing} says. Returns true when it finished; false when it stopped early
     * or the LOG container was replaced meanwhile (then nothing is left to do for that one).
     */
    boolean aggregate(long upTo, int sliceKeys, BooleanSupplier keepGoing, LongConsumer afterSlice) {
        Container c = h.log;
        int slice = sliceKeys;
        try (Aggregation aggregation = c.startAggregation(upTo)) {
            while (keepGoing.getAsBoolean()) {
                try {
                    long started = System.nanoTime();
                    if (aggregation.step(slice)) {
                        return true;
                    }
                    afterSlice.accept(System.nanoTime() - started);
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
            if (e.error() == VosError.BADHANDLE || h.closed || c != h.log) {
                return false; // the store h.closed, or a snapshot replaced the container
            }
            throw VosFailures.translate(e, "aggregating the log of replica " + h.replicaId + " up to " + upTo);
        }
    }

    /**
     * Tombstones one transaction of {@link #pruneRequests} writes at most: a nearly full pool
     * keeps what the earlier transactions dropped when a later one finds no room, and no
     * transaction holds the pool for long.
     */
    static final int PRUNE_OPERATIONS_PER_TRANSACTION_MAX = 1024;

    /**
     * Request records read per native call while looking for a slot's expired ones: most slots
     * hold a few expired records followed by live ones, and the scan of a slot stops at its first
     * live record.
     */
    private static final int PRUNE_BATCH_RECORDS = 256;

    /**
     * Drops the request and client records that no epoch at or after {@code base} can see any
     * more (older than the request retention, {@link RequestRecords}): tombstones at
     * {@code base}, freed by the next aggregation. Every replica hides them alike whether it
     * dropped them or not ({@link RequestRecords#isLive}, {@link RequestRecords#isClientLive}).
     *
     * <p>A client numbers its requests upwards, so a slot's records expire roughly in key order:
     * the scan of each slot drops its expired records from the lowest key and moves to the next
     * slot at the first live one. A record that committed out of order (a retry) can keep those
     * above it for up to one more retention; dead records never count for anything meanwhile.
     * The client records, one per client, are all looked at. Returns how many were dropped.
     */
    int pruneRequests(long base, BooleanSupplier keepGoing, LongConsumer afterSlice) {
        Container c = h.log;
        long retention = h.limits.requestRetentionEntries();
        int perTransaction = Math.min(h.limits.vosOperationsPerTransactionMax(), PRUNE_OPERATIONS_PER_TRANSACTION_MAX);
        int dropped = 0;
        try (Transaction t = h.pool.newTransaction()) {
            long from = 0;
            RecordScan scan = new RecordScan(perTransaction);
            while (keepGoing.getAsBoolean()) {
                scan.reset();
                c.iterate(Iteration.forward(StoreLayout.REQUEST_RECORDS_OID, base).from(Key.of(from))
                        .withBatch(PRUNE_BATCH_RECORDS, Iteration.BATCH_BYTES_DEFAULT), r -> {
                    long key = r.integerKey();
                    if (RequestRecords.isLive(r.value(), base, retention)) {
                        long slot = RequestRecords.slotOf(key);
                        scan.resume = slot >= RequestRecords.SLOT_MAX ? -1 : RequestRecords.firstKeyOf(slot + 1);
                        return false;
                    }
                    scan.keys[scan.count++] = key;
                    if (scan.count == scan.keys.length) {
                        scan.resume = key == -1L ? -1 : key + 1;
                        return false;
                    }
                    return keepGoing.getAsBoolean();
                });
                for (int i = 0; i < scan.count; i++) {
                    sliced(t, perTransaction, afterSlice).punch(c, StoreLayout.REQUEST_RECORDS_OID, scan.keys[i], base);
                }
                dropped += scan.count;
                if (scan.resume == -1) {
                    break;
                }
                from = scan.resume;
            }
            List<Key> expiredClients = new ArrayList<>();
            if (keepGoing.getAsBoolean()) {
                c.iterate(Iteration.forward(StoreLayout.REQUESTS_OID, base), r -> {
                    if (!RequestRecords.isClientLive(r.value(), base, retention)) {
                        expiredClients.add(r.key());
                    }
                    return keepGoing.getAsBoolean();
                });
            }
            for (Key k : expiredClients) {
                sliced(t, perTransaction, afterSlice).punch(c, StoreLayout.REQUESTS_OID, k, base);
            }
            dropped += expiredClients.size();
            if (!t.isEmpty() && keepGoing.getAsBoolean()) {
                t.commitLazily();
            }
        } catch (VosException e) {
            if (e.error() == VosError.BADHANDLE || h.closed || c != h.log) {
                return 0;
            }
            throw VosFailures.translate(e, "dropping old request records of replica " + h.replicaId);
        }
        return dropped;
    }

    /** Expired request record keys found by one scan, and where the next starts (-1: the end); reused by each. */
    private static final class RecordScan {
        final long[] keys;
        int count;
        long resume = -1;

        RecordScan(int capacity) {
            keys = new long[capacity];
        }

        /** Empty, for the next scan. */
        void reset() {
            count = 0;
            resume = -1;
        }
    }

    /**
     * {@code t}, first committed (lazily) and cleared when it holds a slice's worth already.
     * Lazy commits: the records are hidden by the retention rule whether dropped or not, so a
     * crash that undoes a drop costs only doing it again; the owner thread's next commit makes
     * the drops durable, without a disk sync of their own.
     */
    private static Transaction sliced(Transaction t, int perTransaction, LongConsumer afterSlice) {
        if (t.size() >= perTransaction) {
            long started = System.nanoTime();
            t.commitLazily();
            t.clear();
            afterSlice.accept(System.nanoTime() - started);
        }
        return t;
    }
}
