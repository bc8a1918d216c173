package org.vostok.vos;

import java.util.Objects;

/**
 * How {@link VosProvider#createPool(java.nio.file.Path, long, PoolOptions)} makes a pool: its
 * backend and, for {@link PoolBackend#WAL}, the log's tuning. Zero picks the library's default.
 *
 * <p>Thread-safety: an immutable value.
 *
 * @param backend            the backend
 * @param walSegmentBytes    WAL only: the size of one log segment file, a multiple of 4096 from
 *                           {@link #WAL_SEGMENT_BYTES_MIN} to {@link #WAL_SEGMENT_BYTES_MAX};
 *                           0: an eighth of the pool, from 1 MiB to 16 MiB
 * @param walCheckpointBytes WAL only: how much log makes the background thread checkpoint the
 *                           pool's image, at least twice the segment size; it also bounds the
 *                           work of a recovery. 0: half the pool, from 4 MiB to 64 MiB
 */
public record PoolOptions(PoolBackend backend, long walSegmentBytes, long walCheckpointBytes) {
    /** The smallest WAL segment, in bytes. */
    public static final long WAL_SEGMENT_BYTES_MIN = 64L << 10;
    /** The largest WAL segment, in bytes. */
    public static final long WAL_SEGMENT_BYTES_MAX = 1L << 30;

    public PoolOptions {
        Objects.requireNonNull(backend, "backend");
        if (walSegmentBytes < 0 || walCheckpointBytes < 0) {
            throw new IllegalArgumentException("walSegmentBytes and walCheckpointBytes must not be negative: "
                    + walSegmentBytes + ", " + walCheckpointBytes);
        }
        if (backend != PoolBackend.WAL && (walSegmentBytes != 0 || walCheckpointBytes != 0)) {
            throw new IllegalArgumentException("walSegmentBytes and walCheckpointBytes apply to the WAL "
                    + "backend only; leave them 0 for " + backend);
        }
    }

    /** The PMDK backend: what {@link VosProvider#createPool(java.nio.file.Path, long)} uses. */
    public static PoolOptions pmem() {
        return new PoolOptions(PoolBackend.PMEM, 0, 0);
    }

    /** The WAL backend with the default tuning. */
    public static PoolOptions wal() {
        return new PoolOptions(PoolBackend.WAL, 0, 0);
    }

    /** These options with another WAL segment size (the backend must be WAL). */
    public PoolOptions withWalSegmentBytes(long bytes) {
        return new PoolOptions(backend, bytes, walCheckpointBytes);
    }

    /** These options with another WAL checkpoint interval (the backend must be WAL). */
    public PoolOptions withWalCheckpointBytes(long bytes) {
        return new PoolOptions(backend, walSegmentBytes, bytes);
    }
}
