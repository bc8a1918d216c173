package org.vostok.vos.spi;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.vostok.vos.Scrub;
import org.vostok.vos.ScrubDamage;
import org.vostok.vos.ScrubProgress;
import org.vostok.vos.ScrubSlice;
import org.vostok.vos.VosError;
import org.vostok.vos.VosException;

/**
 * What a scrub pass does whatever the binding: the checks of {@link #slice}, the damage
 * described so far and the progress after each slice. A binding owns the pass's
 * {@code vos_scrub_t} (zeroed to start) in native memory, makes the {@code vos_scrub_slice} call
 * of each slice with the pool's gate entered, and reads the struct's fields.
 *
 * <p>Thread-safety: one thread at a time.
 *
 * <p>For implementations of the VOS API (the FFM and JNI bindings share it); applications do
 * not need it.
 */
public abstract class AbstractScrub implements Scrub {
    /** VOS_SCRUB_PROBLEMS_MAX (vos.h): how many messages a vos_scrub_t holds. */
    public static final int PROBLEMS_MAX = 16;
    /** The leading uint64_t counters of vos_scrub_t, in order; {@link #counterNative} reads one. */
    public static final int COUNTER_CONTAINERS = 0;
    public static final int COUNTER_OBJECTS = 1;
    public static final int COUNTER_KEYS = 2;
    public static final int COUNTER_VERSIONS = 3;
    public static final int COUNTER_NODES = 4;
    public static final int COUNTER_BLOCKS = 5;
    public static final int COUNTER_BYTES = 6;
    public static final int COUNTER_SLICES = 7;
    public static final int COUNTER_PROBLEMS = 8;

    private final AbstractPool<?> pool;
    /** The damage described so far: the first {@code damage.size()} messages of the scrub. */
    private final List<ScrubDamage> damage = new ArrayList<>();
    private ScrubProgress progress = ScrubProgress.NOT_STARTED;
    private boolean closed;

    protected AbstractScrub(AbstractPool<?> pool) {
        this.pool = Objects.requireNonNull(pool, "pool");
    }

    /** One {@code vos_scrub_slice} call of about {@code budgetBytes}, with the pool's gate entered. */
    protected abstract void sliceNative(long budgetBytes);

    /** Counter {@code index} (a {@code COUNTER_} constant) of the vos_scrub_t. */
    protected abstract long counterNative(int index);

    /** The vos_scrub_t's done flag. */
    protected abstract boolean doneNative();

    /** How many messages the vos_scrub_t holds. */
    protected abstract int messagesNative();

    /** Message {@code index} of the vos_scrub_t: NUL-terminated UTF-8 within its fixed size. */
    protected abstract String messageNative(int index);

    /** Frees the vos_scrub_t; called once. */
    protected abstract void freeState();

    /** The context of a failed vos_scrub_slice. */
    protected final String describeSlice() {
        return "scrubbing the pool " + pool.path();
    }

    @Override
    public final ScrubSlice slice(long budgetBytes) {
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
            sliceNative(budgetBytes);
        } finally {
            pool.leave();
        }
        int described = damage.size();
        int messages = messagesNative();
        if (messages < described || messages > PROBLEMS_MAX) {
            throw new IllegalStateException("the scrub of " + pool.path() + " holds " + messages
                    + " messages after " + described + "; the library and the bindings disagree on vos_scrub_t");
        }
        for (int i = described; i < messages; i++) {
            damage.add(ScrubDamage.ofLibraryMessage(messageNative(i)));
        }
        progress = new ScrubProgress(counterNative(COUNTER_CONTAINERS), counterNative(COUNTER_OBJECTS),
                counterNative(COUNTER_KEYS), counterNative(COUNTER_VERSIONS), counterNative(COUNTER_NODES),
                counterNative(COUNTER_BLOCKS), counterNative(COUNTER_BYTES), counterNative(COUNTER_SLICES),
                counterNative(COUNTER_PROBLEMS), doneNative(), damage);
        return new ScrubSlice(progress.bytes() - before.bytes(), progress.problems() - before.problems(),
                damage.subList(described, messages), progress);
    }

    @Override
    public final ScrubProgress progress() {
        return progress;
    }

    @Override
    public final void close() {
        if (!closed) {
            closed = true;
            freeState();
        }
    }
}
