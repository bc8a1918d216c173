package org.vostok.vos;

/**
 * How a pool keeps its data durable, chosen when it is created ({@link PoolOptions}) and read
 * back from the file when it is opened.
 *
 * <p>Thread-safety: an enum, immutable.
 */
public enum PoolBackend {
    /**
     * A pmemobj pool file (PMDK). On persistent memory (a DAX file system) the file is mapped
     * directly; elsewhere PMDK emulates persistence with msync, which costs milliseconds per
     * transaction.
     */
    PMEM(1),
    /**
     * The heap in DRAM (the whole pool is held in memory), every transaction appended to a
     * write-ahead log with one fdatasync, the image checkpointed in the background: for machines
     * with NVMe or SSD but no persistent memory. Its log segments are files named
     * {@code <pool>.wal.<n>} next to the pool file.
     */
    WAL(2);

    private final int code;

    PoolBackend(int code) {
        this.code = code;
    }

    /** The native value ({@code enum vos_backend}). */
    public int code() {
        return code;
    }

    /** The backend of a native value. */
    public static PoolBackend ofCode(int code) {
        for (PoolBackend b : values()) {
            if (b.code == code) {
                return b;
            }
        }
        throw new IllegalArgumentException("unknown pool backend " + code + " (enum vos_backend)");
    }
}
