package org.vostok.vos.jni;

import java.lang.ref.Reference;
import org.vostok.vos.Key;
import org.vostok.vos.Transaction;
import org.vostok.vos.VosError;
import org.vostok.vos.VosException;
import org.vostok.vos.spi.AbstractTransaction;

/**
 * A transaction that writes its operations ({@code vos_op_t}) and their keys and values straight
 * into native buffers owned by the transaction, so {@link #commit()} is one {@code vos_tx_apply}
 * call with no copying. The buffers grow by doubling and are kept across commits, so a reused
 * transaction allocates nothing; {@link #close()} frees them. The checks and the bookkeeping are
 * {@link AbstractTransaction}'s.
 *
 * <p>Thread-safety: one thread at a time, as {@link Transaction} says.
 */
final class JniTransaction extends AbstractTransaction<JniContainer> {
    private static final int OPS_INITIAL = 16;
    private static final int DATA_BYTES_INITIAL = 4 << 10;
    /** A direct buffer holds at most 2 GiB (less a little the JDK keeps). */
    private static final int DATA_BYTES_MAX = Integer.MAX_VALUE - 8;

    private final JniPool pool;
    private NativeBuffer ops;
    private NativeBuffer data;
    /** 8 bytes: vos_tx_apply's failed_op. */
    private final NativeBuffer failedOp;

    JniTransaction(JniPool pool) {
        super(pool, OPS_INITIAL, DATA_BYTES_INITIAL);
        this.pool = pool;
        this.ops = new NativeBuffer(OPS_INITIAL * VosNative.OP_BYTES);
        this.data = new NativeBuffer(DATA_BYTES_INITIAL);
        this.failedOp = new NativeBuffer(8);
    }

    @Override
    protected int growOps(int opsUsed) {
        NativeBuffer grown = new NativeBuffer(ops.size * 2L);
        grown.bytes.put(0, ops.bytes, 0, opsUsed * VosNative.OP_BYTES);
        ops.close();
        ops = grown;
        return grown.size / VosNative.OP_BYTES;
    }

    @Override
    protected void writeOp(int index, JniContainer container, int kind, int keyOrder, long oid, long epoch,
                           long keyInt, long keyOffset, long valueOffset, int keyLength, int valueLength) {
        int base = index * VosNative.OP_BYTES;
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
    }

    @Override
    protected int opKind(int index) {
        return ops.bytes.getInt(index * VosNative.OP_BYTES + VosNative.OP_KIND);
    }

    @Override
    protected long opOid(int index) {
        return ops.bytes.getLong(index * VosNative.OP_BYTES + VosNative.OP_OID);
    }

    @Override
    protected long opEpoch(int index) {
        return ops.bytes.getLong(index * VosNative.OP_BYTES + VosNative.OP_EPOCH);
    }

    /**
     * A direct buffer holds at most 2 GiB; past that (only a transaction of thousands of
     * near-maximum values reaches it) the transaction refuses the operation rather than overflow.
     */
    @Override
    protected long growData(long usedBytes, long neededBytes) {
        if (neededBytes > DATA_BYTES_MAX) {
            throw new VosException(VosError.TOOBIG, "a transaction's keys and values may take at most 2 GiB "
                    + "through the JNI bindings (" + neededBytes + " bytes asked); commit this one and start another. "
                    + "The transaction is unchanged");
        }
        NativeBuffer grown = new NativeBuffer(Math.min(Math.max(neededBytes, data.size * 2L), DATA_BYTES_MAX));
        grown.bytes.put(0, data.bytes, 0, (int) usedBytes);
        data.close();
        data = grown;
        return grown.size;
    }

    @Override
    protected void putData(long at, byte[] bytes, int offset, int length) {
        data.bytes.put((int) at, bytes, offset, length);
    }

    @Override
    protected void putKey(long at, Key.LexicalKey key) {
        data.bytes.put((int) at, key.asReadOnlyBuffer(), 0, key.length());
    }

    @Override
    protected int applyNative(int size, long dataLength, boolean lazy) {
        failedOp.bytes.putInt(0, -1);
        try {
            return Vos.vos_tx_apply_flags(pool.handle, ops.address, size, data.address, dataLength,
                    lazy ? Vos.VOS_TX_LAZY : 0, failedOp.address);
        } finally {
            // The buffers' addresses were passed as numbers: keep them alive until the call is over.
            Reference.reachabilityFence(ops);
            Reference.reachabilityFence(data);
            Reference.reachabilityFence(failedOp);
        }
    }

    @Override
    protected int failedOpNative() {
        return failedOp.bytes.getInt(0);
    }

    @Override
    protected String failureMessage(int rc) {
        return VosNative.message(rc);
    }

    @Override
    protected void freeBuffers() {
        ops.close();
        data.close();
        failedOp.close();
    }
}
