package org.vostok.vos.ffm;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import org.vostok.vos.spi.AbstractScrub;

/**
 * A scrub pass: its {@code vos_scrub_t} (zeroed to start) in a shared arena of its own, freed by
 * {@link #close()}; each {@link #slice} is one {@code vos_scrub_slice} call through the pool's
 * gate.
 *
 * <p>Thread-safety: one thread at a time.
 */
final class FfmScrub extends AbstractScrub {
    private final FfmPool pool;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment scrub;

    FfmScrub(FfmPool pool) {
        super(pool);
        this.pool = pool;
        this.scrub = arena.allocate(VosNative.SCRUB); // zeroed: a new pass
    }

    @Override
    protected void sliceNative(long budgetBytes) {
        try {
            int rc = (int) VosNative.SCRUB_SLICE.invokeExact(pool.handle, scrub.address(), budgetBytes);
            if (rc != VosNative.OK) {
                throw VosNative.failure(rc, describeSlice());
            }
        } catch (Throwable t) {
            throw VosNative.rethrow(t);
        }
    }

    @Override
    protected long counterNative(int index) {
        return scrub.get(JAVA_LONG, VosNative.SCRUB_CONTAINERS + 8L * index);
    }

    @Override
    protected boolean doneNative() {
        return scrub.get(JAVA_INT, VosNative.SCRUB_DONE) == 1;
    }

    @Override
    protected int messagesNative() {
        return scrub.get(JAVA_INT, VosNative.SCRUB_MESSAGES);
    }

    @Override
    protected String messageNative(int index) {
        MemorySegment text = scrub.asSlice(VosNative.SCRUB_MESSAGE + (long) index * VosNative.SCRUB_MESSAGE_BYTES,
                VosNative.SCRUB_MESSAGE_BYTES);
        long length = 0;
        while (length < VosNative.SCRUB_MESSAGE_BYTES && text.get(JAVA_BYTE, length) != 0) {
            length++;
        }
        return new String(text.asSlice(0, length).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
    }

    @Override
    protected void freeState() {
        arena.close();
    }
}
