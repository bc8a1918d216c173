package org.vostok.vos;

import java.util.Objects;

/**
 * What {@link Pool#query()} reports.
 *
 * <p>Thread-safety: an immutable value.
 *
 * @param totalBytes    usable heap bytes of the pool
 * @param freeBytes     of those, the bytes not allocated
 * @param layoutVersion the layout version stored in the pool
 * @param containers    the number of containers in the pool
 * @param backend       how the pool keeps its data durable
 */
public record PoolInfo(long totalBytes, long freeBytes, int layoutVersion, int containers, PoolBackend backend) {
    public PoolInfo {
        Objects.requireNonNull(backend, "backend");
        if (totalBytes < 0 || freeBytes < 0 || freeBytes > totalBytes) {
            throw new IllegalArgumentException("inconsistent pool space: total " + totalBytes
                    + " bytes, free " + freeBytes + " bytes");
        }
    }

    /** A pool of the PMDK backend (the form this record had before backends were added). */
    public PoolInfo(long totalBytes, long freeBytes, int layoutVersion, int containers) {
        this(totalBytes, freeBytes, layoutVersion, containers, PoolBackend.PMEM);
    }

    /** The bytes allocated: {@code totalBytes - freeBytes}. */
    public long usedBytes() {
        return totalBytes - freeBytes;
    }
}
