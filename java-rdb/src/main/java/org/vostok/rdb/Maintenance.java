package org.vostok.rdb;

import java.util.OptionalLong;
import java.util.function.LongSupplier;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vostok.rdb.store.RdbStore;

/**
 * The replica's background work after each compaction, on its own thread
 * ({@code rdb-<id>-maintenance}), or, when the replica's host drives it (a simulator), whenever
 * the host calls {@link #runDue}: drop the request records older than the retention, then
 * aggregate the LOG container up to the log's base, in slices, never past the oldest epoch still
 * read ({@link ReadPins}). Commits go on meanwhile: each slice is a transaction of its own that
 * holds the pool's change lock only while it runs. When a read holds aggregation back, the work
 * resumes once that read ends.
 *
 * <p>The owner thread asks for work ({@link #compacted}), and pauses it around a snapshot
 * install, which replaces the container ({@link #pause}, {@link #resume}).
 *
 * <p>Thread-safety: safe for any thread.
 */
final class Maintenance implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Maintenance.class);

    private final long id;
    private final RdbStore store;
    private final ReadPins pins;
    private final int sliceKeys;
    private final long retryNanos;
    private final LongSupplier clock;
    /** The thread that does the work, or null when the host calls {@link #runDue} instead. */
    private final Thread thread;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    // Guarded by lock.
    /** The base the owner compacted to last: aggregation's target. */
    private long target;
    /** The base whose request records were dropped last. */
    private long pruned;
    private boolean paused;
    private boolean working;
    private boolean closing;
    /** A base whose work failed: tried again after retryNanos, or at a later compaction. */
    private long failedAt = -1;
    private long failedNanos;

    /** The epoch the LOG container was aggregated up to last. */
    private volatile long aggregated;

    Maintenance(long id, RdbStore store, ReadPins pins, int sliceKeys, long retryMillis, LongSupplier clock,
                boolean ownThread) {
        this.id = id;
        this.store = store;
        this.pins = pins;
        this.sliceKeys = sliceKeys;
        this.retryNanos = retryMillis * 1_000_000L;
        this.clock = clock;
        // A restart may have cut the last pass short: one runs at start, up to the base.
        this.target = store.snapshot().index();
        this.pruned = 0;
        this.aggregated = 0;
        if (ownThread) {
            this.thread = new Thread(this::run, "rdb-" + id + "-maintenance");
            this.thread.setDaemon(true);
        } else {
            this.thread = null;
        }
    }

    void start() {
        if (thread != null) {
            thread.start();
        }
    }

    /** The log was compacted to {@code base}: drop old request records and aggregate up to it. */
    void compacted(long base) {
        lock.lock();
        try {
            if (base > target) {
                target = base;
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** A read ended: aggregation it held back may go on. */
    void readReleased() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The epoch up to which the LOG container is aggregated. */
    long aggregatedIndex() {
        return aggregated;
    }

    /** Whether aggregation has reached the last base asked for. */
    boolean isIdle() {
        lock.lock();
        try {
            return !working && aggregated >= target && pruned >= target;
        } finally {
            lock.unlock();
        }
    }

    /** Stops the work on the current LOG container and waits until it has stopped. */
    void pause() {
        lock.lock();
        try {
            paused = true;
            while (working) {
                changed.awaitUninterruptibly();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Work goes on, on the LOG container now in the store, whose tree starts at {@code base}. */
    void resume(long base) {
        lock.lock();
        try {
            paused = false;
            target = Math.max(target, base);
            pruned = Math.max(pruned, base);
            aggregated = Math.max(aggregated, base);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private boolean keepGoing() {
        lock.lock();
        try {
            return !paused && !closing;
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        while (true) {
            Work w = awaitWork();
            if (w == null) {
                return;
            }
            run(w);
        }
    }

    /** One pass: drop request records (when due) and aggregate up to {@code base}. */
    private record Work(long base, boolean prune) {
    }

    /** The work due now, marked as running; null when there is none (or the work is paused or closing). */
    private Work takeDue(long nowNanos) {
        lock.lock();
        try {
            if (closing || paused || (pruned >= target && bound(target) <= aggregated)) {
                return null;
            }
            if (target == failedAt && nowNanos - (failedNanos + retryNanos) < 0) {
                // Not again at once on a failing store (a pool too full even for aggregation
                // frees space as other work ends, or after a restart).
                return null;
            }
            working = true;
            return new Work(target, pruned < target);
        } finally {
            lock.unlock();
        }
    }

    /** Waits until work is due and takes it; null when closing. On the maintenance thread. */
    private Work awaitWork() {
        lock.lock();
        try {
            while (!closing) {
                Work w = takeDue(clock.getAsLong());
                if (w != null) {
                    return w;
                }
                if (target == failedAt && !paused && (pruned < target || bound(target) > aggregated)) {
                    long wait = failedNanos + retryNanos - clock.getAsLong();
                    changed.awaitNanos(Math.max(wait, 1));
                } else {
                    changed.awaitUninterruptibly();
                }
            }
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Does the work due now on the calling thread, for a host that drives the replica (no
     * maintenance thread): returns whether there was any.
     */
    boolean runDue() {
        if (thread != null) {
            throw new IllegalStateException("replica " + id + " runs its maintenance on its own thread");
        }
        Work w = takeDue(clock.getAsLong());
        if (w == null) {
            return false;
        }
        run(w);
        return true;
    }

    private void run(Work w) {
        try {
            work(w.base(), w.prune());
        } catch (RuntimeException e) {
            // The owner thread meets a failing store on its own next write; here only log it.
            LOG.warn("replica {}: background maintenance failed: {}", id, e.getMessage());
            lock.lock();
            try {
                failedAt = w.base();
                failedNanos = clock.getAsLong();
            } finally {
                lock.unlock();
            }
        } finally {
            lock.lock();
            try {
                working = false;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    private void work(long base, boolean prune) {
        if (prune) {
            int dropped = store.pruneRequests(base, this::keepGoing);
            if (dropped > 0) {
                LOG.debug("replica {}: dropped {} request records older than the retention", id, dropped);
            }
            lock.lock();
            try {
                if (keepGoingLocked()) {
                    pruned = Math.max(pruned, base);
                }
            } finally {
                lock.unlock();
            }
        }
        long upTo = bound(base);
        if (upTo > aggregated && store.aggregate(upTo, sliceKeys, this::keepGoing)) {
            aggregated = upTo;
            LOG.debug("replica {}: aggregated the log up to {}", id, upTo);
        }
    }

    private boolean keepGoingLocked() {
        return !paused && !closing;
    }

    /** How far aggregation may go towards {@code base}: not past the oldest epoch still read. */
    private long bound(long base) {
        OptionalLong oldest = pins.oldest();
        return oldest.isPresent() ? Math.min(base, oldest.getAsLong()) : base;
    }

    /** Stops the thread and waits for it (at most one slice). */
    @Override
    public void close() {
        lock.lock();
        try {
            closing = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (thread != null && thread.isAlive() && Thread.currentThread() != thread) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
