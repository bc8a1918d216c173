package org.vostok.rdb.store;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.vostok.rdb.model.KvsPath;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RequestId;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.VosException;
import org.vostok.vos.VosLimits;

/**
 * What an rdb log entry carries: the updates of one transaction and its optional request id,
 * in a versioned binary form. Every replica decodes the same bytes the same way; bytes that do
 * not decode make the entry fail with {@link RdbError#INVAL} on every replica alike.
 *
 * <pre>
 * payload := u8 format(2) | u8 flags(bit 0: request id) | [u64 client msb | u64 client lsb | u64 sequence]
 *            | u32 count | op*
 * op      := u8 kind | path | fields of the kind
 * path    := u8 depth | key*
 * key     := u8 1 | u64 value            (integer)
 *          | u8 2 | u16 length | bytes   (lexical)
 *          (new replica id: u8 7 | u32 rank)
 * order   := u8 1 (integer) | u8 2 (lexical)
 * value   := u32 length | bytes
 * </pre>
 */
public record EntryPayload(Optional<RequestId> requestId, List<Op> ops) {

    /** 2: the request id is a client and a sequence number (1 had a bare UUID). */
    private static final byte FORMAT = 2;
    private static final byte FLAG_REQUEST_ID = 1;
    private static final byte CREATE_ROOT = 1;
    private static final byte DESTROY_ROOT = 2;
    private static final byte CREATE_KVS = 3;
    private static final byte DESTROY_KVS = 4;
    private static final byte UPDATE = 5;
    private static final byte DELETE = 6;
    private static final byte NEW_REPLICA_ID = 7;
    private static final byte KEY_INTEGER = 1;
    private static final byte KEY_LEXICAL = 2;

    public EntryPayload {
        Objects.requireNonNull(requestId, "requestId");
        ops = List.copyOf(ops);
    }

    /** The encoded size in bytes. */
    public int encodedBytes() {
        long size = 2 + (requestId.isPresent() ? 24 : 0) + 4;
        for (Op op : ops) {
            size += 1 + opBytes(op);
        }
        if (size > Integer.MAX_VALUE) {
            throw new PlanFailure(RdbError.TOOBIG, "the transaction encodes to " + size + " bytes, more than 2 GiB");
        }
        return (int) size;
    }

    private static long opBytes(Op op) {
        if (op instanceof Op.CreateRoot) {
            return 1;
        } else if (op instanceof Op.DestroyRoot) {
            return 0;
        } else if (op instanceof Op.CreateKvs c) {
            return pathBytes(c.parent()) + keyBytes(c.key()) + 1;
        } else if (op instanceof Op.DestroyKvs d) {
            return pathBytes(d.parent()) + keyBytes(d.key());
        } else if (op instanceof Op.Update u) {
            return pathBytes(u.kvs()) + keyBytes(u.key()) + 4 + u.value().length;
        } else if (op instanceof Op.NewReplicaId) {
            return 4;
        } else {
            Op.Delete d = (Op.Delete) op;
            return pathBytes(d.kvs()) + keyBytes(d.key());
        }
    }

    private static long pathBytes(KvsPath path) {
        long size = 1;
        for (Key k : path.keys()) {
            size += keyBytes(k);
        }
        return size;
    }

    private static long keyBytes(Key key) {
        return key instanceof Key.IntegerKey ? 9 : 3 + ((Key.LexicalKey) key).length();
    }

    /** The entry data for this payload. */
    public byte[] encode() {
        ByteBuffer out = ByteBuffer.allocate(encodedBytes());
        out.put(FORMAT).put(requestId.isPresent() ? FLAG_REQUEST_ID : 0);
        requestId.ifPresent(id -> out.putLong(id.client().getMostSignificantBits())
                .putLong(id.client().getLeastSignificantBits()).putLong(id.sequence()));
        out.putInt(ops.size());
        for (Op op : ops) {
            writeOp(out, op);
        }
        if (out.hasRemaining()) {
            throw new IllegalStateException("payload size miscounted: " + out.remaining() + " bytes left");
        }
        return out.array();
    }

    private static void writeOp(ByteBuffer out, Op op) {
        if (op instanceof Op.CreateRoot c) {
            out.put(CREATE_ROOT).put(orderCode(c.order()));
        } else if (op instanceof Op.DestroyRoot) {
            out.put(DESTROY_ROOT);
        } else if (op instanceof Op.CreateKvs c) {
            out.put(CREATE_KVS);
            writePath(out, c.parent());
            writeKey(out, c.key());
            out.put(orderCode(c.order()));
        } else if (op instanceof Op.DestroyKvs d) {
            out.put(DESTROY_KVS);
            writePath(out, d.parent());
            writeKey(out, d.key());
        } else if (op instanceof Op.Update u) {
            out.put(UPDATE);
            writePath(out, u.kvs());
            writeKey(out, u.key());
            out.putInt(u.value().length).put(u.value());
        } else if (op instanceof Op.NewReplicaId n) {
            out.put(NEW_REPLICA_ID).putInt(n.rank());
        } else {
            Op.Delete d = (Op.Delete) op;
            out.put(DELETE);
            writePath(out, d.kvs());
            writeKey(out, d.key());
        }
    }

    private static void writePath(ByteBuffer out, KvsPath path) {
        out.put((byte) path.depth());
        for (Key k : path.keys()) {
            writeKey(out, k);
        }
    }

    private static void writeKey(ByteBuffer out, Key key) {
        if (key instanceof Key.IntegerKey i) {
            out.put(KEY_INTEGER).putLong(i.value());
        } else {
            Key.LexicalKey l = (Key.LexicalKey) key;
            out.put(KEY_LEXICAL).putShort((short) l.length()).put(l.asReadOnlyBuffer());
        }
    }

    private static byte orderCode(KeyOrder order) {
        return (byte) order.code();
    }

    /**
     * The payload in {@code data}; a {@link PlanFailure} with {@link RdbError#INVAL} when the bytes
     * are not a payload this version can read.
     */
    public static EntryPayload decode(byte[] data) {
        try {
            ByteBuffer in = ByteBuffer.wrap(data);
            byte format = in.get();
            if (format != FORMAT) {
                throw malformed("format " + format + " is not " + FORMAT + " (written by a newer version?)");
            }
            byte flags = in.get();
            if ((flags & ~FLAG_REQUEST_ID) != 0) {
                throw malformed("unknown flags " + flags);
            }
            Optional<RequestId> requestId = (flags & FLAG_REQUEST_ID) != 0
                    ? Optional.of(new RequestId(new UUID(in.getLong(), in.getLong()), in.getLong())) : Optional.empty();
            int count = in.getInt();
            if (count < 0 || count > in.remaining()) {
                throw malformed("an operation count of " + count + " with " + in.remaining() + " bytes left");
            }
            List<Op> ops = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                ops.add(readOp(in));
            }
            if (in.hasRemaining()) {
                throw malformed(in.remaining() + " bytes after the last operation");
            }
            return new EntryPayload(requestId, ops);
        } catch (BufferUnderflowException e) {
            throw malformed("it ends in the middle of an operation");
        } catch (VosException | IllegalArgumentException e) {
            throw malformed(e.getMessage());
        }
    }

    private static Op readOp(ByteBuffer in) {
        byte kind = in.get();
        switch (kind) {
            case CREATE_ROOT:
                return new Op.CreateRoot(readOrder(in));
            case DESTROY_ROOT:
                return new Op.DestroyRoot();
            case CREATE_KVS: {
                KvsPath parent = readPath(in);
                Key key = readKey(in);
                return new Op.CreateKvs(parent, key, readOrder(in));
            }
            case DESTROY_KVS:
                return new Op.DestroyKvs(readPath(in), readKey(in));
            case UPDATE: {
                KvsPath kvs = readPath(in);
                Key key = readKey(in);
                int length = in.getInt();
                if (length < 0 || length > in.remaining()) {
                    throw malformed("a value of " + length + " bytes with " + in.remaining() + " bytes left");
                }
                byte[] value = new byte[length];
                in.get(value);
                return new Op.Update(kvs, key, value);
            }
            case DELETE:
                return new Op.Delete(readPath(in), readKey(in));
            case NEW_REPLICA_ID:
                return new Op.NewReplicaId(in.getInt());
            default:
                throw malformed("unknown operation kind " + kind);
        }
    }

    private static KvsPath readPath(ByteBuffer in) {
        int depth = in.get() & 0xff;
        if (depth > KvsPath.DEPTH_MAX) {
            throw malformed("a path of depth " + depth);
        }
        List<Key> keys = new ArrayList<>(depth);
        for (int i = 0; i < depth; i++) {
            keys.add(readKey(in));
        }
        return KvsPath.of(keys);
    }

    private static Key readKey(ByteBuffer in) {
        byte kind = in.get();
        if (kind == KEY_INTEGER) {
            return Key.of(in.getLong());
        }
        if (kind != KEY_LEXICAL) {
            throw malformed("unknown key kind " + kind);
        }
        int length = in.getShort() & 0xffff;
        if (length == 0 || length > VosLimits.KEY_BYTES_MAX) {
            throw malformed("a lexical key of " + length + " bytes");
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return Key.of(bytes);
    }

    private static KeyOrder readOrder(ByteBuffer in) {
        byte code = in.get();
        for (KeyOrder o : KeyOrder.values()) {
            if (o.code() == code) {
                return o;
            }
        }
        throw malformed("unknown key order " + code);
    }

    private static PlanFailure malformed(String detail) {
        return new PlanFailure(RdbError.INVAL, "the entry's transaction does not decode: " + detail);
    }
}
