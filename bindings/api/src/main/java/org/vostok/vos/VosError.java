package org.vostok.vos;

/**
 * The error codes of the native VOS library ({@code enum vos_error} in {@code vostok/vos.h}), by
 * the same stable values. {@link #UNKNOWN} stands for a code this binding does not know, which
 * only a newer native library could return.
 *
 * <p>Thread-safety: an enum, immutable.
 */
public enum VosError {
    /** An argument is wrong: a flag, an offset, a key of the wrong order, a foreign handle. */
    INVAL(-1),
    /** The pool is full; nothing was changed and the pool stays usable. */
    NOSPACE(-2),
    /** No such pool file, container or object (at that epoch). */
    NONEXIST(-3),
    /** The pool file, container or object exists already. */
    EXIST(-4),
    /** A checksum does not match: a stored value or structure is damaged. */
    CORRUPT(-5),
    /** The operating system refused; the message carries its reason. */
    IO(-6),
    /** The file is not a Vostok pool. */
    NOTPOOL(-7),
    /**
     * The pool was written with a layout the library does not read: a newer one, or layout 1
     * (from before every structure had a checksum); the message says what to do.
     */
    LAYOUT(-8),
    /** A pool or container handle that is closed or was never opened. */
    BADHANDLE(-9),
    /** A key, value, batch or pool size beyond its limit. */
    TOOBIG(-10),
    /**
     * A buffer was too small: the bindings retry with a larger one of their own, so users see it
     * only from a fetch into a buffer of theirs.
     */
    TRUNC(-11),
    /** Out of native memory. */
    NOMEM(-12),
    /** In use: the pool file by another process or handle, a container by an open handle. */
    BUSY(-13),
    /** A code this binding does not know; the message carries the native code. */
    UNKNOWN(Integer.MIN_VALUE);

    private static final VosError[] BY_NEGATED_CODE = new VosError[14];

    static {
        for (VosError error : values()) {
            if (error != UNKNOWN) {
                BY_NEGATED_CODE[-error.code] = error;
            }
        }
    }

    private final int code;

    VosError(int code) {
        this.code = code;
    }

    /** The native code, a negative number ({@code VOS_ERR_*}). */
    public int code() {
        return code;
    }

    /** The error for a native code; {@link #UNKNOWN} for a code this binding does not know. */
    public static VosError ofCode(int code) {
        if (code < 0 && -code < BY_NEGATED_CODE.length && BY_NEGATED_CODE[-code] != null) {
            return BY_NEGATED_CODE[-code];
        }
        return UNKNOWN;
    }
}
