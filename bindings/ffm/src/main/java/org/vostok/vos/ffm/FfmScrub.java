package org.vostok.vos.ffm;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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
 * A scrub pass: its {@code vos_scrub_t} (zeroed to start) in a shared arena of its own, freed by
 * {@link #close()}; each {@link #slice} is one {@code vos_scrub_slice} call through the pool's
 * gate.
 *
 * <p>Thread-safety: one thread at a time.
 */
final class FfmScrub implements Scrub {
    private final FfmPool pool;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment scrub;
    /** The damage described so far: the first {@code damage.size()} messages of the scrub. */
    private final List<ScrubDamage> damage = new ArrayList<>();
    private ScrubProgress progress = ScrubProgress.NOT_STARTED;
    private boolean closed;

    FfmScrub(FfmPool pool) {
        this.pool = pool;
        this.scrub = arena.allocate(VosNative.SCRUB); // zeroed: a new pass
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
            int rc = (int) VosNative.SCRUB_SLICE.invokeExact(pool.handle, scrub.address(), budgetBytes);
            if (rc != VosNative.OK) {
                throw VosNative.failure(rc, "scrubbing the pool " + pool.path());
            }
        } catch (Throwable t) {
            throw VosNative.rethrow(t);
        } finally {
            pool.leave();
        }
        int described = damage.size();
        int messages = scrub.get(JAVA_INT, VosNative.SCRUB_MESSAGES);
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
                get(VosNative.SCRUB_PROBLEMS), scrub.get(JAVA_INT, VosNative.SCRUB_DONE) == 1, damage);
        return new ScrubSlice(progress.bytes() - before.bytes(), progress.problems() - before.problems(),
                damage.subList(described, messages), progress);
    }

    private long get(long offset) {
        return scrub.get(JAVA_LONG, offset);
    }

    /** Message i: NUL-terminated UTF-8 within its VOS_SCRUB_MESSAGE_BYTES. */
    private String message(int i) {
        MemorySegment text = scrub.asSlice(VosNative.SCRUB_MESSAGE + (long) i * VosNative.SCRUB_MESSAGE_BYTES,
                VosNative.SCRUB_MESSAGE_BYTES);
        long length = 0;
        while (length < VosNative.SCRUB_MESSAGE_BYTES && text.get(JAVA_BYTE, length) != 0) {
            length++;
        }
        return new String(text.asSlice(0, length).toArray(JAVA_BYTE),
                StandardCharsets.UTF_8);
    }

    @Override
    public ScrubProgress progress() {
        return progress;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }
}
