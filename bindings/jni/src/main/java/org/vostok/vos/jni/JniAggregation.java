package org.vostok.vos.jni;

import org.vostok.vos.Aggregation;
import org.vostok.vos.VosError;
import org.vostok.vos.VosException;

/**
 * An aggregation's cursor ({@code vos_agg_cursor_t}, zeroed to start) in native memory of its
 * own, freed by {@link #close()}; each {@link #step} is one {@code vos_aggregate} call.
 *
 * <p>Thread-safety: one thread at a time.
 */
final class JniAggregation implements Aggregation {
    private final JniContainer container;
    private final long upToEpoch;
    /** The cursor, then 8 bytes for the done flag. */
    private final NativeBuffer memory = new NativeBuffer(VosNative.AGG_CURSOR_BYTES + 8L);
    private final long doneAddress = memory.address + VosNative.AGG_CURSOR_BYTES;
    private boolean finished;
    private boolean closed;

    JniAggregation(JniContainer container, long upToEpoch) {
        this.container = container;
        this.upToEpoch = upToEpoch;
    }

    @Override
    public long upToEpoch() {
        return upToEpoch;
    }

    @Override
    public boolean step(int keysMax) {
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
            memory.bytes.putInt(VosNative.AGG_CURSOR_BYTES, 0);
            int rc = Vos.vos_aggregate(container.jniPool().handle, container.handle, upToEpoch,
                    memory.address, keysMax, doneAddress);
            if (rc != VosNative.OK) {
                throw VosNative.failure(rc, "aggregating container " + container.uuid() + " up to epoch "
                        + Long.toUnsignedString(upToEpoch));
            }
            finished = memory.bytes.getInt(VosNative.AGG_CURSOR_BYTES) == 1;
            return finished;
        } finally {
            container.leave();
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            memory.close();
        }
    }
}
