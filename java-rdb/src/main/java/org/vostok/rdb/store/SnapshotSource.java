package org.vostok.rdb.store;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import net.jpountz.lz4.LZ4Compressor;
import org.vostok.raft.SnapshotMetadata;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.store.SnapshotChunks.Anchor;
import org.vostok.rdb.store.SnapshotChunks.ObjectRecord;
import org.vostok.rdb.store.SnapshotChunks.PartRecord;
import org.vostok.rdb.store.SnapshotChunks.PutRecord;
import org.vostok.rdb.store.SnapshotChunks.Record;
import org.vostok.vos.Container;
import org.vostok.vos.Iteration;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.VosException;

/**
 * The content of one snapshot, read from the LOG container at the snapshot's index (its epoch,
 * which the caller keeps from being aggregated away) and cut into chunks on demand: the system
 * object, the client and request records, then every KVS object in the order of its id, each key in order.
 * The enumeration depends only on the tree at that epoch, which is the same on every replica, so
 * the same chunking of it is the same bytes anywhere.
 *
 * <p>Chunks are asked for by offset (the bytes of the chunks before it, as the Raft core counts).
 * The source remembers where each chunk it made ended; for an offset it has not reached (a
 * follower resuming after its own restart, or after a leader change) it cuts the chunks before
 * it again. An offset that falls inside a chunk, which only a follower fed by a differently
 * configured leader can name, gets a restart chunk: the follower drops its copy and starts over.
 *
 * <p>Thread-safety: one thread at a time (the replica's snapshot sender).
 */
public final class SnapshotSource {

    /** How much the raw records of a chunk may be, relative to the chunk, before compression. */
    private static final int RAW_PER_CHUNK = 4;
    /** Keys read from VOS per call at most. */
    private static final int READ_BATCH_RECORDS = 256;

    private final Container log;
    private final SnapshotMetadata snapshot;
    private final long epoch;
    private final LZ4Compressor lz4 = SnapshotChunks.compressor();
    /** The objects to send, by id: {oid, key order code}. Built at the first chunk. */
    private List<long[]> objects;
    /** Where each chunk made so far starts: offset -> its sequence number and start anchor. */
    private final TreeMap<Long, Boundary> boundaries = new TreeMap<>();
    /** The offset after the last chunk, once it was made; -1 before. */
    private long endOffset = -1;

    private record Boundary(long sequence, Anchor anchor) {
    }

    /** A chunk: its bytes and whether it is the snapshot's last. */
    public record Chunk(byte[] data, boolean last) {
    }

    SnapshotSource(Container log, SnapshotMetadata snapshot) {
        this.log = log;
        this.snapshot = snapshot;
        this.epoch = snapshot.index();
        boundaries.put(0L, new Boundary(0, Anchor.START));
    }

    public SnapshotMetadata snapshot() {
        return snapshot;
    }

    /** The chunk at {@code offset}, at most {@code bytesMax} bytes. */
    public Chunk chunkAt(long offset, int bytesMax) {
        try {
            if (!boundaries.containsKey(offset)) {
                catchUp(offset, bytesMax);
            }
            Boundary b = boundaries.get(offset);
            if (b == null) {
                return new Chunk(SnapshotChunks.restart(snapshot.index(), snapshot.term(), 0), false);
            }
            Built c = build(b, bytesMax);
            long next = offset + c.data.length;
            boundaries.put(next, new Boundary(b.sequence + 1, c.end));
            if (c.last) {
                endOffset = next;
            }
            return new Chunk(c.data, c.last);
        } catch (VosException e) {
            throw VosFailures.translate(e, "reading snapshot " + snapshot.index() + " at offset " + offset);
        }
    }

    /** Cuts the chunks from the last known boundary before {@code offset} up to it, if one falls there. */
    private void catchUp(long offset, int bytesMax) {
        Map.Entry<Long, Boundary> from = boundaries.floorEntry(offset);
        while (from.getKey() < offset && (endOffset < 0 || from.getKey() < endOffset)) {
            Built c = build(from.getValue(), bytesMax);
            long next = from.getKey() + c.data.length;
            Boundary after = new Boundary(from.getValue().sequence + 1, c.end);
            boundaries.put(next, after);
            if (c.last) {
                endOffset = next;
            }
            if (next > offset) {
                return;
            }
            from = Map.entry(next, after);
        }
    }

    private record Built(byte[] data, Anchor end, boolean last) {
    }

    /** Cuts one chunk starting at {@code b}: as many whole records as fit once compressed. */
    private Built build(Boundary b, int bytesMax) {
        if (objects == null) {
            objects = listObjects();
        }
        int singleMax = rawSingleMax(bytesMax);
        int rawTarget = (int) Math.min((long) RAW_PER_CHUNK * bytesMax, SnapshotChunks.RAW_BYTES_MAX);
        Cursor cursor = new Cursor(b.anchor, singleMax, rawTarget);
        ByteBuffer raw = ByteBuffer.allocate(rawTarget + singleMax);
        List<Integer> ends = new ArrayList<>();
        List<Anchor> anchors = new ArrayList<>();
        boolean exhausted = false;
        while (ends.size() < SnapshotChunks.RECORDS_MAX && raw.position() < rawTarget) {
            Record r = cursor.next();
            if (r == null) {
                exhausted = true;
                break;
            }
            SnapshotChunks.writeRecord(raw, r);
            ends.add(raw.position());
            anchors.add(cursor.anchor);
        }
        if (!exhausted && ends.size() < SnapshotChunks.RECORDS_MAX && cursor.peekEnd()) {
            exhausted = true;
        }
        // As many records as fit once compressed: from all of them down, each guess scaled by
        // how far the last one overshot, never more than one fewer than it (the same input gives
        // the same cut wherever it is made).
        int n = ends.size();
        while (true) {
            int rawLength = n == 0 ? 0 : ends.get(n - 1);
            Anchor end = n == 0 ? b.anchor : anchors.get(n - 1);
            byte[] compressed = SnapshotChunks.compress(lz4, raw.array(), rawLength);
            int room = bytesMax - SnapshotChunks.headerBytes(b.anchor, end);
            if (compressed.length <= room) {
                byte[] chunk = SnapshotChunks.encode(snapshot.index(), snapshot.term(), b.sequence, b.anchor, end, n,
                        raw.array(), rawLength, compressed);
                return new Built(chunk, end, exhausted && n == ends.size());
            }
            if (n <= 1) {
                throw new IllegalStateException("snapshot " + snapshot.index() + ": one record of " + rawLength
                        + " bytes does not fit a chunk of " + bytesMax + " bytes");
            }
            long target = (long) rawLength * room / compressed.length * 31 / 32;
            int fit = n - 1;
            while (fit > 1 && ends.get(fit - 1) > target) {
                fit--;
            }
            n = fit;
        }
    }

    /** The largest raw record that fits a chunk alone, whatever it compresses to and whatever the anchors. */
    static int rawSingleMax(int bytesMax) {
        LZ4Compressor lz4 = SnapshotChunks.compressor();
        int room = bytesMax - SnapshotChunks.HEADER_BYTES_MAX;
        int n = room;
        while (n > 0 && lz4.maxCompressedLength(n) > room) {
            n -= Math.max(1, (lz4.maxCompressedLength(n) - room));
        }
        return n;
    }

    /** The objects of the tree at the snapshot's epoch: the system, client and request objects, then every KVS by id. */
    private List<long[]> listObjects() {
        List<long[]> kvs = new ArrayList<>();
        Optional<byte[]> root = log.fetch(StoreLayout.SYSTEM_OID, StoreLayout.SYSTEM_ROOT, epoch);
        ArrayDeque<Descriptor> pending = new ArrayDeque<>();
        root.map(TaggedValues::descriptorOf).ifPresent(pending::add);
        VosTreeView view = new VosTreeView(log, epoch);
        while (!pending.isEmpty()) {
            Descriptor d = pending.poll();
            kvs.add(new long[] {d.oid(), d.order().code()});
            view.forEachKvsChild(d.oid(), (k, child) -> pending.add(child));
        }
        kvs.sort((a, c) -> Long.compareUnsigned(a[0], c[0]));
        List<long[]> all = new ArrayList<>(kvs.size() + 3);
        all.add(new long[] {StoreLayout.SYSTEM_OID, KeyOrder.LEXICAL.code()});
        all.add(new long[] {StoreLayout.REQUESTS_OID, KeyOrder.LEXICAL.code()});
        all.add(new long[] {StoreLayout.REQUEST_RECORDS_OID, KeyOrder.INTEGER.code()});
        all.addAll(kvs);
        return all;
    }

    private static boolean isKvs(long oid) {
        return oid >= StoreLayout.FIRST_KVS_OID;
    }

    /** Walks the enumeration from an anchor, one record at a time. */
    private final class Cursor {
        private final int singleMax;
        private final int readBytesMax;
        private int object;
        private boolean headerDone;
        private Optional<Key> after = Optional.empty();
        private final ArrayDeque<Key> readKeys = new ArrayDeque<>();
        private final ArrayDeque<byte[]> readValues = new ArrayDeque<>();
        private boolean objectDone;
        private Key partKey;
        private byte[] partValue;
        private int partOffset;
        /** Where the enumeration stands after the last record returned. */
        Anchor anchor;

        Cursor(Anchor from, int singleMax, int readBytesMax) {
            this.singleMax = singleMax;
            this.readBytesMax = readBytesMax;
            this.anchor = from;
            if (from.oid() == 0) {
                object = 0;
                headerDone = !isKvs(objects.get(0)[0]);
                return;
            }
            object = indexOf(from.oid());
            headerDone = true;
            after = from.key();
            if (from.partOffset() > 0) {
                partKey = from.key().orElseThrow();
                partValue = log.fetch(from.oid(), partKey, epoch).orElseThrow(() -> new RdbException(RdbError.INVAL,
                        "snapshot " + snapshot.index() + " has no key " + partKey + " in object " + from.oid()
                        + " to resume at"));
                partOffset = from.partOffset();
            }
        }

        private int indexOf(long oid) {
            for (int i = 0; i < objects.size(); i++) {
                if (objects.get(i)[0] == oid) {
                    return i;
                }
            }
            throw new RdbException(RdbError.INVAL, "snapshot " + snapshot.index() + " has no object " + oid
                    + " to resume at");
        }

        /** Whether no record is left, without moving. */
        boolean peekEnd() {
            if (partValue != null || !headerDone) {
                return false;
            }
            if (!readKeys.isEmpty()) {
                return false;
            }
            if (!objectDone) {
                fill();
                if (!readKeys.isEmpty()) {
                    return false;
                }
            }
            for (int i = object + 1; i < objects.size(); i++) {
                if (isKvs(objects.get(i)[0]) || log.firstKey(objects.get(i)[0], epoch).isPresent()) {
                    return false;
                }
            }
            return true;
        }

        /** The next record, or null at the end. */
        Record next() {
            while (object < objects.size()) {
                long oid = objects.get(object)[0];
                if (!headerDone) {
                    headerDone = true;
                    anchor = new Anchor(oid, Optional.empty(), 0);
                    return new ObjectRecord(oid, KeyOrder.values()[orderIndex(objects.get(object)[1])]);
                }
                if (partValue != null) {
                    return nextPart(oid);
                }
                if (readKeys.isEmpty() && !objectDone) {
                    fill();
                }
                if (readKeys.isEmpty()) {
                    object++;
                    after = Optional.empty();
                    objectDone = false;
                    headerDone = object < objects.size() && !isKvs(objects.get(object)[0]);
                    continue;
                }
                Key key = readKeys.poll();
                byte[] value = readValues.poll();
                after = Optional.of(key);
                PutRecord put = new PutRecord(oid, key, value);
                if (SnapshotChunks.recordBytes(put) <= singleMax) {
                    anchor = new Anchor(oid, after, 0);
                    return put;
                }
                partKey = key;
                partValue = value;
                partOffset = 0;
            }
            return null;
        }

        private Record nextPart(long oid) {
            int room = singleMax - SnapshotChunks.partRecordBytes(partKey, 0);
            int length = Math.min(room, partValue.length - partOffset);
            PartRecord part = new PartRecord(oid, partKey, partValue.length, partOffset,
                    Arrays.copyOfRange(partValue, partOffset, partOffset + length));
            partOffset += length;
            if (partOffset == partValue.length) {
                anchor = new Anchor(oid, Optional.of(partKey), 0);
                partValue = null;
                partKey = null;
                partOffset = 0;
            } else {
                anchor = new Anchor(oid, Optional.of(partKey), partOffset);
            }
            return part;
        }

        /** Reads the next keys of the current object, up to a batch. */
        private void fill() {
            long oid = objects.get(object)[0];
            Iteration it = Iteration.forward(oid, epoch).withBatch(READ_BATCH_RECORDS, Iteration.BATCH_BYTES_DEFAULT);
            if (after.isPresent()) {
                it = it.after(after.get());
            }
            long[] bytes = {0};
            boolean complete = log.iterate(it, r -> {
                readKeys.add(r.key());
                byte[] v = r.value();
                readValues.add(v);
                bytes[0] += v.length;
                return readKeys.size() < READ_BATCH_RECORDS && bytes[0] < readBytesMax;
            }).complete();
            if (complete) {
                objectDone = true;
            }
        }
    }

    private static int orderIndex(long code) {
        KeyOrder[] orders = KeyOrder.values();
        for (int i = 0; i < orders.length; i++) {
            if (orders[i].code() == code) {
                return i;
            }
        }
        throw new IllegalStateException("key order code " + code);
    }
}
