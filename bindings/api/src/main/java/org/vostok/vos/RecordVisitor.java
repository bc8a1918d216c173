package org.vostok.vos;

/**
 * Receives the records of an iteration, one at a time, in order.
 *
 * <p>The visitor runs outside the native library, so it may call into the store (fetch, iterate,
 * commit); it must not close the pool or container being iterated (the iteration then fails with
 * {@link VosError#BADHANDLE} at its next batch). An exception it throws ends the iteration and
 * propagates.
 *
 * <p>Thread-safety: called on the thread that called {@link Container#iterate}, one record at a
 * time; it needs no synchronization of its own unless it shares state with other threads.
 */
@FunctionalInterface
public interface RecordVisitor {
    /**
     * @param record valid only during this call
     * @return true to go on, false to stop after this record
     */
    boolean onRecord(VosRecord record);
}
