package org.vostok.vos.jni;

import java.lang.ref.Reference;
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
 * transaction allocates nothing; {@link #close()} frees them.
 *
 * <p>Thread-safety: one thread at a time, as {@link Transaction} says.
 */
final class JniTransaction implements Transaction {
    private static final int OPS_BYTES_INITIAL = 16 * VosNative.OP_BYTES;
    private static final int DATA_BYTES_INITIAL = 4 << 10;

    private final JniPool pool;
    private NativeBuffer ops;
    private NativeBuffer data;
    /** 8 bytes: vos_tx_apply's failed_op. */
    private final NativeBuffer failedOp;
    /** Operations collected; ops[0 .. size) are filled. */
    private int size;
    /** Bytes of keys and values collected; data[0 .. dataLength) is filled. */
    private int dataLength;
    /** The distinct containers the operations name, whose gates commit enters. */
    private JniContainer[] containers = new JniContainer[4];
    private int containerCount;
    private boolean closed;

    JniTransaction(JniPool pool) {
        this.pool = pool;
        this.ops = new NativeBuffer(OPS_BYTES_INITIAL);
        this.data = new NativeBuffer(DATA_BYTES_INITIAL);
        this.failedOp = new NativeBuffer(8);
    }

    @Override
    public Transaction createObject(Container container, long oid, KeyOrder order, long epoch) {
        Objects.requireNonNull(order, "order");
        JniContainer c = own(container);
        addOp(c, VosNative.OP_OBJ_CREATE, order.code(), oid, epoch, 0, 0, 0, 0, 0);
        return this;
    }

    @Override
    public Transaction punchObject(Container container, long oid, long epoch) {
        JniContainer c = own(container);
        addOp(c, VosNative.OP_OBJ_PUNCH, 0, oid, epoch, 0, 0, 0, 0, 0);
        return this;
    }

    @Override
    public Transaction update(Container container, long oid, Key key, long epoch, byte[] value) {
        return update(container, oid, key, epoch, value, 0, value.length);
    }

    @Override
    public Transaction update(Container container, long oid, long key, long epoch, byte[] value) {
        JniContainer c = own(container);
        checkValue(value, 0, value.length);
        int start = dataLength;
        try {
            int valueOffset = appendData(value, 0, value.length);
            addOp(c, VosNative.OP_UPDATE, 0, oid, epoch, key, 0, valueOffset, 0, value.length);
        } catch (RuntimeException e) {
            dataLength = start; // refused: the transaction is as it was
            throw e;
        }
        return this;
    }

    @Override
    public Transaction update(Container container, long oid, long key, long epoch, byte[] head, byte[] body) {
        JniContainer c = own(container);
        Objects.requireNonNull(head, "head");
        Objects.requireNonNull(body, "body");
        int length = head.length + body.length; // both at most an array's length: no overflow past int
        if (length < 0 || length > VosLimits.VALUE_BYTES_MAX) {
            throw new VosException(VosError.TOOBIG, "a value of " + ((long) head.length + body.length)
                    + " bytes is longer than VALUE_BYTES_MAX (" + VosLimits.VALUE_BYTES_MAX
                    + " bytes); split it over several keys. The transaction is unchanged");
        }
        int start = dataLength;
        try {
            int valueOffset = appendData(head, 0, head.length);
            appendData(body, 0, body.length);
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
        JniContainer c = own(container);
        checkValue(value, offset, length);
        int start = dataLength;
        try {
            int keyOffset = 0;
            long keyInt = 0;
            int keyLength = 0;
            if (key instanceof Key.LexicalKey k) {
                keyOffset = appendKey(k);
                keyLength = k.length();
            } else {
                keyInt = ((Key.IntegerKey) key).value();
            }
            int valueOffset = appendData(value, offset, length);
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
        JniContainer c = own(container);
        if (key instanceof Key.LexicalKey k) {
            int start = dataLength;
            try {
                int keyOffset = appendKey(k);
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
        JniContainer c = own(container);
        addOp(c, VosNative.OP_PUNCH, 0, oid, epoch, key, 0, 0, 0, 0);
        return this;
    }

    @Override
    public Transaction discard(Container container, long fromEpoch) {
        JniContainer c = own(container);
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
            failedOp.bytes.putInt(0, -1);
            int rc = Vos.vos_tx_apply(pool.handle, ops.address, size, data.address, dataLength, failedOp.address);
            if (rc != VosNative.OK) {
                int failed = failedOp.bytes.getInt(0);
                String message = VosNative.lastMessage();
                if (message.isEmpty()) {
                    message = VosNative.strerror(rc);
                }
                boolean oneOp = failed >= 0 && failed < size;
                throw new VosException(VosError.ofCode(rc), "committing a transaction of " + size + (size == 1 ? " operation" : " operations")
                        + (oneOp ? ", operation " + failed + " (" + describeOp(failed) + ") failed" : "")
                        + ": " + message + "; nothing was changed", oneOp ? failed : -1);
            }
        } finally {
            for (int i = 0; i < entered; i++) {
                containers[i].leave();
            }
            // The buffers' addresses were passed as numbers: keep them alive until the call is over.
            Reference.reachabilityFence(ops);
            Reference.reachabilityFence(data);
            Reference.reachabilityFence(failedOp);
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
        ops.close();
        data.close();
        failedOp.close();
    }

    // ---------------------------------------------------------------------------------------

    private void checkOpen() {
        if (closed) {
            throw new VosException(VosError.BADHANDLE, "this transaction is closed; start another with Pool.newTransaction()");
        }
    }

    /** The container as this implementation's, open and of this transaction's pool. */
    private JniContainer own(Container container) {
        checkOpen();
        Objects.requireNonNull(container, "container");
        if (!(container instanceof JniContainer) || ((JniContainer) container).jniPool() != pool) {
            throw new VosException(VosError.INVAL, "the container " + container.uuid() + " is not open in the pool "
                    + pool.path() + " of this transaction; a transaction changes one pool");
        }
        JniContainer c = (JniContainer) container;
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

    private void addOp(JniContainer container, int kind, int keyOrder, long oid, long epoch, long keyInt,
                       int keyOffset, int valueOffset, int keyLength, int valueLength) {
        if (size == VosLimits.TX_OPS_MAX) {
            throw new VosException(VosError.TOOBIG, "a transaction holds at most TX_OPS_MAX (" + VosLimits.TX_OPS_MAX
                    + ") operations; commit this one and start another. The transaction is unchanged");
        }
        int base = size * VosNative.OP_BYTES;
        if (base + VosNative.OP_BYTES > ops.size) {
            NativeBuffer grown = new NativeBuffer(ops.size * 2L);
            grown.bytes.put(0, ops.bytes, 0, base);
            ops.close();
            ops = grown;
        }
        var b = ops.bytes;
        b.putInt(base + VosNative.OP_KIND, kind);
        b.putInt(base + VosNative.OP_KEY_ORDER, keyOrder);
        b.putLong(base + VosNative.OP_CONT, container.handle);
        b.putLong(base + VosNative.OP_OID, oid);
        b.putLong(base + VosNative.OP_EPOCH, epoch);
        b.putLong(base + VosNative.OP_KEY_INT, keyInt);
        b.putLong(base + VosNative.OP_KEY_OFF, keyOffset);
        b.putLong(base + VosNative.OP_VALUE_OFF, valueOffset);
        b.putInt(base + VosNative.OP_KEY_LEN, keyLength);
        b.putInt(base + VosNative.OP_VALUE_LEN, valueLength);
        size++;
        noteContainer(container);
    }

    private void noteContainer(JniContainer container) {
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

    private int appendKey(Key.LexicalKey key) {
        int offset = reserveData(key.length());
        data.bytes.put(offset, key.asReadOnlyBuffer(), 0, key.length());
        return offset;
    }

    private int appendData(byte[] value, int offset, int length) {
        int at = reserveData(length);
        data.bytes.put(at, value, offset, length);
        return at;
    }

    /**
     * Room for {@code bytes} more at the end of the data. A direct buffer holds at most 2 GiB;
     * past that (only a transaction of thousands of near-maximum values reaches it) the
     * transaction refuses the operation rather than overflow.
     */
    private int reserveData(int bytes) {
        int at = dataLength;
        long needed = (long) at + bytes;
        if (needed > data.size) {
            if (needed > Integer.MAX_VALUE - 8) {
                throw new VosException(VosError.TOOBIG, "a transaction's keys and values may take at most 2 GiB "
                        + "through the JNI bindings (" + needed + " bytes asked); commit this one and start another. "
                        + "The transaction is unchanged");
            }
            NativeBuffer grown = new NativeBuffer(Math.min(Math.max(needed, data.size * 2L), Integer.MAX_VALUE - 8));
            grown.bytes.put(0, data.bytes, 0, at);
            data.close();
            data = grown;
        }
        dataLength = (int) needed;
        return at;
    }

    private String describeOp(int index) {
        int base = index * VosNative.OP_BYTES;
        var b = ops.bytes;
        int kind = b.getInt(base + VosNative.OP_KIND);
        String name;
        switch (kind) {
            case VosNative.OP_UPDATE: name = "update"; break;
            case VosNative.OP_PUNCH: name = "punch"; break;
            case VosNative.OP_OBJ_CREATE: name = "create object"; break;
            case VosNative.OP_OBJ_PUNCH: name = "punch object"; break;
            case VosNative.OP_DISCARD: name = "discard"; break;
            default: name = "kind " + kind;
        }
        return name + " of object " + Long.toUnsignedString(b.getLong(base + VosNative.OP_OID)) + " at epoch "
                + Long.toUnsignedString(b.getLong(base + VosNative.OP_EPOCH));
    }
}
