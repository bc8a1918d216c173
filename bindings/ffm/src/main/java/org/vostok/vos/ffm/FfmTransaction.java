package org.vostok.vos.ffm;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;
import org.vostok.vos.Container;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.Transaction;
import org.vostok.vos.VosError;
import org.vostok.vos.VosException;
import org.vostok.vos.VosLimits;

/**
 * A transaction that writes its operations ({@code vos_op_t}) and their keys and values straight
 * into native buffers owned by the transaction, so {@link #commit()} is one {@code vos_tx_apply}
 * call with no copying. The buffers grow by doubling and are kept across commits, so a reused
 * transaction allocates nothing; {@link #close()} frees them. Each buffer has its own shared arena
 * (the transaction may move between threads), replaced when the buffer grows.
 *
 * <p>Thread-safety: one thread at a time, as {@link Transaction} says.
 */
final class FfmTransaction implements Transaction {
    private static final long OPS_BYTES_INITIAL = 16 * VosNative.OP_BYTES;
    private static final long DATA_BYTES_INITIAL = 4 << 10;

    private final FfmPool pool;
    private Arena opsArena;
    private MemorySegment ops;
    private Arena dataArena;
    private MemorySegment data;
    private final Arena fixedArena;
    private final MemorySegment failedOp;
    /** Operations collected; ops[0 .. size) are filled. */
    private int size;
    /** Bytes of keys and values collected; data[0 .. dataLength) is filled. */
    private long dataLength;
    /** The distinct containers the operations name, whose gates commit enters. */
    private FfmContainer[] containers = new FfmContainer[4];
    private int containerCount;
    private boolean closed;

    FfmTransaction(FfmPool pool) {
        this.pool = pool;
        this.opsArena = Arena.ofShared();
        this.ops = opsArena.allocate(OPS_BYTES_INITIAL, 8);
        this.dataArena = Arena.ofShared();
        this.data = dataArena.allocate(DATA_BYTES_INITIAL, 8);
        this.fixedArena = Arena.ofShared();
        this.failedOp = fixedArena.allocate(JAVA_INT);
    }

    @Override
    public Transaction createObject(Container container, long oid, KeyOrder order, long epoch) {
        Objects.requireNonNull(order, "order");
        FfmContainer c = own(container);
        addOp(c, VosNative.OP_OBJ_CREATE, order.code(), oid, epoch, 0, 0, 0, 0, 0);
        return this;
    }

    @Override
    public Transaction punchObject(Container container, long oid, long epoch) {
        FfmContainer c = own(container);
        addOp(c, VosNative.OP_OBJ_PUNCH, 0, oid, epoch, 0, 0, 0, 0, 0);
        return this;
    }

    @Override
    public Transaction update(Container container, long oid, Key key, long epoch, byte[] value) {
        return update(container, oid, key, epoch, value, 0, value.length);
    }

    @Override
    public Transaction update(Container container, long oid, long key, long epoch, byte[] value) {
        FfmContainer c = own(container);
        checkValue(value, 0, value.length);
        long start = dataLength;
        long valueOffset = appendData(value, 0, value.length);
        try {
            addOp(c, VosNative.OP_UPDATE, 0, oid, epoch, key, 0, valueOffset, 0, value.length);
        } catch (RuntimeException e) {
            dataLength = start; // refused: the transaction is as it was
            throw e;
        }
        return this;
    }

    @Override
    public Transaction update(Container container, long oid, long key, long epoch, byte[] head, byte[] body) {
        FfmContainer c = own(container);
        Objects.requireNonNull(head, "head");
        Objects.requireNonNull(body, "body");
        int length = head.length + body.length; // both at most an array's length: no overflow past int
        if (length < 0 || length > VosLimits.VALUE_BYTES_MAX) {
            throw new VosException(VosError.TOOBIG, "a value of " + ((long) head.length + body.length)
                    + " bytes is longer than VALUE_BYTES_MAX (" + VosLimits.VALUE_BYTES_MAX
                    + " bytes); split it over several keys. The transaction is unchanged");
        }
        long start = dataLength;
        long valueOffset = appendData(head, 0, head.length);
        appendData(body, 0, body.length);
        try {
            addOp(c, VosNative.OP_UPDATE, 0, oid, epoch, key, 0, valueOffset, 0, length);
        } catch (RuntimeException e) {
            dataLength = start; // refused: the transaction is as it was
            throw e;
        }
        return this;
    }

    @Override
    public Transaction update(Container container, long oid, Key key, long epoch, byte[] value, int offset, int length) {
        Objects.requireNonNull(key, "key");
        FfmContainer c = own(container);
        checkValue(value, offset, length);
        long start = dataLength;
        long keyOffset = 0;
        long keyInt = 0;
        int keyLength = 0;
        if (key instanceof Key.LexicalKey k) {
            keyOffset = appendKey(k);
            keyLength = k.length();
        } else {
            keyInt = ((Key.IntegerKey) key).value();
        }
        long valueOffset = appendData(value, offset, length);
        try {
            addOp(c, VosNative.OP_UPDATE, 0, oid, epoch, keyInt, keyOffset, valueOffset, keyLength, length);
        } catch (RuntimeException e) {
            dataLength = start; // refused: the transaction is as it was
            throw e;
        }
        return this;
    }

    @Override
    public Transaction punch(Container container, long oid, Key key, long epoch) {
        Objects.requireNonNull(key, "key");
        FfmContainer c = own(container);
        if (key instanceof Key.LexicalKey k) {
            long start = dataLength;
            long keyOffset = appendKey(k);
            try {
                addOp(c, VosNative.OP_PUNCH, 0, oid, epoch, 0, keyOffset, 0, k.length(), 0);
            } catch (RuntimeException e) {
                dataLength = start;
                throw e;
            }
        } else {
            addOp(c, VosNative.OP_PUNCH, 0, oid, epoch, ((Key.IntegerKey) key).value(), 0, 0, 0, 0);
        }
        return this;
    }

    @Override
    public Transaction punch(Container container, long oid, long key, long epoch) {
        FfmContainer c = own(container);
        addOp(c, VosNative.OP_PUNCH, 0, oid, epoch, key, 0, 0, 0, 0);
        return this;
    }

    @Override
    public Transaction discard(Container container, long fromEpoch) {
        FfmContainer c = own(container);
        addOp(c, VosNative.OP_DISCARD, 0, 0, fromEpoch, 0, 0, 0, 0, 0);
        return this;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public void commit() {
        checkOpen();
        if (size == 0) {
            return;
        }
        // Every container named must stay open for the call; enter all their gates first.
        int entered = 0;
        try {
            for (; entered < containerCount; entered++) {
                containers[entered].enter();
            }
            failedOp.set(JAVA_INT, 0, -1);
            int rc = (int) VosNative.TX_APPLY.invokeExact(pool.handle, ops.address(), size, data.address(), dataLength,
                    failedOp.address());
            if (rc != VosNative.OK) {
                int failed = failedOp.get(JAVA_INT, 0);
                String message = VosNative.lastMessage();
                if (message.isEmpty()) {
                    message = VosNative.strerror(rc);
                }
                boolean oneOp = failed >= 0 && failed < size;
                throw new VosException(VosError.ofCode(rc), "committing a transaction of " + size + (size == 1 ? " operation" : " operations")
                        + (oneOp ? ", operation " + failed + " (" + describeOp(failed) + ") failed" : "")
                        + ": " + message + "; nothing was changed", oneOp ? failed : -1);
            }
        } catch (Throwable t) {
            throw VosNative.rethrow(t);
        } finally {
            for (int i = 0; i < entered; i++) {
                containers[i].leave();
            }
        }
        clear();
    }

    @Override
    public void clear() {
        size = 0;
        dataLength = 0;
        Arrays.fill(containers, 0, containerCount, null);
        containerCount = 0;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        clear();
        opsArena.close();
        dataArena.close();
        fixedArena.close();
    }

    // ---------------------------------------------------------------------------------------

    private void checkOpen() {
        if (closed) {
            throw new VosException(VosError.BADHANDLE, "this transaction is closed; start another with Pool.newTransaction()");
        }
    }

    /** The container as this implementation's, open and of this transaction's pool. */
    private FfmContainer own(Container container) {
        checkOpen();
        Objects.requireNonNull(container, "container");
        if (!(container instanceof FfmContainer c) || c.ffmPool() != pool) {
            throw new VosException(VosError.INVAL, "the container " + container.uuid() + " is not open in the pool "
                    + pool.path() + " of this transaction; a transaction changes one pool");
        }
        if (!c.isOpen()) {
            throw c.closedException();
        }
        return c;
    }

    private static void checkValue(byte[] value, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, value.length);
        if (length > VosLimits.VALUE_BYTES_MAX) {
            throw new VosException(VosError.TOOBIG, "a value of " + length + " bytes is longer than VALUE_BYTES_MAX ("
                    + VosLimits.VALUE_BYTES_MAX + " bytes); split it over several keys. The transaction is unchanged");
        }
    }

    private void addOp(FfmContainer container, int kind, int keyOrder, long oid, long epoch, long keyInt,
                       long keyOffset, long valueOffset, int keyLength, int valueLength) {
        if (size == VosLimits.TX_OPS_MAX) {
            throw new VosException(VosError.TOOBIG, "a transaction holds at most TX_OPS_MAX (" + VosLimits.TX_OPS_MAX
                    + ") operations; commit this one and start another. The transaction is unchanged");
        }
        long base = (long) size * VosNative.OP_BYTES;
        if (base + VosNative.OP_BYTES > ops.byteSize()) {
            Arena arena = Arena.ofShared();
            MemorySegment grown = arena.allocate(ops.byteSize() * 2, 8);
            MemorySegment.copy(ops, 0, grown, 0, base);
            opsArena.close();
            opsArena = arena;
            ops = grown;
        }
        ops.set(JAVA_INT, base + VosNative.OP_KIND, kind);
        ops.set(JAVA_INT, base + VosNative.OP_KEY_ORDER, keyOrder);
        ops.set(JAVA_LONG, base + VosNative.OP_CONT, container.handle);
        ops.set(JAVA_LONG, base + VosNative.OP_OID, oid);
        ops.set(JAVA_LONG, base + VosNative.OP_EPOCH, epoch);
        ops.set(JAVA_LONG, base + VosNative.OP_KEY_INT, keyInt);
        ops.set(JAVA_LONG, base + VosNative.OP_KEY_OFF, keyOffset);
        ops.set(JAVA_LONG, base + VosNative.OP_VALUE_OFF, valueOffset);
        ops.set(JAVA_INT, base + VosNative.OP_KEY_LEN, keyLength);
        ops.set(JAVA_INT, base + VosNative.OP_VALUE_LEN, valueLength);
        size++;
        noteContainer(container);
    }

    private void noteContainer(FfmContainer container) {
        for (int i = containerCount - 1; i >= 0; i--) {
            if (containers[i] == container) {
                return;
            }
        }
        if (containerCount == containers.length) {
            containers = Arrays.copyOf(containers, containerCount * 2);
        }
        containers[containerCount++] = container;
    }

    private long appendKey(Key.LexicalKey key) {
        long offset = reserveData(key.length());
        MemorySegment.copy(MemorySegment.ofBuffer(key.asReadOnlyBuffer()), 0, data, offset, key.length());
        return offset;
    }

    private long appendData(byte[] value, int offset, int length) {
        long at = reserveData(length);
        MemorySegment.copy(value, offset, data, JAVA_BYTE, at, length);
        return at;
    }

    private long reserveData(long bytes) {
        long at = dataLength;
        long needed = at + bytes;
        if (needed > data.byteSize()) {
            Arena arena = Arena.ofShared();
            MemorySegment grown = arena.allocate(Math.max(needed, data.byteSize() * 2), 8);
            MemorySegment.copy(data, 0, grown, 0, at);
            dataArena.close();
            dataArena = arena;
            data = grown;
        }
        dataLength = needed;
        return at;
    }

    private String describeOp(int index) {
        long base = (long) index * VosNative.OP_BYTES;
        int kind = ops.get(JAVA_INT, base + VosNative.OP_KIND);
        String name = switch (kind) {
            case VosNative.OP_UPDATE -> "update";
            case VosNative.OP_PUNCH -> "punch";
            case VosNative.OP_OBJ_CREATE -> "create object";
            case VosNative.OP_OBJ_PUNCH -> "punch object";
            case VosNative.OP_DISCARD -> "discard";
            default -> "kind " + kind;
        };
        return name + " of object " + Long.toUnsignedString(ops.get(JAVA_LONG, base + VosNative.OP_OID)) + " at epoch "
                + Long.toUnsignedString(ops.get(JAVA_LONG, base + VosNative.OP_EPOCH));
    }
}
