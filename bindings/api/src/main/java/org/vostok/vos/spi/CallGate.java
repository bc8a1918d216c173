package org.vostok.vos.spi;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Counts the native calls in flight on a handle so that closing it waits for them and no call
 * starts after it: the handle's native memory is freed only when no thread can still use it.
 * Entering and leaving are one atomic add each, without locks.
 *
 * <p>Invariant: {@code state} is the number of calls in flight, with the sign bit set once closing
 * has begun; a call that finds the sign bit set backs out and fails.
 *
 * <p>Thread-safety: {@link #enter()}, {@link #leave()} and {@link #isOpen()} are safe from any
 * number of threads; {@link #close()} callers serialize among themselves (the handles do it under
 * a lock).
 *
 * <p>For implementations of the VOS API (the FFM and JNI bindings share it); applications do
 * not need it.
 */
public final class CallGate {
    private static final long CLOSED = Long.MIN_VALUE;

    private final AtomicLong state = new AtomicLong();
    /** The thread waiting in {@link #close()}; written before the sign bit, read after it. */
    private volatile Thread closer;

    /** Enters the gate; false when it is closed (nothing to leave then). */
    public boolean enter() {
        if (state.getAndIncrement() < 0) {
            leave();
            return false;
        }
        return true;
    }

    /** Leaves the gate; wakes the closer when this was the last call in flight. */
    public void leave() {
        if (state.decrementAndGet() == CLOSED) {
            Thread waiting = closer;
            if (waiting != null) {
                LockSupport.unpark(waiting);
            }
        }
    }

    public boolean isOpen() {
        return state.get() >= 0;
    }

    /**
     * Closes the gate and waits until no call is in flight. Callers serialize their closes (one
     * thread at a time), so one closer waits at most.
     *
     * @return true if this call closed it, false if it was closed already
     */
    public boolean close() {
        if (!isOpen()) {
            return false;
        }
        closer = Thread.currentThread();
        long before = state.getAndUpdate(s -> s | CLOSED);
        if (before < 0) {
            closer = null;
            return false;
        }
        boolean interrupted = false;
        while (state.get() != CLOSED) {
            LockSupport.park(this);
            interrupted |= Thread.interrupted();
        }
        closer = null;
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return true;
    }
}
