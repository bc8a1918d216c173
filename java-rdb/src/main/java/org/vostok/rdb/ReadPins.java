package org.vostok.rdb;

import java.lang.ref.Cleaner;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The epochs that are still read: the read epoch of every open transaction and of every
 * snapshot being sent. Aggregation never goes past the oldest, since it folds away the versions
 * a read below its epoch would need. A pin is released when its transaction commits or closes,
 * or, for a transaction its caller abandoned, when the garbage collector finds it unreachable.
 *
 * <p>Thread-safety: safe for any thread.
 */
final class ReadPins {

    private static final Cleaner CLEANER = Cleaner.create();

    private final TreeMap<Long, Integer> counts = new TreeMap<>();
    private final Runnable onRelease;
    /**
     * The furthest epoch aggregation was let go to ({@link #aggregationBound}): a read below it
     * may find versions folded away, so {@link #pinUnlessPassed} refuses to pin one.
     */
    private long released;

    /** @param onRelease called (on the releasing thread) after a pin is released */
    ReadPins(Runnable onRelease) {
        this.onRelease = onRelease;
    }

    /** One epoch held; {@link #close()} releases it once, however often it is called. */
    static final class Pin implements AutoCloseable {
        private final Release release;
        private final Cleaner.Cleanable cleanable;
        private final long epoch;

        private Pin(ReadPins pins, long epoch) {
            this.epoch = epoch;
            this.release = new Release(pins, epoch);
            this.cleanable = CLEANER.register(this, release);
        }

        long epoch() {
            return epoch;
        }

        @Override
        public void close() {
            cleanable.clean();
        }
    }

    /** What releasing a pin does; holds no reference to the pin, so that the pin can be collected. */
    private static final class Release implements Runnable {
        private final ReadPins pins;
        private final long epoch;
        private final AtomicBoolean done = new AtomicBoolean();

        Release(ReadPins pins, long epoch) {
            this.pins = pins;
            this.epoch = epoch;
        }

        @Override
        public void run() {
            if (done.compareAndSet(false, true)) {
                pins.release(epoch);
            }
        }
    }

    /** Holds {@code epoch} until the pin is closed. */
    Pin pin(long epoch) {
        synchronized (this) {
            counts.merge(epoch, 1, Integer::sum);
        }
        return new Pin(this, epoch);
    }

    /**
     * Holds {@code epoch} unless aggregation was let go past it already (then null: the reader
     * must get its epoch from the owner thread). For a reader on another thread that learned the
     * epoch earlier: checked and pinned in one step with {@link #aggregationBound}, so that
     * either the pin holds aggregation back or the reader learns it was too late.
     */
    Pin pinUnlessPassed(long epoch) {
        synchronized (this) {
            if (epoch < released) {
                return null;
            }
            counts.merge(epoch, 1, Integer::sum);
        }
        return new Pin(this, epoch);
    }

    /**
     * How far aggregation may go towards {@code base}: not past the oldest epoch held; from then
     * on no pin below that bound is taken ({@link #pinUnlessPassed}).
     */
    synchronized long aggregationBound(long base) {
        long bound = counts.isEmpty() ? base : Math.min(base, counts.firstKey());
        released = Math.max(released, bound);
        return bound;
    }

    private void release(long epoch) {
        synchronized (this) {
            counts.computeIfPresent(epoch, (e, n) -> n == 1 ? null : n - 1);
        }
        onRelease.run();
    }

}
