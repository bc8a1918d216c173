package org.vostok.rdb.store;

import java.util.Optional;
import java.util.OptionalLong;
import org.vostok.rdb.model.KvsPath;
import org.vostok.rdb.model.KvsRecord;
import org.vostok.rdb.model.KvsScan;
import org.vostok.rdb.model.KvsVisitor;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RequestId;
import org.vostok.rdb.model.RequestOutcome;
import org.vostok.vos.Container;
import org.vostok.vos.Direction;
import org.vostok.vos.Iteration;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.VosException;
import org.vostok.vos.VosRecord;

/**
 * Queries of the KV tree at one epoch (a committed, applied log index). Reads go straight to
 * VOS, on the caller's thread; nothing written at a later epoch is visible, so a reader sees one
 * consistent state however the log grows meanwhile.
 *
 * <p>Thread-safety: safe for use by any thread (it holds only the container handle and the epoch).
 */
public final class TreeReader {

    private final Container log;
    private final long epoch;
    private final long requestRetentionEntries;
    private final VosTreeView view;

    TreeReader(Container log, long epoch, long requestRetentionEntries) {
        this.log = log;
        this.epoch = epoch;
        this.requestRetentionEntries = requestRetentionEntries;
        this.view = new VosTreeView(log, epoch);
    }

    /** A reader with the default request retention. */
    TreeReader(Container log, long epoch) {
        this(log, epoch, StoreLimits.REQUEST_RETENTION_ENTRIES_DEFAULT);
    }

    /** The epoch (log index) this reader reads at. */
    public long epoch() {
        return epoch;
    }

    /** The key order of the KVS at {@code path}; empty when there is no such KVS. */
    public Optional<KeyOrder> kvsOrder(KvsPath path) {
        try {
            return Optional.of(EntryPlanner.resolve(view, path).order());
        } catch (PlanFailure f) {
            if (f.error() == RdbError.NONEXIST) {
                return Optional.empty();
            }
            throw f;
        } catch (VosException e) {
            throw VosFailures.translate(e, "reading KVS " + path);
        }
    }

    /** The value of {@code key} in the KVS at {@code kvs}; empty when the key holds none. */
    public Optional<byte[]> lookup(KvsPath kvs, Key key) {
        try {
            Descriptor d = EntryPlanner.resolve(view, kvs);
            EntryPlanner.checkKey(d, kvs, key);
            Optional<byte[]> raw = log.fetch(d.oid(), key, epoch);
            if (raw.isPresent() && TaggedValues.isKvs(raw.get())) {
                throw new PlanFailure(RdbError.INVAL, "key " + key + " of KVS " + kvs
                        + " holds a KVS, not a value; read it through its path");
            }
            return raw.map(TaggedValues::valueOf);
        } catch (VosException e) {
            throw VosFailures.translate(e, "looking up " + key + " in KVS " + kvs);
        }
    }

    /** The first (smallest) key of the KVS. */
    public Optional<KvsRecord> first(KvsPath kvs) {
        return one(kvs, KvsScan.forward());
    }

    /** The last (largest) key of the KVS. */
    public Optional<KvsRecord> last(KvsPath kvs) {
        return one(kvs, KvsScan.backward());
    }

    /** The smallest key greater than {@code key}. */
    public Optional<KvsRecord> next(KvsPath kvs, Key key) {
        return one(kvs, KvsScan.forward().after(key));
    }

    /** The largest key smaller than {@code key}. */
    public Optional<KvsRecord> previous(KvsPath kvs, Key key) {
        return one(kvs, KvsScan.backward().after(key));
    }

    private Optional<KvsRecord> one(KvsPath kvs, KvsScan scan) {
        KvsRecord[] found = new KvsRecord[1];
        iterate(kvs, scan, 1, r -> {
            found[0] = r;
            return false;
        });
        return Optional.ofNullable(found[0]);
    }

    /**
     * Visits the keys of the KVS in the scan's order until the visitor returns false; returns
     * true when every key was visited, false when the visitor stopped early.
     */
    public boolean iterate(KvsPath kvs, KvsScan scan, KvsVisitor visitor) {
        return iterate(kvs, scan, 0, visitor);
    }

    private boolean iterate(KvsPath kvs, KvsScan scan, int batchRecordsMax, KvsVisitor visitor) {
        try {
            Descriptor d = EntryPlanner.resolve(view, kvs);
            Iteration it = scan.direction() == Direction.FORWARD ? Iteration.forward(d.oid(), epoch)
                    : Iteration.backward(d.oid(), epoch);
            if (scan.anchor().isPresent()) {
                EntryPlanner.checkKey(d, kvs, scan.anchor().get());
                it = scan.anchorInclusive() ? it.from(scan.anchor().get()) : it.after(scan.anchor().get());
            }
            if (batchRecordsMax > 0) {
                it = it.withBatch(batchRecordsMax, Iteration.BATCH_BYTES_DEFAULT);
            }
            return log.iterate(it, r -> visitor.visit(record(r))).complete();
        } catch (VosException e) {
            throw VosFailures.translate(e, "iterating KVS " + kvs);
        }
    }

    private static KvsRecord record(VosRecord r) {
        byte[] raw = r.value();
        if (TaggedValues.isKvs(raw)) {
            return new KvsRecord.Child(r.key(), TaggedValues.descriptorOf(raw).order());
        }
        return new KvsRecord.Value(r.key(), TaggedValues.valueOf(raw));
    }

    /** The largest key of an integer-keyed KVS; INVAL for a lexical one. */
    public OptionalLong largestIntegerKey(KvsPath kvs) {
        try {
            Descriptor d = EntryPlanner.resolve(view, kvs);
            if (d.order() != KeyOrder.INTEGER) {
                throw new PlanFailure(RdbError.INVAL, "KVS " + kvs + " has lexical keys; largestIntegerKey"
                        + " needs an integer-keyed KVS");
            }
            return log.largestIntegerKey(d.oid(), epoch);
        } catch (VosException e) {
            throw VosFailures.translate(e, "finding the largest key of KVS " + kvs);
        }
    }

    /**
     * What became of the transaction that carried {@code requestId}, if one was committed by this
     * epoch and fewer than the request retention's entries ago.
     */
    public Optional<RequestOutcome> requestOutcome(RequestId requestId) {
        try {
            return RequestRecords.find((oid, key) -> log.fetch(oid, key, epoch), requestId, epoch,
                            requestRetentionEntries)
                    .map(raw -> RequestRecords.decode(requestId, raw));
        } catch (VosException e) {
            throw VosFailures.translate(e, "reading the record of request " + requestId);
        }
    }
}
