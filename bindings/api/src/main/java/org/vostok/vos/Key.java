package org.vostok.vos;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A key of an object: an unsigned 64-bit integer for objects of {@link KeyOrder#INTEGER}, a byte
 * string for objects of {@link KeyOrder#LEXICAL}. Using a key of the other kind on an object is
 * refused with {@link VosError#INVAL}.
 *
 * <p>Thread-safety: immutable values.
 */
public sealed interface Key permits Key.IntegerKey, Key.LexicalKey {

    /** The key order this key belongs to. */
    KeyOrder order();

    /** An integer key (unsigned: {@code -1L} is the largest). */
    static IntegerKey of(long value) {
        return new IntegerKey(value);
    }

    /** A lexical key holding a copy of {@code bytes}. */
    static LexicalKey of(byte[] bytes) {
        return new LexicalKey(bytes);
    }

    /** A lexical key holding the UTF-8 bytes of {@code text}. */
    static LexicalKey ofUtf8(String text) {
        return new LexicalKey(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * An integer key. Ordered by unsigned value.
     *
     * @param value the key, unsigned
     */
    record IntegerKey(long value) implements Key, Comparable<IntegerKey> {
        @Override
        public KeyOrder order() {
            return KeyOrder.INTEGER;
        }

        @Override
        public int compareTo(IntegerKey other) {
            return Long.compareUnsigned(value, other.value);
        }

        @Override
        public String toString() {
            return Long.toUnsignedString(value);
        }
    }

    /**
     * A lexical key: 1 to {@link VosLimits#KEY_BYTES_MAX} bytes, ordered as unsigned bytes with
     * the shorter first on a common prefix (the order the store iterates in). The bytes are
     * copied in and out, so the key never changes.
     */
    record LexicalKey(byte[] bytes) implements Key, Comparable<LexicalKey> {
        public LexicalKey {
            if (bytes.length == 0) {
                throw new VosException(VosError.INVAL, "a lexical key must hold at least one byte");
            }
            if (bytes.length > VosLimits.KEY_BYTES_MAX) {
                throw new VosException(VosError.TOOBIG, "a lexical key of " + bytes.length
                        + " bytes is longer than KEY_BYTES_MAX (" + VosLimits.KEY_BYTES_MAX + " bytes)");
            }
            bytes = bytes.clone();
        }

        @Override
        public KeyOrder order() {
            return KeyOrder.LEXICAL;
        }

        /** A copy of the key's bytes. */
        @Override
        public byte[] bytes() {
            return bytes.clone();
        }

        /** The key's length in bytes. */
        public int length() {
            return bytes.length;
        }

        /** A read-only view of the key's bytes, for copying without an intermediate array. */
        public ByteBuffer asReadOnlyBuffer() {
            return ByteBuffer.wrap(bytes).asReadOnlyBuffer();
        }

        /** The key's bytes as UTF-8 text (for keys that were made from text). */
        public String utf8() {
            return new String(bytes, StandardCharsets.UTF_8);
        }

        @Override
        public int compareTo(LexicalKey other) {
            return Arrays.compareUnsigned(bytes, other.bytes);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof LexicalKey key && Arrays.equals(bytes, key.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            boolean printable = true;
            for (byte b : bytes) {
                if (b < 0x20 || b > 0x7e) {
                    printable = false;
                    break;
                }
            }
            return printable ? '"' + utf8() + '"' : "0x" + HexFormat.of().formatHex(bytes);
        }
    }
}
