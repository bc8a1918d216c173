package org.vostok.vos.spi;

import org.vostok.vos.Key;
import org.vostok.vos.VosError;
import org.vostok.vos.VosException;
import org.vostok.vos.VosRecord;

/**
 * What a record flyweight does whatever the binding: the header fields of the record it points
 * at ({@code vos_rec_hdr_t}: the integer key, the key's and the value's lengths), the key and the
 * value as the visitor asks for them, and the refusal of {@link #integerKey()} on a lexical
 * record. A binding moves it from record to record over an iteration's native buffer
 * ({@link #header}), and copies the key's and the value's bytes out when asked.
 *
 * <p>Thread-safety: confined to the iterating thread.
 *
 * <p>For implementations of the VOS API (the FFM and JNI bindings share it); applications do
 * not need it.
 */
public abstract class AbstractRecord implements VosRecord {
    /** sizeof(vos_rec_hdr_t) (vos.h): the key and the value follow it, the record 8-byte aligned in all. */
    public static final int HEADER_BYTES = 16;

    private long keyInt;
    private int keyLength;
    private int valueLength;

    /** Sets the header of the record now pointed at; returns its length with padding, the step to the next. */
    protected final long header(long keyInt, int keyLength, int valueLength) {
        this.keyInt = keyInt;
        this.keyLength = keyLength;
        this.valueLength = valueLength;
        return (HEADER_BYTES + Integer.toUnsignedLong(keyLength) + Integer.toUnsignedLong(valueLength) + 7) & ~7L;
    }

    /** Copies the key's bytes ({@link #keyLength()} of them) of the record pointed at into {@code into}. */
    protected abstract void copyKey(byte[] into);

    /** Copies the value's bytes ({@link #valueLength()} of them) of the record pointed at into {@code into}. */
    protected abstract void copyValue(byte[] into);

    /** Whether the record's key is lexical (its bytes follow the header) rather than an integer. */
    public final boolean isLexical() {
        return keyLength > 0;
    }

    /** The length of a lexical key; 0 for an integer one. */
    public final int keyLength() {
        return keyLength;
    }

    @Override
    public final Key key() {
        if (keyLength == 0) {
            return Key.of(keyInt);
        }
        byte[] bytes = new byte[keyLength];
        copyKey(bytes);
        return Key.of(bytes);
    }

    @Override
    public final long integerKey() {
        if (keyLength != 0) {
            throw new VosException(VosError.INVAL, "integerKey() of a record of a lexical object; use key()");
        }
        return keyInt;
    }

    @Override
    public final int valueLength() {
        return valueLength;
    }

    @Override
    public final byte[] value() {
        byte[] bytes = new byte[valueLength];
        copyValue(bytes);
        return bytes;
    }

    @Override
    public String toString() {
        return "VosRecord[" + key() + ", " + valueLength + " bytes]";
    }
}
