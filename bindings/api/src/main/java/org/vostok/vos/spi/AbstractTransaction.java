package org.vostok.vos.spi;

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
 * What a transaction does whatever the binding: the argument checks of {@link Transaction}, an
 * operation refused leaving the transaction as it was, the containers whose gates
 * {@link #commit()} enters, and the error of a failed commit. A binding owns two native buffers,
 * the operations ({@code vos_op_t}, written by {@link #writeOp}) and their keys and values
 * (written by {@link #putData} and {@link #putKey}), grown on demand and kept across commits,
 * and makes the one {@code vos_tx_apply} call of a commit.
 *
 * <p>The public methods are final, and call the binding's methods on {@code this}: in a process
 * with one binding loaded those calls have one target, which the JIT inlines.
 *
 * <p>Thread-safety: one thread at a time, as {@link Transaction} says.
 *
 * <p>For implementations of the VOS API (the FFM and JNI bindings share it); applications do
 * not need it.
 *
 * @param <C> the binding's container
 */
public abstract class AbstractTransaction<C extends AbstractContainer> implements Transaction {
    // enum vos_op_kind (vos.h)
    public static final int OP_UPDATE = 1;
    public static final int OP_PUNCH = 2;
    public static final int OP_OBJ_CREATE = 3;
    public static final int OP_OBJ_PUNCH = 4;
    public static final int OP_DISCARD = 5;

    private final AbstractPool<C> pool;
    /** Operations collected; the binding's ops[0 .. size) are filled. */
    private int size;
    /** How many operations the binding's buffer holds. */
    private int opsCapacity;
    /** Bytes of keys and values collected; the binding's data[0 .. dataLength) is filled. */
    private long dataLength;
    /** How many bytes the binding's data buffer holds. */
    private long dataCapacity;
    /** The distinct containers the operations name, whose gates commit enters. */
    private AbstractContainer[] containers = new AbstractContainer[4];
    private int containerCount;
    private boolean closed;

    protected AbstractTransaction(AbstractPool<C> pool, int opsCapacity, long dataCapacity) {
        this.pool = Objects.requireNonNull(pool, "pool");
        this.opsCapacity = opsCapacity;
        this.dataCapacity = dataCapacity;
    }

    // ---------------------------------------------------------------------------------------
    // The binding's buffers and its native call.

    /**
     * Grows the operations' buffer past {@code opsUsed} operations, keeping them; returns how
     * many it holds now.
     */
    protected abstract int growOps(int opsUsed);

    /** Writes operation {@code index} ({@code vos_op_t}); the buffer holds it. */
    protected abstract void writeOp(int index, C container, int kind, int keyOrder, long oid, long epoch, long keyInt,
                                    long keyOffset, long valueOffset, int keyLength, int valueLength);

    /** The kind, object and epoch of operation {@code index}, to name it in an error. */
    protected abstract int opKind(int index);

    protected abstract long opOid(int index);

    protected abstract long opEpoch(int index);

    /**
     * Grows the data buffer to at least {@code neededBytes}, keeping its first {@code usedBytes};
     * returns how many bytes it holds now. May refuse (a {@link VosException}), leaving the buffer
     * as it was.
     */
    protected abstract long growData(long usedBytes, long neededBytes);

    /** Copies {@code length} bytes of {@code bytes} from {@code offset} to the data at {@code at}. */
    protected abstract void putData(long at, byte[] bytes, int offset, int length);

    /** Copies a lexical key's bytes to the data at {@code at}. */
    protected abstract void putKey(long at, Key.LexicalKey key);

    /**
     * {@code vos_tx_apply_flags} of the first {@code size} operations and {@code dataLength} bytes
     * of data ({@code VOS_TX_LAZY} when {@code lazy}), with every container's gate entered;
     * returns its code. The failed operation's index is then {@link #failedOpNative()}, and the
     * library's message {@link #failureMessage}.
     */
    protected abstract int applyNative(int size, long dataLength, boolean lazy);

    /** The index of the operation the last {@link #applyNative} call failed on, or -1. */
    protected abstract int failedOpNative();

    /**
     * The library's message for the calling thread's last failure, or the short name of
     * {@code rc} ("NOSPACE") when it left none.
     */
    protected abstract String failureMessage(int rc);

    /** Frees the buffers; called once. */
    protected abstract void freeBuffers();

    // ---------------------------------------------------------------------------------------

    @Override
    public final Transaction createObject(Container container, long oid, KeyOrder order, long epoch) {
        Objects.requireNonNull(order, "order");
        C c = own(container);
        addOp(c, OP_OBJ_CREATE, order.code(), oid, epoch, 0, 0, 0, 0, 0);
        return this;
    }

    @Override
    public final Transaction punchObject(Container container, long oid, long epoch) {
        C c = own(container);
        addOp(c, OP_OBJ_PUNCH, 0, oid, epoch, 0, 0, 0, 0, 0);
        return this;
    }

    @Override
    public final Transaction update(Container container, long oid, Key key, long epoch, byte[] value) {
        return update(container, oid, key, epoch, value, 0, value.length);
    }

    @Override
    public final Transaction update(Container container, long oid, long key, long epoch, byte[] value) {
        C c = own(container);
        checkValue(value, 0, value.length);
        long start = dataLength;
        try {
            long valueOffset = appendData(value, 0, value.length);
            addOp(c, OP_UPDATE, 0, oid, epoch, key, 0, valueOffset, 0, value.length);
        } catch (RuntimeException e) {
            dataLength = start; // refused: the transaction is as it was
            throw e;
        }
        return this;
    }

    @Override
    public final Transaction update(Container container, long oid, long key, long epoch, byte[] head, byte[] body) {
        C c = own(container);
        Objects.requireNonNull(head, "head");
        Objects.requireNonNull(body, "body");
        int length = head.length + body.length; // both at most an array's length: no overflow past int
        if (length < 0 || length > VosLimits.VALUE_BYTES_MAX) {
            throw new VosException(VosError.TOOBIG, "a value of " + ((long) head.length + body.length)
                    + " bytes is longer than VALUE_BYTES_MAX (" + VosLimits.VALUE_BYTES_MAX
                    + " bytes); split it over several keys. The transaction is unchanged");
        }
        long start = dataLength;
        try {
            long valueOffset = appendData(head, 0, head.length);
            appendData(body, 0, body.length);
            addOp(c, OP_UPDATE, 0, oid, epoch, key, 0, valueOffset, 0, length);
        } catch (RuntimeException e) {
            dataLength = start; // refused: the transaction is as it was
            throw e;
        }
        return this;
    }

    @Override
    public final Transaction update(Container container, long oid, Key key, long epoch, byte[] value, int offset,
                                    int length) {
        Objects.requireNonNull(key, "key");
        C c = own(container);
        checkValue(value, offset, length);
        long start = dataLength;
        try {
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
            addOp(c, OP_UPDATE, 0, oid, epoch, keyInt, keyOffset, valueOffset, keyLength, length);
        } catch (RuntimeException e) {
            dataLength = start; // refused: the transaction is as it was
            throw e;
        }
        return this;
    }

    @Override
    public final Transaction punch(Container container, long oid, Key key, long epoch) {
        Objects.requireNonNull(key, "key");
        C c = own(container);
        if (key instanceof Key.LexicalKey k) {
            long start = dataLength;
            try {
                long keyOffset = appendKey(k);
                addOp(c, OP_PUNCH, 0, oid, epoch, 0, keyOffset, 0, k.length(), 0);
            } catch (RuntimeException e) {
                dataLength = start;
                throw e;
            }
        } else {
            addOp(c, OP_PUNCH, 0, oid, epoch, ((Key.IntegerKey) key).value(), 0, 0, 0, 0);
        }
        return this;
    }

    @Override
    public final Transaction punch(Container container, long oid, long key, long epoch) {
        C c = own(container);
        addOp(c, OP_PUNCH, 0, oid, epoch, key, 0, 0, 0, 0);
        return this;
    }

    @Override
    public final Transaction discard(Container container, long fromEpoch) {
        C c = own(container);
        addOp(c, OP_DISCARD, 0, 0, fromEpoch, 0, 0, 0, 0, 0);
        return this;
    }

    @Override
    public final int size() {
        return size;
    }

    @Override
    public final void commit() {
        commit(false);
    }

    @Override
    public final void commitLazily() {
        commit(true);
    }

    private void commit(boolean lazy) {
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
            int rc = applyNative(size, dataLength, lazy);
            if (rc != 0) {
                int failed = failedOpNative();
                String message = failureMessage(rc);
                boolean oneOp = failed >= 0 && failed < size;
                throw new VosException(VosError.ofCode(rc), "committing a transaction of " + size
                        + (size == 1 ? " operation" : " operations")
                        + (oneOp ? ", operation " + failed + " (" + describeOp(failed) + ") failed" : "")
                        + ": " + message + "; nothing was changed", oneOp ? failed : -1);
            }
        } finally {
            for (int i = 0; i < entered; i++) {
                containers[i].leave();
            }
        }
        clear();
    }

    @Override
    public final void clear() {
        size = 0;
        dataLength = 0;
        Arrays.fill(containers, 0, containerCount, null);
        containerCount = 0;
    }

    @Override
    public final void close() {
        if (closed) {
            return;
        }
        closed = true;
        clear();
        freeBuffers();
    }

    // ---------------------------------------------------------------------------------------

    private void checkOpen() {
        if (closed) {
            throw new VosException(VosError.BADHANDLE, "this transaction is closed; start another with Pool.newTransaction()");
        }
    }

    /** The container as this binding's, open and of this transaction's pool. */
    @SuppressWarnings("unchecked")
    private C own(Container container) {
        checkOpen();
        Objects.requireNonNull(container, "container");
        // A container of this pool is of this binding: the pool made it.
        if (!(container instanceof AbstractContainer c) || c.pool() != pool) {
            throw new VosException(VosError.INVAL, "the container " + container.uuid() + " is not open in the pool "
                    + pool.path() + " of this transaction; a transaction changes one pool");
        }
        if (!c.isOpen()) {
            throw c.closedException();
        }
        return (C) c;
    }

    private static void checkValue(byte[] value, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, value.length);
        if (length > VosLimits.VALUE_BYTES_MAX) {
            throw new VosException(VosError.TOOBIG, "a value of " + length + " bytes is longer than VALUE_BYTES_MAX ("
                    + VosLimits.VALUE_BYTES_MAX + " bytes); split it over several keys. The transaction is unchanged");
        }
    }

    private void addOp(C container, int kind, int keyOrder, long oid, long epoch, long keyInt,
                       long keyOffset, long valueOffset, int keyLength, int valueLength) {
        if (size == VosLimits.TX_OPS_MAX) {
            throw new VosException(VosError.TOOBIG, "a transaction holds at most TX_OPS_MAX (" + VosLimits.TX_OPS_MAX
                    + ") operations; commit this one and start another. The transaction is unchanged");
        }
        if (size == opsCapacity) {
            opsCapacity = growOps(size);
        }
        writeOp(size, container, kind, keyOrder, oid, epoch, keyInt, keyOffset, valueOffset, keyLength, valueLength);
        size++;
        noteContainer(container);
    }

    private void noteContainer(AbstractContainer container) {
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
        long at = reserveData(key.length());
        putKey(at, key);
        return at;
    }

    private long appendData(byte[] value, int offset, int length) {
        long at = reserveData(length);
        putData(at, value, offset, length);
        return at;
    }

    /** Room for {@code bytes} more at the end of the data; returns where they go. */
    private long reserveData(int bytes) {
        long at = dataLength;
        long needed = at + bytes;
        if (needed > dataCapacity) {
            dataCapacity = growData(at, needed);
        }
        dataLength = needed;
        return at;
    }

    private String describeOp(int index) {
        int kind = opKind(index);
        String name;
        switch (kind) {
            case OP_UPDATE: name = "update"; break;
            case OP_PUNCH: name = "punch"; break;
            case OP_OBJ_CREATE: name = "create object"; break;
            case OP_OBJ_PUNCH: name = "punch object"; break;
            case OP_DISCARD: name = "discard"; break;
            default: name = "kind " + kind;
        }
        return name + " of object " + Long.toUnsignedString(opOid(index)) + " at epoch "
                + Long.toUnsignedString(opEpoch(index));
    }
}
