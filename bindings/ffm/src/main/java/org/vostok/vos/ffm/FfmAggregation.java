package org.vostok.vos.ffm;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.vostok.vos.Aggregation;
import org.vostok.vos.VosError;
import org.vostok.vos.VosException;

/**
 * An aggregation's cursor ({@code vos_agg_cursor_t}, zeroed to start) in a shared arena of its
 * own, freed by {@link #close()}; each {@link #step} is one {@code vos_aggregate} call.
 *
 * <p>Thread-safety: one thread at a time.
 */
final class FfmAggregation implements Aggregation {
    private final FfmContainer container;
    private final long upToEpoch;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment cursor;
    private final MemorySegment done;
    private boolean finished;
    private boolean closed;

    FfmAggregation(FfmContainer container, long upToEpoch) {
        this.container = container;
        this.upToEpoch = upToEpoch;
        this.cursor = arena.allocate(VosNative.AGG_CURSOR);
        this.done = arena.allocate(JAVA_INT);
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
            done.set(JAVA_INT, 0, 0);
            int rc = (int) VosNative.AGGREGATE.invokeExact(container.ffmPool().handle, container.handle, upToEpoch,
                    cursor.address(), keysMax, done.address());
            if (rc != VosNative.OK) {
                throw VosNative.failure(rc, "aggregating container " + container.uuid() + " up to epoch "
                        + Long.toUnsignedString(upToEpoch));
            }
            finished = done.get(JAVA_INT, 0) == 1;
            return finished;
        } catch (Throwable t) {
            throw VosNative.rethrow(t);
        } finally {
            container.leave();
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }
}
