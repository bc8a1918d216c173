package org.vostok.rdb.store;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.VosException;
import org.vostok.vos.VosLimits;

/**
 * The wire form of a snapshot chunk: the bytes the Raft core carries in one {@code SnapshotChunk}
 * message, at most {@code snapshotChunkBytesMax}.
 *
 * <pre>
 * chunk   := u8 format(1) | u8 flags | u64 snapshot index | u64 snapshot term | u64 sequence
 *            | anchor start | anchor end | u32 records | u32 raw bytes | u32 CRC-32C of raw
 *            | LZ4 block of the raw records (the rest of the chunk)
 * flags   := bit 0: restart (no records: the sender cannot go on from the offset asked for)
 * anchor  := u64 oid | u8 0 (no key) | u8 1 u64 (integer key) | u8 2 u16 length bytes (lexical)
 *            | u32 part offset
 * record  := u8 1 | u64 oid | u8 key order                              (a KVS object)
 *          | u8 2 | u64 oid | key | u32 length | bytes                  (a key and its stored value)
 *          | u8 3 | u64 oid | key | u32 total | u32 offset | u32 length | bytes   (a piece of one)
 * </pre>
 *
 * Chunks come one after another, each carrying its sequence number and the anchors (the
 * position in the enumeration of the tree) where it starts and ends: the receiver takes a chunk
 * only if both continue exactly where the last one it wrote ended, so that chunks of two
 * differently cut streams are never mixed. The records of a chunk are whole; a value too large
 * for a chunk of its own travels in pieces, each in a record of its own.
 */
final class SnapshotChunks {

    static final byte FORMAT = 1;
    static final int FLAG_RESTART = 1;
    /** Records in one chunk at most. */
    static final int RECORDS_MAX = 16384;
    /** Raw (decompressed) bytes of one chunk at most. */
    static final int RAW_BYTES_MAX = 16 << 20;
    /** The largest anchor, in bytes. */
    static final int ANCHOR_BYTES_MAX = 8 + 1 + 2 + VosLimits.KEY_BYTES_MAX + 4;
    /** The fixed part of the header, without the anchors. */
    static final int HEADER_FIXED_BYTES = 1 + 1 + 8 + 8 + 8 + 4 + 4 + 4;
    /** The largest header. */
    static final int HEADER_BYTES_MAX = HEADER_FIXED_BYTES + 2 * ANCHOR_BYTES_MAX;

    static final byte OBJECT = 1;
    static final byte PUT = 2;
    static final byte PART = 3;

    private static final LZ4Factory LZ4 = LZ4Factory.safeInstance();

    private SnapshotChunks() {
    }

    static LZ4Compressor compressor() {
        return LZ4.fastCompressor();
    }

    /**
     * A position in the enumeration of a snapshot's tree: everything up to and including
     * {@code key} of object {@code oid} has been sent, and of {@code key}'s value the first
     * {@code partOffset} bytes when it is being sent in pieces. {@link #START} is before anything.
     */
    record Anchor(long oid, Optional<Key> key, int partOffset) {
        static final Anchor START = new Anchor(0, Optional.empty(), 0);

        int bytes() {
            return 8 + keyBytes(key) + 4;
        }

        void writeTo(ByteBuffer out) {
            out.putLong(oid);
            writeKey(out, key);
            out.putInt(partOffset);
        }

        static Anchor read(ByteBuffer in) {
            long oid = in.getLong();
            Optional<Key> key = readKey(in);
            int partOffset = in.getInt();
            if (partOffset < 0 || (partOffset > 0 && key.isEmpty())) {
                throw malformed("an anchor with part offset " + partOffset);
            }
            return new Anchor(oid, key, partOffset);
        }

        byte[] encode() {
            ByteBuffer out = ByteBuffer.allocate(bytes());
            writeTo(out);
            return out.array();
        }

        static Anchor decode(byte[] raw) {
            ByteBuffer in = ByteBuffer.wrap(raw);
            Anchor a = read(in);
            if (in.hasRemaining()) {
                throw malformed("an anchor with " + in.remaining() + " bytes too many");
            }
            return a;
        }
    }

    /** A chunk's header. */
    record Header(int flags, long index, long term, long sequence, Anchor start, Anchor end, int records,
                  int rawBytes, int crc, int headerBytes) {
        boolean restart() {
            return (flags & FLAG_RESTART) != 0;
        }
    }

    /** One record of the tree. */
    sealed interface Record {
    }

    /** KVS object {@code oid} exists with keys of {@code order}. */
    record ObjectRecord(long oid, KeyOrder order) implements Record {
    }

    /** {@code key} of object {@code oid} holds {@code value} (the stored bytes, tag included). */
    record PutRecord(long oid, Key key, byte[] value) implements Record {
    }

    /** Bytes {@code [offset, offset + bytes.length)} of the {@code total}-byte value of {@code key}. */
    record PartRecord(long oid, Key key, int total, int offset, byte[] bytes) implements Record {
    }

    // ----------------------------------------------------------------------------------------
    // Encoding

    static int keyBytes(Optional<Key> key) {
        return key.map(SnapshotChunks::keyBytes).orElse(1);
    }

    static int keyBytes(Key key) {
        return key instanceof Key.IntegerKey ? 1 + 8 : 1 + 2 + ((Key.LexicalKey) key).length();
    }

    static void writeKey(ByteBuffer out, Optional<Key> key) {
        if (key.isEmpty()) {
            out.put((byte) 0);
        } else {
            writeKey(out, key.get());
        }
    }

    static void writeKey(ByteBuffer out, Key key) {
        if (key instanceof Key.IntegerKey i) {
            out.put((byte) 1).putLong(i.value());
        } else {
            Key.LexicalKey l = (Key.LexicalKey) key;
            out.put((byte) 2).putShort((short) l.length()).put(l.asReadOnlyBuffer());
        }
    }

    static int recordBytes(Record r) {
        if (r instanceof ObjectRecord) {
            return 1 + 8 + 1;
        } else if (r instanceof PutRecord p) {
            return 1 + 8 + keyBytes(p.key()) + 4 + p.value().length;
        }
        PartRecord p = (PartRecord) r;
        return partRecordBytes(p.key(), p.bytes().length);
    }

    static int partRecordBytes(Key key, int length) {
        return 1 + 8 + keyBytes(key) + 4 + 4 + 4 + length;
    }

    static void writeRecord(ByteBuffer out, Record r) {
        if (r instanceof ObjectRecord o) {
            out.put(OBJECT).putLong(o.oid()).put((byte) o.order().code());
        } else if (r instanceof PutRecord p) {
            out.put(PUT).putLong(p.oid());
            writeKey(out, p.key());
            out.putInt(p.value().length).put(p.value());
        } else {
            PartRecord p = (PartRecord) r;
            out.put(PART).putLong(p.oid());
            writeKey(out, p.key());
            out.putInt(p.total()).putInt(p.offset()).putInt(p.bytes().length).put(p.bytes());
        }
    }

    /** The LZ4 block of {@code raw[0, rawLength)}, as long as it takes (at most its worst case). */
    static byte[] compress(LZ4Compressor lz4, byte[] raw, int rawLength) {
        if (rawLength == 0) {
            return new byte[0];
        }
        byte[] out = new byte[lz4.maxCompressedLength(rawLength)];
        int length = lz4.compress(raw, 0, rawLength, out, 0, out.length);
        return Arrays.copyOf(out, length);
    }

    /** The bytes of a chunk's header with these anchors. */
    static int headerBytes(Anchor start, Anchor end) {
        return HEADER_FIXED_BYTES + start.bytes() + end.bytes();
    }

    /** A chunk: the header, then {@code compressed}, the LZ4 block of the {@code records} raw bytes {@code raw[0, rawLength)}. */
    static byte[] encode(long index, long term, long sequence, Anchor start, Anchor end, int records, byte[] raw,
                         int rawLength, byte[] compressed) {
        int headerBytes = headerBytes(start, end);
        CRC32C crc = new CRC32C();
        crc.update(raw, 0, rawLength);
        ByteBuffer out = ByteBuffer.allocate(headerBytes + compressed.length);
        out.put(FORMAT).put((byte) 0).putLong(index).putLong(term).putLong(sequence);
        start.writeTo(out);
        end.writeTo(out);
        out.putInt(records).putInt(rawLength).putInt((int) crc.getValue());
        out.put(compressed);
        return out.array();
    }

    /** A chunk that tells the receiver to start over: the sender cannot go on from its offset. */
    static byte[] restart(long index, long term, long sequence) {
        CRC32C crc = new CRC32C();
        ByteBuffer out = ByteBuffer.allocate(HEADER_FIXED_BYTES + 2 * Anchor.START.bytes());
        out.put(FORMAT).put((byte) FLAG_RESTART).putLong(index).putLong(term).putLong(sequence);
        Anchor.START.writeTo(out);
        Anchor.START.writeTo(out);
        out.putInt(0).putInt(0).putInt((int) crc.getValue());
        return out.array();
    }

    // ----------------------------------------------------------------------------------------
    // Decoding: everything is checked; a bad chunk is INVAL naming what was wrong

    static Header decodeHeader(byte[] chunk) {
        try {
            ByteBuffer in = ByteBuffer.wrap(chunk);
            byte format = in.get();
            if (format != FORMAT) {
                throw malformed("format " + format + " is not " + FORMAT + " (sent by a newer version?)");
            }
            int flags = in.get();
            if ((flags & ~FLAG_RESTART) != 0) {
                throw malformed("unknown flags " + flags);
            }
            long index = in.getLong();
            long term = in.getLong();
            long sequence = in.getLong();
            Anchor start = Anchor.read(in);
            Anchor end = Anchor.read(in);
            int records = in.getInt();
            int rawBytes = in.getInt();
            int crc = in.getInt();
            if (records < 0 || records > RECORDS_MAX || rawBytes < 0 || rawBytes > RAW_BYTES_MAX) {
                throw malformed(records + " records in " + rawBytes + " bytes");
            }
            return new Header(flags, index, term, sequence, start, end, records, rawBytes, crc, in.position());
        } catch (BufferUnderflowException e) {
            throw malformed("it ends inside its header (" + chunk.length + " bytes)");
        }
    }

    /** The records of a chunk, after checking that they decompress to the bytes the header names. */
    static List<Record> decodeRecords(Header h, byte[] chunk) {
        byte[] raw = new byte[h.rawBytes()];
        int length = chunk.length - h.headerBytes();
        if (h.rawBytes() > 0) {
            LZ4SafeDecompressor lz4 = LZ4.safeDecompressor();
            int got;
            try {
                got = lz4.decompress(chunk, h.headerBytes(), length, raw, 0, raw.length);
            } catch (LZ4Exception e) {
                throw malformed("its LZ4 block does not decompress: " + e.getMessage());
            }
            if (got != h.rawBytes()) {
                throw malformed("it decompresses to " + got + " bytes, its header says " + h.rawBytes());
            }
        } else if (length != 0) {
            throw malformed(length + " bytes after a header that announces none");
        }
        CRC32C crc = new CRC32C();
        crc.update(raw);
        if ((int) crc.getValue() != h.crc()) {
            throw malformed("its records fail their checksum");
        }
        ByteBuffer in = ByteBuffer.wrap(raw);
        List<Record> records = new ArrayList<>(h.records());
        try {
            for (int i = 0; i < h.records(); i++) {
                records.add(readRecord(in));
            }
        } catch (BufferUnderflowException e) {
            throw malformed("it ends inside record " + records.size());
        }
        if (in.hasRemaining()) {
            throw malformed(in.remaining() + " bytes after its last record");
        }
        return records;
    }

    /** One record on its own (a piece of a value kept in the staging container's scratch object). */
    static byte[] encodeRecord(Record r) {
        ByteBuffer out = ByteBuffer.allocate(recordBytes(r));
        writeRecord(out, r);
        return out.array();
    }

    static Record decodeRecord(byte[] raw) {
        try {
            ByteBuffer in = ByteBuffer.wrap(raw);
            Record r = readRecord(in);
            if (in.hasRemaining()) {
                throw malformed(in.remaining() + " bytes after a record");
            }
            return r;
        } catch (BufferUnderflowException e) {
            throw malformed("a record of " + raw.length + " bytes is cut short");
        }
    }

    private static Record readRecord(ByteBuffer in) {
        byte kind = in.get();
        long oid = in.getLong();
        switch (kind) {
            case OBJECT: {
                byte code = in.get();
                for (KeyOrder o : KeyOrder.values()) {
                    if (o.code() == code) {
                        return new ObjectRecord(oid, o);
                    }
                }
                throw malformed("a KVS object with key order " + code);
            }
            case PUT: {
                Key key = readKey(in).orElseThrow(() -> malformed("a value without a key"));
                return new PutRecord(oid, key, readBytes(in, in.getInt()));
            }
            case PART: {
                Key key = readKey(in).orElseThrow(() -> malformed("a piece of a value without a key"));
                int total = in.getInt();
                int offset = in.getInt();
                int length = in.getInt();
                if (total <= 0 || total > VosLimits.VALUE_BYTES_MAX || offset < 0 || length <= 0
                        || (long) offset + length > total) {
                    throw malformed("a piece [" + offset + ", +" + length + ") of a value of " + total + " bytes");
                }
                return new PartRecord(oid, key, total, offset, readBytes(in, length));
            }
            default:
                throw malformed("unknown record kind " + kind);
        }
    }

    private static byte[] readBytes(ByteBuffer in, int length) {
        if (length < 0 || length > in.remaining() || length > VosLimits.VALUE_BYTES_MAX) {
            throw malformed("a value of " + length + " bytes with " + in.remaining() + " bytes left");
        }
        byte[] b = new byte[length];
        in.get(b);
        return b;
    }

    static Optional<Key> readKey(ByteBuffer in) {
        byte kind = in.get();
        if (kind == 0) {
            return Optional.empty();
        }
        if (kind == 1) {
            return Optional.of(Key.of(in.getLong()));
        }
        if (kind != 2) {
            throw malformed("unknown key kind " + kind);
        }
        int length = in.getShort() & 0xffff;
        if (length == 0 || length > VosLimits.KEY_BYTES_MAX || length > in.remaining()) {
            throw malformed("a lexical key of " + length + " bytes");
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        try {
            return Optional.of(Key.of(bytes));
        } catch (VosException e) {
            throw malformed(e.getMessage());
        }
    }

    static RdbException malformed(String detail) {
        return new RdbException(RdbError.INVAL, "a snapshot chunk is malformed: " + detail);
    }
}
