package org.vostok.vos.spi;

import java.util.Optional;
import org.vostok.vos.Direction;
import org.vostok.vos.Iteration;
import org.vostok.vos.IterationResult;
import org.vostok.vos.Key;
import org.vostok.vos.RecordVisitor;
import org.vostok.vos.VosLimits;

/**
 * An iteration's plumbing whatever the binding: the flags of {@code vos_iter_req_t}, the batches
 * one after the other, each resumed just past the last key delivered, the records handed to the
 * visitor, and the result; and the probes ({@code firstKey} and the like), which are iterations
 * of one keys-only record. A binding owns the request, the anchor's bytes and the batch buffer
 * (a thread's scratch), makes the {@code vos_iterate} call of each batch with the container's
 * gate entered, and moves this flyweight from record to record; the visitor runs outside the
 * gate and may use the container.
 *
 * <p>The cursor is the record the visitor sees, so an iteration allocates it once and nothing
 * per record unless the visitor asks for copies.
 *
 * <p>Thread-safety: confined to the iterating thread, for one iteration or probe.
 *
 * <p>For implementations of the VOS API (the FFM and JNI bindings share it); applications do
 * not need it.
 */
public abstract class IterationCursor extends AbstractRecord {
    // enum vos_iter_flags (vos.h)
    public static final int ITER_BACKWARD = 1;
    public static final int ITER_HAS_ANCHOR = 2;
    public static final int ITER_ANCHOR_INCLUSIVE = 4;
    public static final int ITER_KEYS_ONLY = 8;

    /** A probe's batch: one record's header and the longest key, and the padding after it. */
    public static final long PROBE_BATCH_BYTES = HEADER_BYTES + VosLimits.KEY_BYTES_MAX + 8;

    /**
     * Writes the request (this container, {@code oid}, {@code epoch}, at most {@code recordsMax}
     * records a batch, no anchor) and readies a batch buffer of {@code batchBytes}.
     */
    protected abstract void begin(long oid, long epoch, int recordsMax, long batchBytes);

    /** Writes {@code key} as the request's anchor. */
    protected abstract void anchor(Key key);

    /**
     * One {@code vos_iterate} call with {@code flags}, with the container's gate entered (a
     * failure names {@code described}). False when not even one record fits the batch buffer,
     * which the call has then grown to what one needs; true otherwise, the flyweight then before
     * the batch's first record.
     */
    protected abstract boolean batch(int flags, Iteration described);

    /** The number of records of the last batch. */
    protected abstract int batchRecords();

    /** Whether the last batch ended the iteration. */
    protected abstract boolean batchEnd();

    /** Points this flyweight at the next record of the batch. */
    protected abstract void next();

    /** Makes the key of the record pointed at the request's anchor. */
    protected abstract void anchorAtRecord();

    /** The request's anchor key. */
    protected abstract Key anchorKey();

    /** The iteration, every record to {@code visitor} until it says stop or the records end. */
    public final IterationResult iterate(Iteration iteration, RecordVisitor visitor) {
        begin(iteration.oid(), iteration.epoch(), iteration.batchRecordsMax(), iteration.batchBytes());
        int flags = (iteration.direction() == Direction.BACKWARD ? ITER_BACKWARD : 0)
                | (iteration.keysOnly() ? ITER_KEYS_ONLY : 0);
        if (iteration.anchor().isPresent()) {
            flags |= ITER_HAS_ANCHOR | (iteration.anchorInclusive() ? ITER_ANCHOR_INCLUSIVE : 0);
            anchor(iteration.anchor().get());
        }
        long delivered = 0;
        while (true) {
            if (!batch(flags, iteration)) {
                continue; // the buffer has grown to hold one record
            }
            int n = batchRecords();
            boolean end = batchEnd();
            for (int i = 0; i < n; i++) {
                next();
                delivered++;
                if (!visitor.onRecord(this)) {
                    return new IterationResult(delivered, false, Optional.of(key()));
                }
                if (i == n - 1) {
                    // Resume after the last key of this batch, exclusively.
                    anchorAtRecord();
                }
            }
            if (end) {
                return new IterationResult(delivered, true, delivered > 0 ? Optional.of(anchorKey()) : Optional.empty());
            }
            if (n == 0) {
                throw new IllegalStateException("vos_iterate returned no record and no end for " + iteration);
            }
            flags = (flags | ITER_HAS_ANCHOR) & ~ITER_ANCHOR_INCLUSIVE;
        }
    }

    /** One keys-only record from the start (or just past {@code anchor}, unless null) in one direction. */
    public final Optional<Key> probe(long oid, long epoch, boolean backward, Key anchor) {
        begin(oid, epoch, 1, PROBE_BATCH_BYTES);
        int flags = ITER_KEYS_ONLY | (backward ? ITER_BACKWARD : 0);
        if (anchor != null) {
            flags |= ITER_HAS_ANCHOR;
            anchor(anchor);
        }
        Iteration described = backward ? Iteration.backward(oid, epoch) : Iteration.forward(oid, epoch);
        if (!batch(flags, described)) {
            throw new IllegalStateException("vos_iterate could not fit one key in " + PROBE_BATCH_BYTES + " bytes");
        }
        if (batchRecords() == 0) {
            return Optional.empty();
        }
        next();
        return Optional.of(key());
    }
}
