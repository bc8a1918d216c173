package org.vostok.vos.jni;

import org.vostok.vos.spi.AbstractAggregation;

/**
 * An aggregation's cursor ({@code vos_agg_cursor_t}, zeroed to start) in native memory of its
 * own, freed by {@link #close()}; each {@link #step} is one {@code vos_aggregate} call.
 *
 * <p>Thread-safety: one thread at a time.
 */
final class JniAggregation extends AbstractAggregation {
    private final JniContainer container;
    /** The cursor, then 8 bytes for the done flag. */
    private final NativeBuffer memory = new NativeBuffer(VosNative.AGG_CURSOR_BYTES + 8L);
    private final long doneAddress = memory.address + VosNative.AGG_CURSOR_BYTES;

    JniAggregation(JniContainer container, long upToEpoch) {
        super(container, upToEpoch);
        this.container = container;
    }

    @Override
    protected boolean stepNative(int keysMax) {
        memory.bytes.putInt(VosNative.AGG_CURSOR_BYTES, 0);
        int rc = Vos.vos_aggregate(container.jniPool().handle, container.handle, upToEpoch(),
                memory.address, keysMax, doneAddress);
        if (rc != VosNative.OK) {
            throw VosNative.failure(rc, describeStep());
        }
        return memory.bytes.getInt(VosNative.AGG_CURSOR_BYTES) == 1;
    }

    @Override
    protected void freeCursor() {
        memory.close();
    }
}
