package org.vostok.vos.jni;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.vostok.vos.Scrub;
import org.vostok.vos.ScrubDamage;
import org.vostok.vos.ScrubProgress;
import org.vostok.vos.ScrubSlice;
import org.vostok.vos.VosError;
import org.vostok.vos.VosException;

/**
 * A scrub pass: its {@code vos_scrub_t} (zeroed to start) in native memory of its own, freed by
 * {@link #close()}; each {@link #slice} is one {@code vos_scrub_slice} call through the pool's
 * gate.
 *
 * <p>Thread-safety: one thread at a time.
 */
final class JniScrub implements Scrub {
    private final JniPool pool;
    /** The vos_scrub_t, zeroed: a new pass. */
    private final NativeBuffer scrub = new NativeBuffer(VosNative.SCRUB_BYTES);
    /** The damage described so far: the first {@code damage.size()} messages of the scrub. */
    private final List<ScrubDamage> damage = new ArrayList<>();
    private ScrubProgress progress = ScrubProgress.NOT_STARTED;
    private boolean closed;

    JniScrub(JniPool pool) {
        this.pool = pool;
    }

    @Override
    public ScrubSlice slice(long budgetBytes) {
        if (closed) {
            throw new VosException(VosError.BADHANDLE, "this scrub is closed; start another with Pool.startScrub");
        }
        if (budgetBytes <= 0) {
            throw new IllegalArgumentException("a scrub slice's budget must be above 0 bytes, not " + budgetBytes);
        }
        ScrubProgress before = progress;
        if (before.done()) {
            return new ScrubSlice(0, 0, List.of(), before);
        }
        pool.enter();
        try {
            int rc = Vos.vos_scrub_slice(pool.handle, scrub.address, budgetBytes);
            if (rc != VosNative.OK) {
                throw VosNative.failure(rc, "scrubbing the pool " + pool.path());
            }
        } finally {
            pool.leave();
        }
        int described = damage.size();
        int messages = scrub.bytes.getInt(VosNative.SCRUB_MESSAGES);
        if (messages < described || messages > VosNative.SCRUB_PROBLEMS_MAX) {
            throw new IllegalStateException("the scrub of " + pool.path() + " holds " + messages
                    + " messages after " + described + "; the library and the bindings disagree on vos_scrub_t");
        }
        for (int i = described; i < messages; i++) {
            damage.add(ScrubDamage.ofLibraryMessage(message(i)));
        }
        progress = new ScrubProgress(get(VosNative.SCRUB_CONTAINERS), get(VosNative.SCRUB_OBJECTS),
                get(VosNative.SCRUB_KEYS), get(VosNative.SCRUB_VERSIONS), get(VosNative.SCRUB_NODES),
                get(VosNative.SCRUB_BLOCKS), get(VosNative.SCRUB_BYTES_CHECKED), get(VosNative.SCRUB_SLICES),
                get(VosNative.SCRUB_PROBLEMS), scrub.bytes.getInt(VosNative.SCRUB_DONE) == 1, damage);
        return new ScrubSlice(progress.bytes() - before.bytes(), progress.problems() - before.problems(),
                damage.subList(described, messages), progress);
    }

    private long get(int offset) {
        return scrub.bytes.getLong(offset);
    }

    /** Message i: NUL-terminated UTF-8 within its VOS_SCRUB_MESSAGE_BYTES. */
    private String message(int i) {
        int start = VosNative.SCRUB_MESSAGE + i * VosNative.SCRUB_MESSAGE_BYTES;
        int length = 0;
        while (length < VosNative.SCRUB_MESSAGE_BYTES && scrub.bytes.get(start + length) != 0) {
            length++;
        }
        byte[] text = new byte[length];
        scrub.bytes.get(start, text, 0, length);
        return new String(text, StandardCharsets.UTF_8);
    }

    @Override
    public ScrubProgress progress() {
        return progress;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            scrub.close();
        }
    }
}
