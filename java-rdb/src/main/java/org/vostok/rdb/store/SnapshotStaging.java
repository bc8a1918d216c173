package org.vostok.rdb.store;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.vostok.raft.SnapshotMetadata;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.store.MetaRecords.SnapshotProgress;
import org.vostok.rdb.store.SnapshotChunks.Anchor;
import org.vostok.rdb.store.SnapshotChunks.Header;
import org.vostok.rdb.store.SnapshotChunks.ObjectRecord;
import org.vostok.rdb.store.SnapshotChunks.PartRecord;
import org.vostok.rdb.store.SnapshotChunks.PutRecord;
import org.vostok.rdb.store.SnapshotChunks.Record;
import org.vostok.vos.Container;
import org.vostok.vos.Iteration;
import org.vostok.vos.Transaction;
import org.vostok.vos.VosError;
import org.vostok.vos.VosException;
import org.vostok.vos.VosLimits;

/**
 * A snapshot coming in: its staging container, which becomes the LOG container when the
 * snapshot is installed, and its progress, recorded in META ({@code snapshot-in}) in the same
 * VOS transaction as each chunk's records, so that a restarted replica resumes after the last
 * chunk it wrote ({@link RdbStore#resumableSnapshot()}).
 *
 * <p>Every record is written at epoch = the snapshot's index, the epoch the log starts at once
 * it is installed. A chunk is taken only if it continues exactly where the last one ended (its
 * offset, sequence number and start anchor); one already taken is ignored; anything else fails
 * with INVAL and the caller drops the snapshot. Pieces of a value too large for one chunk wait in
 * a scratch object until the last piece arrives.
 *
 * <p>Thread-safety: the replica's owner thread only.
 */
public final class SnapshotStaging {

    private final SnapshotStore store;
    private final SnapshotMetadata snapshot;
    private final UUID uuid;
    private final long leaderTerm;
    /** The open handle of the staging container; handed to the store when the snapshot is installed. */
    Container container;
    private long nextOffset;
    private long nextSequence;
    private byte[] anchor;

    SnapshotStaging(SnapshotStore store, SnapshotProgress p, Container container) {
        this.store = store;
        this.snapshot = p.snapshot();
        this.uuid = p.container();
        this.leaderTerm = p.leaderTerm();
        this.container = container;
        this.nextOffset = p.nextOffset();
        this.nextSequence = p.nextSequence();
        this.anchor = p.anchor();
    }

    public SnapshotMetadata snapshot() {
        return snapshot;
    }

    /** The staging container's UUID. */
    public UUID uuid() {
        return uuid;
    }

    /** The term in which this snapshot began to come in. */
    public long leaderTerm() {
        return leaderTerm;
    }

    /** The offset of the next chunk: the bytes of the chunks written so far. */
    public long nextOffset() {
        return nextOffset;
    }

    SnapshotProgress progress() {
        return new SnapshotProgress(snapshot, uuid, nextOffset, nextSequence, leaderTerm, anchor);
    }

    static SnapshotProgress start(SnapshotMetadata snapshot, UUID container, long leaderTerm) {
        return new SnapshotProgress(snapshot, container, 0, 0, leaderTerm, Anchor.START.encode());
    }

    /**
     * Writes the chunk that the Raft core received at {@code offset}. Returns false when it is
     * one written already (a duplicate, ignored); throws {@link RdbException} (INVAL) when it
     * cannot be taken: another snapshot's, out of order, not continuing the last one, damaged,
     * or a restart chunk (the sender cannot go on from here).
     */
    public boolean write(long offset, byte[] data) {
        Header h = SnapshotChunks.decodeHeader(data);
        if (h.index() != snapshot.index() || h.term() != snapshot.term()) {
            throw new RdbException(RdbError.INVAL, "a chunk of snapshot " + h.index() + "/" + h.term()
                    + " came while snapshot " + snapshot.index() + "/" + snapshot.term() + " is staged");
        }
        if (offset < nextOffset && h.sequence() < nextSequence && !h.restart()) {
            return false;
        }
        if (h.restart()) {
            throw new RdbException(RdbError.INVAL, "the sender of snapshot " + snapshot.index()
                    + " cannot go on from offset " + offset + "; the snapshot starts over");
        }
        if (offset != nextOffset || h.sequence() != nextSequence || !Arrays.equals(h.start().encode(), anchor)) {
            throw new RdbException(RdbError.INVAL, "chunk " + h.sequence() + " of snapshot " + snapshot.index()
                    + " at offset " + offset + " does not continue the staged copy (next chunk " + nextSequence
                    + " at offset " + nextOffset + ")");
        }
        List<Record> records = SnapshotChunks.decodeRecords(h, data);
        SnapshotProgress after = new SnapshotProgress(snapshot, uuid, offset + data.length, nextSequence + 1,
                leaderTerm, h.end().encode());
        try {
            new ChunkWriter(h.sequence()).write(records, after);
        } catch (VosException e) {
            throw VosFailures.translate(e, "writing chunk " + h.sequence() + " of snapshot " + snapshot.index());
        }
        nextOffset = after.nextOffset();
        nextSequence = after.nextSequence();
        anchor = after.anchor();
        return true;
    }

    /** Writes one chunk's records, in more than one transaction if they need more operations than one holds. */
    private final class ChunkWriter {
        private final long sequence;
        private final Transaction tx = store.transaction();
        private final long epoch = snapshot.index();
        private final Set<Long> created = new HashSet<>();
        /** Pieces of the value being assembled written in this chunk, by scratch key. */
        private final TreeMap<Long, PartRecord> parts = new TreeMap<>();
        /** Scratch keys to punch, with the progress, in the chunk's last transaction. */
        private final List<Long> punches = new ArrayList<>();

        ChunkWriter(long sequence) {
            this.sequence = sequence;
        }

        void write(List<Record> records, SnapshotProgress after) {
            tx.clear();
            try {
                for (int i = 0; i < records.size(); i++) {
                    add(i, records.get(i));
                    if (tx.size() >= store.operationsPerTransaction() - 2) {
                        // The writes so far are idempotent: after a crash the chunk is written again.
                        tx.commit();
                    }
                }
                for (long k : punches) {
                    tx.punch(container, StoreLayout.SCRATCH_OID, k, epoch);
                }
                store.addProgress(tx, after);
                tx.commit();
            } finally {
                tx.clear();
            }
        }

        private void add(int i, Record r) {
            if (r instanceof ObjectRecord o) {
                checkKvsOid(o.oid());
                if (created.add(o.oid()) && !exists(o.oid())) {
                    tx.createObject(container, o.oid(), o.order(), epoch);
                }
            } else if (r instanceof PutRecord p) {
                checkDataOid(p.oid());
                tx.update(container, p.oid(), p.key(), epoch, p.value());
            } else {
                PartRecord p = (PartRecord) r;
                checkDataOid(p.oid());
                long key = sequence << 20 | i;
                tx.update(container, StoreLayout.SCRATCH_OID, key, epoch, SnapshotChunks.encodeRecord(p));
                parts.put(key, p);
                if ((long) p.offset() + p.bytes().length == p.total()) {
                    assemble(p);
                }
            }
        }

        /** The last piece of a value came: the value is written whole, and its pieces go. */
        private void assemble(PartRecord last) {
            TreeMap<Long, PartRecord> all = new TreeMap<>();
            container.iterate(Iteration.forward(StoreLayout.SCRATCH_OID, VosLimits.EPOCH_MAX), r -> {
                all.put(r.integerKey(), (PartRecord) SnapshotChunks.decodeRecord(r.value()));
                return true;
            });
            all.putAll(parts);
            byte[] value = new byte[last.total()];
            int covered = 0;
            for (PartRecord p : all.values()) {
                if (p.oid() != last.oid() || !p.key().equals(last.key()) || p.total() != last.total()
                        || p.offset() != covered) {
                    throw SnapshotChunks.malformed("the pieces of key " + last.key() + " of object " + last.oid()
                            + " do not make up its value");
                }
                System.arraycopy(p.bytes(), 0, value, covered, p.bytes().length);
                covered += p.bytes().length;
            }
            if (covered != last.total()) {
                throw SnapshotChunks.malformed("the pieces of key " + last.key() + " cover " + covered + " of "
                        + last.total() + " bytes");
            }
            tx.update(container, last.oid(), last.key(), epoch, value);
            punches.addAll(all.keySet());
            parts.clear();
        }

        private boolean exists(long oid) {
            try {
                container.firstKey(oid, VosLimits.EPOCH_MAX);
                return true;
            } catch (VosException e) {
                if (e.error() == VosError.NONEXIST) {
                    return false;
                }
                throw e;
            }
        }
    }

    private static void checkKvsOid(long oid) {
        if (oid < StoreLayout.FIRST_KVS_OID || oid >= StoreLayout.SEGMENT_OID_BASE) {
            throw SnapshotChunks.malformed("a KVS object id " + oid + " outside the KVS ids");
        }
    }

    private static void checkDataOid(long oid) {
        if (oid != StoreLayout.SYSTEM_OID && oid != StoreLayout.REQUESTS_OID && oid != StoreLayout.REQUEST_RECORDS_OID) {
            checkKvsOid(oid);
        }
    }

    @Override
    public String toString() {
        return "staging of snapshot " + snapshot.index() + "/" + snapshot.term() + " in " + uuid + " (next chunk "
                + nextSequence + " at " + nextOffset + ")";
    }

}
