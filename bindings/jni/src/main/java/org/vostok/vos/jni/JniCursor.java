package org.vostok.vos.jni;

import java.nio.ByteBuffer;
import org.vostok.vos.Iteration;
import org.vostok.vos.Key;
import org.vostok.vos.VosLimits;
import org.vostok.vos.spi.IterationCursor;

/**
 * An iteration's request ({@code vos_iter_req_t}), anchor and batches in a thread's
 * {@link Scratch}, and the flyweight over the batch's records ({@code vos_rec_hdr_t}, key,
 * value) that the visitor sees; the plumbing is {@link IterationCursor}'s.
 *
 * <p>Thread-safety: confined to the iterating thread, between its scratch's acquire and close.
 */
final class JniCursor extends IterationCursor {
    private final JniContainer container;
    private final Scratch scratch;
    private final NativeBuffer req;
    private final NativeBuffer anchor;
    /** vos_iterate's n, used and state, at 0, 8 and 16. */
    private final NativeBuffer small;
    private NativeBuffer out;
    private long outLength;
    /** Where the record pointed at starts in {@link #out}, and where the next one does. */
    private int offset;
    private int nextOffset;

    JniCursor(JniContainer container, Scratch scratch) {
        this.container = container;
        this.scratch = scratch;
        this.req = scratch.requests(VosNative.ITER_BYTES);
        this.anchor = scratch.keys(VosLimits.KEY_BYTES_MAX);
        this.small = scratch.small();
    }

    @Override
    protected void begin(long oid, long epoch, int recordsMax, long batchBytes) {
        ByteBuffer r = req.bytes;
        r.putLong(VosNative.ITER_CONT, container.handle);
        r.putLong(VosNative.ITER_OID, oid);
        r.putLong(VosNative.ITER_EPOCH, epoch);
        r.putLong(VosNative.ITER_ANCHOR_INT, 0);
        r.putInt(VosNative.ITER_ANCHOR_LEN, 0);
        r.putInt(VosNative.ITER_FLAGS, 0);
        r.putInt(VosNative.ITER_RECORDS_MAX, recordsMax);
        r.putInt(VosNative.ITER_RESERVED, 0);
        outLength = batchBytes;
        out = scratch.out(outLength);
    }

    @Override
    protected void anchor(Key key) {
        if (key instanceof Key.LexicalKey k) {
            anchor.bytes.put(0, k.asReadOnlyBuffer(), 0, k.length());
            req.bytes.putLong(VosNative.ITER_ANCHOR_INT, 0);
            req.bytes.putInt(VosNative.ITER_ANCHOR_LEN, k.length());
        } else {
            req.bytes.putLong(VosNative.ITER_ANCHOR_INT, ((Key.IntegerKey) key).value());
            req.bytes.putInt(VosNative.ITER_ANCHOR_LEN, 0);
        }
    }

    @Override
    protected boolean batch(int flags, Iteration described) {
        req.bytes.putInt(VosNative.ITER_FLAGS, flags);
        if (call(described) == VosNative.ERR_TRUNC) {
            // Not even one record fits: the library says how much one needs.
            outLength = Math.max(small.bytes.getLong(8), outLength * 2);
            out = scratch.out(outLength);
            return false;
        }
        long used = small.bytes.getLong(8);
        if (used < 0 || used > outLength) {
            throw new IllegalStateException("vos_iterate used " + used + " bytes of a buffer of " + outLength);
        }
        nextOffset = 0;
        return true;
    }

    /** One vos_iterate call inside the gate; the visitor runs outside it. */
    private int call(Iteration described) {
        if (outLength > out.size) {
            throw new IllegalStateException("an iteration buffer of " + out.size + " bytes asked to hold " + outLength);
        }
        container.enter();
        try {
            ByteBuffer s = small.bytes;
            s.putInt(0, 0);
            s.putLong(8, 0);
            s.putInt(16, 0);
            int rc = Vos.vos_iterate(container.jniPool().handle, req.address, anchor.address, out.address, outLength,
                    small.address, small.address + 8, small.address + 16);
            if (rc != VosNative.OK && rc != VosNative.ERR_TRUNC) {
                throw VosNative.failure(rc, container.describeIteration(described));
            }
            return rc;
        } finally {
            container.leave();
        }
    }

    @Override
    protected int batchRecords() {
        return small.bytes.getInt(0);
    }

    @Override
    protected boolean batchEnd() {
        return small.bytes.getInt(16) == VosNative.ITER_END;
    }

    @Override
    protected void next() {
        ByteBuffer b = out.bytes;
        offset = nextOffset;
        nextOffset = Math.toIntExact(offset + header(b.getLong(offset + VosNative.REC_KEY_INT),
                b.getInt(offset + VosNative.REC_KEY_LEN), b.getInt(offset + VosNative.REC_VALUE_LEN)));
    }

    @Override
    protected void anchorAtRecord() {
        req.bytes.putLong(VosNative.ITER_ANCHOR_INT, isLexical() ? 0 : integerKey());
        req.bytes.putInt(VosNative.ITER_ANCHOR_LEN, keyLength());
        if (isLexical()) {
            anchor.bytes.put(0, out.bytes, offset + VosNative.REC_BYTES, keyLength());
        }
    }

    @Override
    protected Key anchorKey() {
        int length = req.bytes.getInt(VosNative.ITER_ANCHOR_LEN);
        if (length == 0) {
            return Key.of(req.bytes.getLong(VosNative.ITER_ANCHOR_INT));
        }
        byte[] bytes = new byte[length];
        anchor.bytes.get(0, bytes);
        return Key.of(bytes);
    }

    @Override
    protected void copyKey(byte[] into) {
        out.bytes.get(offset + VosNative.REC_BYTES, into);
    }

    @Override
    protected void copyValue(byte[] into) {
        out.bytes.get(offset + VosNative.REC_BYTES + keyLength(), into);
    }
}
