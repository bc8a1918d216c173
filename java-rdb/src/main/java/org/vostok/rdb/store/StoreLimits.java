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
 */
public record StoreLimits(long entryCacheBytesMax, int vosOperationsPerTransactionMax) {

    /** VOS operations of a transaction besides an entry's tree changes: see {@link #vosOperationsPerEntryMax()}. */
    static final int RESERVED_OPERATIONS = 8;

    public static final StoreLimits DEFAULT = new StoreLimits(16L << 20, VosLimits.TX_OPS_MAX);

    public StoreLimits {
        if (entryCacheBytesMax < 0) {
            throw new IllegalArgumentException("entryCacheBytesMax must not be negative, got " + entryCacheBytesMax);
        }
        if (vosOperationsPerTransactionMax < 4 * RESERVED_OPERATIONS
                || vosOperationsPerTransactionMax > VosLimits.TX_OPS_MAX) {
            throw new IllegalArgumentException("vosOperationsPerTransactionMax must be " + 4 * RESERVED_OPERATIONS
                    + " .. " + VosLimits.TX_OPS_MAX + " (the store's TX_OPS_MAX), got " + vosOperationsPerTransactionMax);
        }
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
