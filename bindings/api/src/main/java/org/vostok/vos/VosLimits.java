package org.vostok.vos;

/**
 * The limits of the store, as the native library defines them ({@code vostok/vos.h}). Anything
 * beyond a limit is refused with {@link VosError#TOOBIG} before anything changes.
 *
 * <p>Epochs, object ids and integer keys are unsigned 64-bit numbers carried in a Java
 * {@code long}: {@code -1L} is the largest, {@code 2^64 - 1}. Compare them with
 * {@link Long#compareUnsigned}.
 *
 * <p>Thread-safety: constants only.
 */
public final class VosLimits {
    /** The longest lexical key, in bytes; the shortest is 1. */
    public static final int KEY_BYTES_MAX = 4096;
    /** The longest value, in bytes; the shortest is 0. */
    public static final int VALUE_BYTES_MAX = 1 << 20;
    /** The most operations in one transaction, and the most requests in one batched fetch. */
    public static final int TX_OPS_MAX = 65536;
    /**
     * The most bytes of keys and values one transaction writes, counted per operation: a
     * commit beyond it fails with {@link VosError#TOOBIG}, naming the operation that crosses
     * it, and changes nothing. Split larger batches into several transactions.
     */
    public static final int TX_BYTES_MAX = 64 << 20;
    /** The smallest pool that can be created, in bytes. */
    public static final long POOL_BYTES_MIN = 16L << 20;
    /** The most containers open at once in one pool. */
    public static final int CONTAINERS_OPEN_MAX = 1024;
    /** The newest epoch ({@code 2^64 - 1}, unsigned): a fetch at it reads the newest version of all. */
    public static final long EPOCH_MAX = -1L;

    private VosLimits() {
    }
}
