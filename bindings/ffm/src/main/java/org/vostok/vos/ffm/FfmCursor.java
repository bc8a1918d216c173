package org.vostok.vos.ffm;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;
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
final class FfmCursor extends IterationCursor {
    private final FfmContainer container;
    private final Scratch scratch;
    private final MemorySegment req;
    private final MemorySegment anchor;
    /** vos_iterate's n, used and state, at 0, 8 and 16. */
    private final MemorySegment small;
    private MemorySegment out;
    private long outLength;
    /** Where the record pointed at starts in {@link #out}, and where the next one does. */
    private long offset;
    private long nextOffset;

    FfmCursor(FfmContainer container, Scratch scratch) {
        this.container = container;
        this.scratch = scratch;
        this.req = scratch.requests(VosNative.ITER_BYTES);
        this.anchor = scratch.keys(VosLimits.KEY_BYTES_MAX);
        this.small = scratch.small();
    }

    @Override
    protected void begin(long oid, long epoch, int recordsMax, long batchBytes) {
        req.set(JAVA_LONG, VosNative.ITER_CONT, container.handle);
        req.set(JAVA_LONG, VosNative.ITER_OID, oid);
        req.set(JAVA_LONG, VosNative.ITER_EPOCH, epoch);
        req.set(JAVA_LONG, VosNative.ITER_ANCHOR_INT, 0);
        req.set(JAVA_INT, VosNative.ITER_ANCHOR_LEN, 0);
        req.set(JAVA_INT, VosNative.ITER_FLAGS, 0);
        req.set(JAVA_INT, VosNative.ITER_RECORDS_MAX, recordsMax);
        req.set(JAVA_INT, VosNative.ITER_RECORDS_MAX + 4, 0);
        outLength = batchBytes;
        out = scratch.out(outLength);
    }

    @Override
    protected void anchor(Key key) {
        switch (key) {
            case Key.IntegerKey k -> {
                req.set(JAVA_LONG, VosNative.ITER_ANCHOR_INT, k.value());
                req.set(JAVA_INT, VosNative.ITER_ANCHOR_LEN, 0);
            }
            case Key.LexicalKey k -> {
                MemorySegment.copy(MemorySegment.ofBuffer(k.asReadOnlyBuffer()), 0, anchor, 0, k.length());
                req.set(JAVA_LONG, VosNative.ITER_ANCHOR_INT, 0);
                req.set(JAVA_INT, VosNative.ITER_ANCHOR_LEN, k.length());
            }
        }
    }

    @Override
    protected boolean batch(int flags, Iteration described) {
        req.set(JAVA_INT, VosNative.ITER_FLAGS, flags);
        if (call(described) == VosNative.ERR_TRUNC) {
            // Not even one record fits: the library says how much one needs.
            outLength = Math.max(small.get(JAVA_LONG, 8), outLength * 2);
            out = scratch.out(outLength);
            return false;
        }
        nextOffset = 0;
        return true;
    }

    /** One vos_iterate call inside the gate; the visitor runs outside it. */
    private int call(Iteration described) {
        container.enter();
        try {
            small.set(JAVA_INT, 0, 0);
            small.set(JAVA_LONG, 8, 0);
            small.set(JAVA_INT, 16, 0);
            if (outLength > out.byteSize()) {
                throw new IllegalStateException("an iteration buffer of " + out.byteSize() + " bytes asked to hold " + outLength);
            }
            long results = small.address();
            int rc = (int) VosNative.ITERATE.invokeExact(container.ffmPool().handle, req.address(), anchor.address(),
                    out.address(), outLength, results, results + 8, results + 16);
            if (rc != VosNative.OK && rc != VosNative.ERR_TRUNC) {
                throw VosNative.failure(rc, container.describeIteration(described));
            }
            return rc;
        } catch (Throwable t) {
            throw VosNative.rethrow(t);
        } finally {
            container.leave();
        }
    }

    @Override
    protected int batchRecords() {
        return small.get(JAVA_INT, 0);
    }

    @Override
    protected boolean batchEnd() {
        return small.get(JAVA_INT, 16) == VosNative.ITER_END;
    }

    @Override
    protected void next() {
        offset = nextOffset;
        nextOffset = offset + header(out.get(JAVA_LONG, offset + VosNative.REC_KEY_INT),
                out.get(JAVA_INT, offset + VosNative.REC_KEY_LEN), out.get(JAVA_INT, offset + VosNative.REC_VALUE_LEN));
    }

    @Override
    protected void anchorAtRecord() {
        req.set(JAVA_LONG, VosNative.ITER_ANCHOR_INT, isLexical() ? 0 : integerKey());
        req.set(JAVA_INT, VosNative.ITER_ANCHOR_LEN, keyLength());
        if (isLexical()) {
            MemorySegment.copy(out, offset + VosNative.REC_BYTES, anchor, 0, keyLength());
        }
    }

    @Override
    protected Key anchorKey() {
        int length = req.get(JAVA_INT, VosNative.ITER_ANCHOR_LEN);
        if (length == 0) {
            return Key.of(req.get(JAVA_LONG, VosNative.ITER_ANCHOR_INT));
        }
        return Key.of(anchor.asSlice(0, length).toArray(JAVA_BYTE));
    }

    @Override
    protected void copyKey(byte[] into) {
        MemorySegment.copy(out, JAVA_BYTE, offset + VosNative.REC_BYTES, into, 0, into.length);
    }

    @Override
    protected void copyValue(byte[] into) {
        MemorySegment.copy(out, JAVA_BYTE, offset + VosNative.REC_BYTES + keyLength(), into, 0, into.length);
    }
}
