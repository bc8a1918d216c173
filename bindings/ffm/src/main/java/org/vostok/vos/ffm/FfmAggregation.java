package org.vostok.vos.ffm;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.vostok.vos.spi.AbstractAggregation;

/**
 * An aggregation's cursor ({@code vos_agg_cursor_t}, zeroed to start) in a shared arena of its
 * own, freed by {@link #close()}; each {@link #step} is one {@code vos_aggregate} call.
 *
 * <p>Thread-safety: one thread at a time.
 */
final class FfmAggregation extends AbstractAggregation {
    private final FfmContainer container;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment cursor;
    private final MemorySegment done;

    FfmAggregation(FfmContainer container, long upToEpoch) {
        super(container, upToEpoch);
        this.container = container;
        this.cursor = arena.allocate(VosNative.AGG_CURSOR);
        this.done = arena.allocate(JAVA_INT);
    }

    @Override
    protected boolean stepNative(int keysMax) {
        try {
            done.set(JAVA_INT, 0, 0);
            int rc = (int) VosNative.AGGREGATE.invokeExact(container.ffmPool().handle, container.handle, upToEpoch(),
                    cursor.address(), keysMax, done.address());
            if (rc != VosNative.OK) {
                throw VosNative.failure(rc, describeStep());
            }
            return done.get(JAVA_INT, 0) == 1;
        } catch (Throwable t) {
            throw VosNative.rethrow(t);
        }
    }

    @Override
    protected void freeCursor() {
        arena.close();
    }
}
