package org.vostok.vos.jni;

import java.nio.charset.StandardCharsets;
import org.vostok.vos.spi.AbstractScrub;

/**
 * A scrub pass: its {@code vos_scrub_t} (zeroed to start) in native memory of its own, freed by
 * {@link #close()}; each {@link #slice} is one {@code vos_scrub_slice} call through the pool's
 * gate.
 *
 * <p>Thread-safety: one thread at a time.
 */
final class JniScrub extends AbstractScrub {
    private final JniPool pool;
    /** The vos_scrub_t, zeroed: a new pass. */
    private final NativeBuffer scrub = new NativeBuffer(VosNative.SCRUB_BYTES);

    JniScrub(JniPool pool) {
        super(pool);
        this.pool = pool;
    }

    @Override
    protected void sliceNative(long budgetBytes) {
        int rc = Vos.vos_scrub_slice(pool.handle, scrub.address, budgetBytes);
        if (rc != VosNative.OK) {
            throw VosNative.failure(rc, describeSlice());
        }
    }

    @Override
    protected long counterNative(int index) {
        return scrub.bytes.getLong(VosNative.SCRUB_CONTAINERS + 8 * index);
    }

    @Override
    protected boolean doneNative() {
        return scrub.bytes.getInt(VosNative.SCRUB_DONE) == 1;
    }

    @Override
    protected int messagesNative() {
        return scrub.bytes.getInt(VosNative.SCRUB_MESSAGES);
    }

    @Override
    protected String messageNative(int index) {
        int start = VosNative.SCRUB_MESSAGE + index * VosNative.SCRUB_MESSAGE_BYTES;
        int length = 0;
        while (length < VosNative.SCRUB_MESSAGE_BYTES && scrub.bytes.get(start + length) != 0) {
            length++;
        }
        byte[] text = new byte[length];
        scrub.bytes.get(start, text, 0, length);
        return new String(text, StandardCharsets.UTF_8);
    }

    @Override
    protected void freeState() {
        scrub.close();
    }
}
