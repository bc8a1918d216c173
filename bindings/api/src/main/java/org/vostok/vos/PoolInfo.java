package org.vostok.vos;

/**
 * What {@link Pool#query()} reports.
 *
 * <p>Thread-safety: an immutable value.
 *
 * @param totalBytes    usable heap bytes of the pool
 * @param freeBytes     of those, the bytes not allocated
 * @param layoutVersion the layout version stored in the pool
 * @param containers    the number of containers in the pool
 */
public record PoolInfo(long totalBytes, long freeBytes, int layoutVersion, int containers) {
    public PoolInfo {
        if (totalBytes < 0 || freeBytes < 0 || freeBytes > totalBytes) {
            throw new IllegalArgumentException("inconsistent pool space: total " + totalBytes
                    + " bytes, free " + freeBytes + " bytes");
        }
    }

    /** The bytes allocated: {@code totalBytes - freeBytes}. */
    public long usedBytes() {
        return totalBytes - freeBytes;
    }
}
