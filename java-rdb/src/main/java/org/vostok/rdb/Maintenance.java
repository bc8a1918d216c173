package org.vostok.rdb;

import java.util.HashSet;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vostok.rdb.store.RdbStore;
import org.vostok.vos.Scrub;
import org.vostok.vos.ScrubDamage;
import org.vostok.vos.ScrubProgress;
import org.vostok.vos.ScrubSlice;

/**
 * The replica's background work after each compaction, on its own thread
 * ({@code rdb-<id>-maintenance}), or, when the replica's host drives it (a simulator), whenever
 * the host calls {@link #runDue}: aggregate the LOG container up to the log's base, in slices,
 * never past the oldest epoch still read ({@link ReadPins}), then drop the request records older
 * than the retention (when the base has moved half the retention since the last drop,
 * {@link #PRUNE_STRIDE_DIVISOR}). Commits go on meanwhile: each slice is a transaction of its own that
 * holds the pool's change lock only while it runs. When a read holds aggregation back, the work
 * resumes once that read ends.
 *
 * <p>In between, it scrubs the pool ({@link RdbConfig#scrubBytesPerSecond()}, 0: never): one pass
 * over every structure after another, in slices paced to that rate, each slice holding the pool's
 * read lock for at most {@link #SCRUB_SLICE_BYTES_MAX} of checksumming. Damage is logged at ERROR
 * with the pool's path, where and what, once per damage however many passes find it again, and
 * counted ({@link #scrubDamage}, {@link ReplicaObserver#scrubDamageFound}). It does not stop the
 * replica: a read or write that meets the damage fails with CORRUPT, the rest goes on serving,
 * and the operator replaces the replica. Aggregation and pruning go first; a scrub slice runs when
 * neither is due.
 *
 * <p>The owner thread asks for work ({@link #compacted}), and pauses it around a snapshot
 * install, which replaces the container ({@link #pause}, {@link #resume}).
 *
 * <p>Thread-safety: safe for any thread.
 */
final class Maintenance implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Maintenance.class);

    /** A scrub slice's budget at most, in bytes checksummed: how long commits may wait for one. */
    static final long SCRUB_SLICE_BYTES_MAX = Scrub.SLICE_BYTES_DEFAULT;
    /** A scrub slice's budget at least, and the least it is charged against the rate, in bytes. */
    static final long SCRUB_SLICE_BYTES_MIN = 4096;
    /**
     * The least a whole pass is charged against the rate, in bytes: a nearly empty pool is not
     * scrubbed hundreds of times a second (at most four passes a second at the default rate).
     */
    static final long SCRUB_PASS_BYTES_MIN = 1L << 20;
    /** Slices a second the budget aims at, below the rate's ceiling: short lock holds, even pacing. */
    private static final long SCRUB_SLICES_PER_SECOND = 8;
    /**
     * Damage descriptions remembered, so that each is logged and counted once; damage found once
     * this many are remembered is logged and counted at every pass that finds it.
     */
    static final int SCRUB_DAMAGE_REMEMBERED_MAX = 4096;
    /**
     * Request records are dropped once the base has moved this share of the retention since the
     * last drop (one half: {@code requestRetentionEntries / 2} entries). Finding the expired
     * records means reading every live one (about a retention's worth), so the fewer drops, the
     * fewer times each record is read before it goes: at every compaction, for the few thousand
     * that expired since the last, it cost nearly as much as the aggregation of the whole pass
     * (measured: 126 ms against 153 ms a pass, 1 KiB register writes at 64 in flight); a drop every
     * quarter of the retention read each record four or five times, every half two or three times,
     * which took the maintenance threads from 16.5 µs of CPU per register write to 13.3 (means of
     * eight and six runs). Expired records are hidden alike on every replica until then
     * ({@code RequestRecords.isLive}), so waiting costs only their space: half a retention's
     * records at most (50,000 keys of 16 bytes with values of 13 by default).
     */
    static final long PRUNE_STRIDE_DIVISOR = 2;
    /**
     * After each slice of aggregation or pruning that leaves more to do, the maintenance thread
     * rests this many times as long as the slice ran (on its own thread only: under a host that
     * drives the work, a simulator, slices run back to back). At 1, it takes at most half a core,
     * and the owner threads get the pool and the cores between slices instead of meeting a burst
     * after each compaction.
     * Measured with the register service on 2 cores (RsvcBench, two alternated pairs): at 64 writes
     * in flight p99 19.9 and 17.9 ms with the rest against 36.2 and 28.4 ms without it, and
     * 8,520 and 10,552 writes/s against 7,555 and 8,594; at 16, p99 9.3 and 7.8 ms against 13.1
     * and 13.2.
     */
    static final long SLICE_REST_RATIO = 1;

    private final long id;
    private final RdbStore store;
    private final ReadPins pins;
    private final int sliceKeys;
    /** Entries the base moves between two drops of expired request records, at least 1. */
    private final long pruneStride;
    private final long retryNanos;
    private final LongSupplier clock;
    /** The scrub's rate in bytes per second; 0: no scrub. */
    private final long scrubBytesPerSecond;
    private final long scrubSliceBytes;
    private final ReplicaObserver observer;
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
    /** When the next scrub slice is due (on the clock). */
    private long scrubDueNanos;

    // Used by one scrub slice at a time (takeDue hands out one Work at a time).
    /** The scrub pass under way, or null between passes. */
    private Scrub scrub;
    /** Bytes charged against the rate for the pass under way so far. */
    private long passChargedBytes;
    /** Descriptions of the damage logged and counted so far, at most SCRUB_DAMAGE_REMEMBERED_MAX. */
    private final Set<String> damageSeen = new HashSet<>();
    /** The most problems any pass counted beyond those it described: counted once. */
    private long undescribedCounted;

    /** The epoch the LOG container was aggregated up to last. */
    private volatile long aggregated;
    /** Scrub passes completed; written by the scrub slices only. */
    private volatile long scrubPasses;
    /** Damage the scrub found, each counted once; written by the scrub slices only. */
    private volatile long scrubDamage;

    Maintenance(long id, RdbStore store, ReadPins pins, int sliceKeys, long requestRetentionEntries, long retryMillis,
                long scrubBytesPerSecond, ReplicaObserver observer, LongSupplier clock, boolean ownThread) {
        if (scrubBytesPerSecond < 0) {
            throw new IllegalArgumentException("scrubBytesPerSecond must not be negative, got " + scrubBytesPerSecond);
        }
        this.id = id;
        this.store = store;
        this.pins = pins;
        this.sliceKeys = sliceKeys;
        this.pruneStride = Math.max(1, requestRetentionEntries / PRUNE_STRIDE_DIVISOR);
        this.retryNanos = retryMillis * 1_000_000L;
        this.scrubBytesPerSecond = scrubBytesPerSecond;
        this.scrubSliceBytes = Math.max(SCRUB_SLICE_BYTES_MIN,
                Math.min(SCRUB_SLICE_BYTES_MAX, scrubBytesPerSecond / SCRUB_SLICES_PER_SECOND));
        this.observer = observer;
        this.clock = clock;
        this.scrubDueNanos = clock.getAsLong();
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

    /**
     * A read ended: aggregation it held back may go on. Only a pass that has not reached its
     * target can have been held back, so the thread is woken only then: every read ends here, and
     * waking the thread for nothing at each one put a third thread on the cores beside the
     * handler and the network thread answering the read.
     */
    void readReleased() {
        lock.lock();
        try {
            if (aggregated < target) {
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** The epoch up to which the LOG container is aggregated. */
    long aggregatedIndex() {
        return aggregated;
    }

    /** Scrub passes over the pool completed since the start. */
    long scrubPasses() {
        return scrubPasses;
    }

    /** Damaged or inconsistent structures the scrub has found since the start, each counted once. */
    long scrubDamage() {
        return scrubDamage;
    }

    /** Whether aggregation has reached the last base asked for. */
    boolean isIdle() {
        lock.lock();
        try {
            return !working && aggregated >= target && !pruneDue();
        } finally {
            lock.unlock();
        }
    }

    /** Stops the work on the current LOG container and waits until it has stopped. */
    void pause() {
        lock.lock();
        try {
            paused = true;
            changed.signalAll(); // ends a rest between slices
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

    /**
     * Rests {@link #SLICE_REST_RATIO} times a slice's {@code sliceNanos} after it, on the
     * maintenance thread; a pause or the close ends the rest at once.
     */
    private void rest(long sliceNanos) {
        if (thread == null || sliceNanos <= 0) {
            return;
        }
        long until = System.nanoTime() + sliceNanos * SLICE_REST_RATIO;
        lock.lock();
        try {
            long left;
            while (!paused && !closing && (left = until - System.nanoTime()) > 0) {
                changed.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
        try {
            while (true) {
                Work w = awaitWork();
                if (w == null) {
                    return;
                }
                run(w);
            }
        } finally {
            endScrubPass();
        }
    }

    /** One pass: aggregate up to {@code base} and drop request records (when due); or one scrub slice. */
    private record Work(long base, boolean prune, boolean scrub) {
        static final Work SCRUB = new Work(0, false, true);
    }

    /** The work due now, marked as running; null when there is none (or the work is paused or closing). */
    private Work takeDue(long nowNanos) {
        lock.lock();
        try {
            if (closing || paused) {
                return null;
            }
            // Not again at once on a failing store (a pool too full even for aggregation frees
            // space as other work ends, or after a restart).
            if (aggregationDue() && !(target == failedAt && nowNanos - (failedNanos + retryNanos) < 0)) {
                working = true;
                return new Work(target, pruneDue(), false);
            }
            if (scrubBytesPerSecond > 0 && nowNanos - scrubDueNanos >= 0) {
                return Work.SCRUB;
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    /** Whether pruning or aggregation has work to do. Under lock. */
    private boolean aggregationDue() {
        return pruneDue() || bound(target) > aggregated;
    }

    /** Whether the base moved far enough since the last drop of request records. Under lock. */
    private boolean pruneDue() {
        return target - pruned >= pruneStride;
    }

    /** Waits until work is due and takes it; null when closing. On the maintenance thread. */
    private Work awaitWork() {
        lock.lock();
        try {
            while (!closing) {
                long now = clock.getAsLong();
                Work w = takeDue(now);
                if (w != null) {
                    return w;
                }
                long wait = Long.MAX_VALUE;
                if (!paused && target == failedAt && aggregationDue()) {
                    wait = failedNanos + retryNanos - now;
                }
                if (!paused && scrubBytesPerSecond > 0) {
                    wait = Math.min(wait, scrubDueNanos - now);
                }
                if (wait == Long.MAX_VALUE) {
                    changed.awaitUninterruptibly();
                } else {
                    changed.awaitNanos(Math.max(wait, 1));
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
        if (w.scrub()) {
            scrubSlice();
            return;
        }
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

    /**
     * Aggregates up to {@code base} first, then drops the expired request records when due.
     * Aggregation goes first because it gives space back (its slices may use the space the pool
     * holds back for freeing) while the drop needs some for its tombstones: on a full pool a drop
     * that failed first kept the aggregation from ever running, and the pool stayed full. A
     * failed drop is tried again after the retry delay ({@link #run(Work)}).
     */
    private void work(long base, boolean prune) {
        long upTo = bound(base);
        if (upTo > aggregated && store.aggregate(upTo, sliceKeys, this::keepGoing, this::rest)) {
            aggregated = upTo;
            LOG.debug("replica {}: aggregated the log up to {}", id, upTo);
        }
        if (prune) {
            int dropped = store.pruneRequests(base, this::keepGoing, this::rest);
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
    }

    // ----------------------------------------------------------------------------------------
    // Scrub

    /** Runs one slice of the scrub pass (starting one when none is under way) and paces the next. */
    private void scrubSlice() {
        long chargedBytes = SCRUB_SLICE_BYTES_MIN;
        long delayNanos;
        try {
            if (scrub == null) {
                scrub = store.startScrub();
                passChargedBytes = 0;
            }
            ScrubSlice slice = scrub.slice(scrubSliceBytes);
            for (ScrubDamage d : slice.found()) {
                damageFound(d);
            }
            chargedBytes = Math.max(chargedBytes, slice.bytes());
            passChargedBytes += chargedBytes;
            if (slice.pass().done()) {
                chargedBytes += Math.max(0, SCRUB_PASS_BYTES_MIN - passChargedBytes);
                passCompleted(slice.pass());
            }
            delayNanos = (long) (chargedBytes * 1e9 / scrubBytesPerSecond);
        } catch (RuntimeException e) {
            // A pool closing under the replica, or one the library cannot walk: a new pass later.
            LOG.warn("replica {}: the background scrub of pool {} failed: {}; a new pass starts in {} ms", id,
                    store.poolPath(), e.getMessage(), retryNanos / 1_000_000L);
            endScrubPass();
            delayNanos = retryNanos;
        }
        lock.lock();
        try {
            scrubDueNanos = clock.getAsLong() + delayNanos;
        } finally {
            lock.unlock();
        }
    }

    private void damageFound(ScrubDamage d) {
        String key = d.toString();
        if (damageSeen.contains(key)) {
            return;
        }
        if (damageSeen.size() < SCRUB_DAMAGE_REMEMBERED_MAX) {
            damageSeen.add(key);
        }
        scrubDamage++;
        LOG.error("replica {}: the scrub of pool {} found damage at {}: {}. The scrub does not stop the replica (a"
                + " read or write that meets the damage fails with CORRUPT); replace the replica: a new one takes its"
                + " state from the others", id, store.poolPath(), d.where(), d.what());
        observer.scrubDamageFound(1);
    }

    private void passCompleted(ScrubProgress pass) {
        endScrubPass();
        long undescribed = pass.undescribedProblems();
        if (undescribed > undescribedCounted) {
            long more = undescribed - undescribedCounted;
            undescribedCounted = undescribed;
            scrubDamage += more;
            LOG.error("replica {}: the scrub of pool {} found {} problems in one pass, {} more than it describes;"
                    + " replace the replica", id, store.poolPath(), pass.problems(), undescribed);
            observer.scrubDamageFound(more);
        }
        scrubPasses++; // after the damage it found is counted: a status showing the pass shows that too
        LOG.debug("replica {}: scrub pass {} of pool {} complete: {} bytes, {} keys, {} versions, {} problems", id,
                scrubPasses, store.poolPath(), pass.bytes(), pass.keys(), pass.versions(), pass.problems());
        observer.scrubPassCompleted(pass.problems());
    }

    /** Frees the pass under way, if any; the next slice starts a new one. */
    private void endScrubPass() {
        Scrub s = scrub;
        scrub = null;
        if (s != null) {
            s.close();
        }
    }

    private boolean keepGoingLocked() {
        return !paused && !closing;
    }

    /** How far aggregation may go towards {@code base}: not past the oldest epoch still read. */
    private long bound(long base) {
        return pins.aggregationBound(base);
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
        if (thread == null || !thread.isAlive()) {
            endScrubPass(); // the thread frees its own pass when it ends
        }
    }
}
