package org.vostok.vos.ffm;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.vostok.vos.Key;
import org.vostok.vos.Transaction;
import org.vostok.vos.spi.AbstractTransaction;

/**
 * A transaction that writes its operations ({@code vos_op_t}) and their keys and values straight
 * into native buffers owned by the transaction, so {@link #commit()} is one {@code vos_tx_apply}
 * call with no copying. The buffers grow by doubling and are kept across commits, so a reused
 * transaction allocates nothing; {@link #close()} frees them. Each buffer has its own shared arena
 * (the transaction may move between threads), replaced when the buffer grows. The checks and the
 * bookkeeping are {@link AbstractTransaction}'s.
 *
 * <p>Thread-safety: one thread at a time, as {@link Transaction} says.
 */
final class FfmTransaction extends AbstractTransaction<FfmContainer> {
    private static final int OPS_INITIAL = 16;
    private static final long DATA_BYTES_INITIAL = 4 << 10;

    private final FfmPool pool;
    private Arena opsArena;
    private MemorySegment ops;
    private Arena dataArena;
    private MemorySegment data;
    private final Arena fixedArena;
    private final MemorySegment failedOp;

    FfmTransaction(FfmPool pool) {
        super(pool, OPS_INITIAL, DATA_BYTES_INITIAL);
        this.pool = pool;
        this.opsArena = Arena.ofShared();
        this.ops = opsArena.allocate(OPS_INITIAL * VosNative.OP_BYTES, 8);
        this.dataArena = Arena.ofShared();
        this.data = dataArena.allocate(DATA_BYTES_INITIAL, 8);
        this.fixedArena = Arena.ofShared();
        this.failedOp = fixedArena.allocate(JAVA_INT);
    }

    @Override
    protected int growOps(int opsUsed) {
        Arena arena = Arena.ofShared();
        MemorySegment grown = arena.allocate(ops.byteSize() * 2, 8);
        MemorySegment.copy(ops, 0, grown, 0, opsUsed * VosNative.OP_BYTES);
        opsArena.close();
        opsArena = arena;
        ops = grown;
        return (int) (grown.byteSize() / VosNative.OP_BYTES);
    }

    @Override
    protected void writeOp(int index, FfmContainer container, int kind, int keyOrder, long oid, long epoch,
                           long keyInt, long keyOffset, long valueOffset, int keyLength, int valueLength) {
        long base = index * VosNative.OP_BYTES;
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
    }

    @Override
    protected int opKind(int index) {
        return ops.get(JAVA_INT, index * VosNative.OP_BYTES + VosNative.OP_KIND);
    }

    @Override
    protected long opOid(int index) {
        return ops.get(JAVA_LONG, index * VosNative.OP_BYTES + VosNative.OP_OID);
    }

    @Override
    protected long opEpoch(int index) {
        return ops.get(JAVA_LONG, index * VosNative.OP_BYTES + VosNative.OP_EPOCH);
    }

    @Override
    protected long growData(long usedBytes, long neededBytes) {
        Arena arena = Arena.ofShared();
        MemorySegment grown = arena.allocate(Math.max(neededBytes, data.byteSize() * 2), 8);
        MemorySegment.copy(data, 0, grown, 0, usedBytes);
        dataArena.close();
        dataArena = arena;
        data = grown;
        return grown.byteSize();
    }

    @Override
    protected void putData(long at, byte[] bytes, int offset, int length) {
        MemorySegment.copy(bytes, offset, data, JAVA_BYTE, at, length);
    }

    @Override
    protected void putKey(long at, Key.LexicalKey key) {
        MemorySegment.copy(MemorySegment.ofBuffer(key.asReadOnlyBuffer()), 0, data, at, key.length());
    }

    @Override
    protected int applyNative(int size, long dataLength, boolean lazy) {
        failedOp.set(JAVA_INT, 0, -1);
        try {
            return (int) VosNative.TX_APPLY.invokeExact(pool.handle, ops.address(), size, data.address(), dataLength,
                    lazy ? VosNative.TX_LAZY : 0, failedOp.address());
        } catch (Throwable t) {
            throw VosNative.rethrow(t);
        }
    }

    @Override
    protected int failedOpNative() {
        return failedOp.get(JAVA_INT, 0);
    }

    @Override
    protected String failureMessage(int rc) {
        return VosNative.message(rc);
    }

    @Override
    protected void freeBuffers() {
        opsArena.close();
        dataArena.close();
        fixedArena.close();
    }
}
