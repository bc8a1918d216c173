package org.vostok.vos;

import java.util.Objects;
import java.util.Optional;

/**
 * What to iterate: the live keys of one object at one epoch, in one direction, from an optional
 * anchor, in batches. Made with {@link #forward} or {@link #backward} and refined with the
 * {@code with*} methods, each of which returns a new value.
 *
 * <p>The store fills a native buffer of {@code batchBytes} with up to {@code batchRecordsMax}
 * records per call (0: as many as fit) and the iteration resumes after the last key of each batch,
 * so a long iteration never holds the store for long. A record larger than the buffer is still
 * delivered (the implementation grows the buffer for it).
 *
 * <p>Thread-safety: an immutable value.
 *
 * @param oid             the object id (unsigned)
 * @param epoch           the epoch to read at (unsigned)
 * @param direction       forwards (ascending) or backwards (descending)
 * @param anchor          start at this key instead of the first (last) one
 * @param anchorInclusive whether the anchor itself is visited when it is live
 * @param keysOnly        deliver keys without values
 * @param batchRecordsMax the most records per native call, 0 for as many as fit
 * @param batchBytes      the size of the native buffer each batch is written into
 */
public record Iteration(long oid, long epoch, Direction direction, Optional<Key> anchor,
                        boolean anchorInclusive, boolean keysOnly, int batchRecordsMax, int batchBytes) {

    /** The default native buffer per batch, in bytes. */
    public static final int BATCH_BYTES_DEFAULT = 64 << 10;
    /** The smallest native buffer per batch, in bytes. */
    public static final int BATCH_BYTES_MIN = 64;
    /** The largest native buffer per batch, in bytes (a record may still be larger). */
    public static final int BATCH_BYTES_MAX = 16 << 20;

    public Iteration {
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(anchor, "anchor");
        if (batchRecordsMax < 0) {
            throw new IllegalArgumentException("batchRecordsMax must be 0 (as many as fit) or more, not " + batchRecordsMax);
        }
        if (batchBytes < BATCH_BYTES_MIN || batchBytes > BATCH_BYTES_MAX) {
            throw new IllegalArgumentException("batchBytes must be " + BATCH_BYTES_MIN + " .. "
                    + BATCH_BYTES_MAX + ", not " + batchBytes);
        }
    }

    /** All live keys of {@code oid} at {@code epoch}, ascending, with values. */
    public static Iteration forward(long oid, long epoch) {
        return new Iteration(oid, epoch, Direction.FORWARD, Optional.empty(), false, false, 0, BATCH_BYTES_DEFAULT);
    }

    /** All live keys of {@code oid} at {@code epoch}, descending, with values. */
    public static Iteration backward(long oid, long epoch) {
        return new Iteration(oid, epoch, Direction.BACKWARD, Optional.empty(), false, false, 0, BATCH_BYTES_DEFAULT);
    }

    /** Starts at {@code key}, visiting it too when it is live. */
    public Iteration from(Key key) {
        return new Iteration(oid, epoch, direction, Optional.of(key), true, keysOnly, batchRecordsMax, batchBytes);
    }

    /** Starts just past {@code key} (in the direction of travel); the way to resume. */
    public Iteration after(Key key) {
        return new Iteration(oid, epoch, direction, Optional.of(key), false, keysOnly, batchRecordsMax, batchBytes);
    }

    /** Delivers keys without values. */
    public Iteration withKeysOnly() {
        return new Iteration(oid, epoch, direction, anchor, anchorInclusive, true, batchRecordsMax, batchBytes);
    }

    /** Sets the batch bounds: up to {@code recordsMax} records (0: no bound) in a buffer of {@code bytes}. */
    public Iteration withBatch(int recordsMax, int bytes) {
        return new Iteration(oid, epoch, direction, anchor, anchorInclusive, keysOnly, recordsMax, bytes);
    }
}
