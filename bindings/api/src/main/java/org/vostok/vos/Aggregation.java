package org.vostok.vos;

/**
 * An aggregation of one container up to an epoch, driven one slice at a time (see
 * {@link Container#aggregate(long)}). Each {@link #step} is one native call and one transaction
 * holding the store's change lock only for its own duration. A crash between steps loses nothing:
 * aggregation is idempotent, so an interrupted one is simply run again.
 *
 * <p>Thread-safety: not thread-safe; one thread at a time. It holds native memory for its cursor:
 * close it.
 */
public interface Aggregation extends AutoCloseable {

    /** The slice size {@link Container#aggregate(long)} uses, in keys. */
    int KEYS_PER_SLICE_DEFAULT = 256;

    /** The epoch this aggregation folds up to. */
    long upToEpoch();

    /**
     * Aggregates up to {@code keysMax} more keys.
     *
     * @return true when the container has been aggregated up to the epoch
     */
    boolean step(int keysMax);

    /** Frees the cursor. */
    @Override
    void close();
}
