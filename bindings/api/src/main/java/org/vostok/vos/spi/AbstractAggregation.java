package org.vostok.vos.spi;

import java.util.Objects;
import org.vostok.vos.Aggregation;
import org.vostok.vos.VosError;
import org.vostok.vos.VosException;

/**
 * What an aggregation does whatever the binding: the checks of {@link #step}, its end, and its
 * close. A binding owns the cursor ({@code vos_agg_cursor_t}, zeroed to start) in native memory
 * and makes the {@code vos_aggregate} call of each step, with the container's gate entered.
 *
 * <p>Thread-safety: one thread at a time.
 *
 * <p>For implementations of the VOS API (the FFM and JNI bindings share it); applications do
 * not need it.
 */
public abstract class AbstractAggregation implements Aggregation {
    private final AbstractContainer container;
    private final long upToEpoch;
    private boolean finished;
    private boolean closed;

    protected AbstractAggregation(AbstractContainer container, long upToEpoch) {
        this.container = Objects.requireNonNull(container, "container");
        this.upToEpoch = upToEpoch;
    }

    /** One {@code vos_aggregate} call of at most {@code keysMax} keys; true when the pass is done. */
    protected abstract boolean stepNative(int keysMax);

    /** Frees the cursor; called once. */
    protected abstract void freeCursor();

    /** The context of a failed vos_aggregate. */
    protected final String describeStep() {
        return "aggregating container " + container.uuid() + " up to epoch " + Long.toUnsignedString(upToEpoch);
    }

    @Override
    public final long upToEpoch() {
        return upToEpoch;
    }

    @Override
    public final boolean step(int keysMax) {
        if (closed) {
            throw new VosException(VosError.BADHANDLE, "this aggregation is closed; start another with "
                    + "Container.startAggregation");
        }
        if (keysMax <= 0) {
            throw new IllegalArgumentException("keysMax must be positive, not " + keysMax);
        }
        if (finished) {
            return true;
        }
        container.enter();
        try {
            finished = stepNative(keysMax);
            return finished;
        } finally {
            container.leave();
        }
    }

    @Override
    public final void close() {
        if (!closed) {
            closed = true;
            freeCursor();
        }
    }
}
