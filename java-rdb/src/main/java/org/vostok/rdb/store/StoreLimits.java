package org.vostok.rdb.store;

import org.vostok.vos.VosLimits;

/**
 * The store's bounds.
 *
 * @param entryCacheBytesMax bytes of the newest log entries kept in memory, so that the leader
 *     replicates them without reading them back from the pool
 * @param vosOperationsPerTransactionMax VOS operations in one persist transaction at most; a
 *     batch that needs more is written in several, at entry boundaries, each one consistent
 *     on its own
 * @param requestRetentionEntries how many entries after its own a request record counts: a
 *     record of entry i is seen at epochs below {@code i + requestRetentionEntries} and dropped at
 *     compactions past that; the same on every replica, so validation decides alike everywhere
 */
public record StoreLimits(long entryCacheBytesMax, int vosOperationsPerTransactionMax, long requestRetentionEntries) {

    /** VOS operations of a transaction besides an entry's tree changes: see {@link #vosOperationsPerEntryMax()}. */
    static final int RESERVED_OPERATIONS = 8;

    /** The default request retention, in entries. */
    public static final long REQUEST_RETENTION_ENTRIES_DEFAULT = 100_000;

    /**
     * The entry cache's default, 4 MiB: at 9,000 1 KiB writes a second about 0.4 s of log, far more
     * than replication to followers that keep up needs. A larger cache only holds entries long
     * enough for the young-generation collections to copy them: 16 MiB per replica made pauses of
     * 50–130 ms at 64 writes in flight, against 6–29 ms with 4 MiB; a follower further behind
     * reads its entries from the pool.
     */
    public static final long ENTRY_CACHE_BYTES_DEFAULT = 4L << 20;
    public static final StoreLimits DEFAULT = new StoreLimits(ENTRY_CACHE_BYTES_DEFAULT, VosLimits.TX_OPS_MAX,
            REQUEST_RETENTION_ENTRIES_DEFAULT);

    public StoreLimits {
        if (entryCacheBytesMax < 0) {
            throw new IllegalArgumentException("entryCacheBytesMax must not be negative, got " + entryCacheBytesMax);
        }
        if (vosOperationsPerTransactionMax < 4 * RESERVED_OPERATIONS
                || vosOperationsPerTransactionMax > VosLimits.TX_OPS_MAX) {
            throw new IllegalArgumentException("vosOperationsPerTransactionMax must be " + 4 * RESERVED_OPERATIONS
                    + " .. " + VosLimits.TX_OPS_MAX + " (the store's TX_OPS_MAX), got " + vosOperationsPerTransactionMax);
        }
        if (requestRetentionEntries <= 0) {
            throw new IllegalArgumentException("requestRetentionEntries must be above 0, got " + requestRetentionEntries);
        }
    }

    /** Limits with the default request retention. */
    public StoreLimits(long entryCacheBytesMax, int vosOperationsPerTransactionMax) {
        this(entryCacheBytesMax, vosOperationsPerTransactionMax, REQUEST_RETENTION_ENTRIES_DEFAULT);
    }

    /**
     * The most VOS operations one entry's tree changes may need, so that any single entry fits in
     * one transaction with its record, its request record, a term run, a new segment, a
     * truncation and the META records.
     */
    public int vosOperationsPerEntryMax() {
        return vosOperationsPerTransactionMax - RESERVED_OPERATIONS;
    }
}
