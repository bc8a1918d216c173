package org.vostok.vos.spi;

import org.vostok.vos.VosException;

/**
 * A native handle behind a {@link CallGate}: a call enters the gate before it touches the
 * handle and leaves after, and one that finds it closed fails with the handle's own
 * {@link #closedException()} and never reaches native code.
 *
 * <p>Thread-safety: {@link #enter()}, {@link #leave()} and {@link #isOpen()} are safe from any
 * thread; closing is the subclass's, serialized under its lock.
 */
abstract class GatedHandle {
    final CallGate gate = new CallGate();

    /** Enters the gate (throwing if closed); pair with {@link #leave()}. */
    public final void enter() {
        if (!gate.enter()) {
            throw closedException();
        }
    }

    public final void leave() {
        gate.leave();
    }

    public final boolean isOpen() {
        return gate.isOpen();
    }

    /** The error of a call on the closed handle, saying how to go on. */
    public abstract VosException closedException();
}
