package org.vostok.rdb;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vostok.raft.Membership;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.store.RdbStore;
import org.vostok.rdb.store.StoreLayout;

/**
 * Compaction of the log on the owner thread: when the applied entries past the base exceed
 * compactThresholdEntries (keeping at least compactRetainEntries of them), or as far as it is
 * applied when the pool runs short of space. The freed space comes back through the
 * {@link Maintenance} thread's aggregation, which is told at the end of the round.
 *
 * <p>A compaction for length stops at the end of a log segment ({@link #compactionPoint}): the
 * store then drops whole segments, one VOS punch each, instead of punching the entries of a
 * partly compacted segment one key at a time (up to a segment's 4,096 keys in the owner's round,
 * each a punch record the aggregation has to read later, for a segment punched whole at the next
 * compaction anyway). Measured with the register service at 64 writes in flight: 3.1 ms of the
 * owner thread per compaction on average (at most 10–17 ms) before, 0.5–0.7 ms (at most 4–6 ms)
 * after.
 *
 * <p>Owned by the replica's thread.
 */
final class Compactor {

    private static final Logger LOG = LoggerFactory.getLogger(Compactor.class);

    /** How often a compaction that finds the pool full says so at most. */
    private static final long WARNING_INTERVAL_NANOS = 10_000_000_000L;

    private final ReplicaCore core;
    private final RdbStore store;
    private final RdbConfig config;
    private final SpaceGuard space;
    private final Maintenance maintenance;

    /** The log was compacted in this round: the maintenance thread is told at the end of it. */
    private boolean compactedThisRound;
    private boolean warned;
    private long warnedNanos;

    Compactor(ReplicaCore core, RdbStore store, RdbConfig config, SpaceGuard space, Maintenance maintenance) {
        this.core = core;
        this.store = store;
        this.config = config;
        this.space = space;
        this.maintenance = maintenance;
    }

    /**
     * Compacts the log when the applied entries past its base exceed compactThresholdEntries, or,
     * checked once a tick, as far as it is applied when the pool's free bytes are below
     * poolFreeBytesMin and the last aggregation is done.
     */
    void maybeCompact(long applied, boolean ticked, long nowNanos) {
        long base = store.snapshot().index();
        if (applied - base > config.compactThresholdEntries()) {
            compactTo(compactionPoint(base, applied - config.compactRetainEntries()), nowNanos);
        } else if (ticked && applied > base && maintenance.isIdle() && space.isShort()) {
            compactTo(applied, nowNanos);
        }
    }

    /**
     * Where a compaction for length to {@code target} stops: the last entry of the last log
     * segment wholly at or below {@code target}, when that is past {@code base}, so that only
     * whole segments go; otherwise (less than a segment's entries past the base, with a small
     * compactThresholdEntries) {@code target} itself.
     */
    static long compactionPoint(long base, long target) {
        long aligned = (target + 1) / StoreLayout.ENTRIES_PER_SEGMENT * StoreLayout.ENTRIES_PER_SEGMENT - 1;
        return aligned > base ? aligned : target;
    }

    /** Compacts as far as the log is applied, for space; returns whether the base moved. */
    boolean compactForSpace(long applied, long nowNanos) {
        return applied > store.snapshot().index() && compactTo(applied, nowNanos);
    }

    private boolean compactTo(long index, long nowNanos) {
        Membership membership = core.node().membershipAt(index);
        try {
            if (!store.compact(index, membership)) {
                return false;
            }
        } catch (RdbException e) {
            if (e.error() != RdbError.NOSPACE) {
                throw e;
            }
            if (!warned || nowNanos - warnedNanos > WARNING_INTERVAL_NANOS) {
                warned = true;
                warnedNanos = nowNanos;
                LOG.warn("replica {}: cannot compact its log, the pool is full: {}", core.id(), e.getMessage());
            }
            return false;
        }
        compactedThisRound = true;
        return true;
    }

    /**
     * The end of a round: the maintenance thread is told of a compaction only now, once every
     * snapshot chunk the core asked for in this round (of a snapshot at the old base) has its
     * epoch pinned.
     */
    void endRound() {
        if (compactedThisRound) {
            compactedThisRound = false;
            maintenance.compacted(store.snapshot().index());
        }
    }
}
