package org.vostok.vos;

/**
 * How an object orders its keys, chosen when the object is created and fixed for its life.
 *
 * <p>Thread-safety: an enum, immutable.
 */
public enum KeyOrder {
    /** Keys are unsigned 64-bit integers ({@link Key.IntegerKey}), in numeric order. */
    INTEGER(1),
    /**
     * Keys are byte strings of 1 to {@link VosLimits#KEY_BYTES_MAX} bytes ({@link Key.LexicalKey}),
     * in unsigned byte order, the shorter first on a common prefix.
     */
    LEXICAL(2);

    private final int code;

    KeyOrder(int code) {
        this.code = code;
    }

    /** The native value ({@code enum vos_key_order}). */
    public int code() {
        return code;
    }
}
