package org.vostok.vos.ffm;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;
import org.vostok.vos.Key;
import org.vostok.vos.VosError;
import org.vostok.vos.VosException;
import org.vostok.vos.VosRecord;

/**
 * A flyweight over one record ({@code vos_rec_hdr_t}, key, value) in an iteration's native
 * buffer; moved from record to record, so an iteration allocates nothing per record unless the
 * visitor asks for copies.
 *
 * <p>Thread-safety: confined to the iterating thread.
 */
final class FfmRecord implements VosRecord {
    private MemorySegment buffer;
    private long offset;
    private long keyInt;
    private int keyLength;
    private int valueLength;

    /** Points the flyweight at the record at {@code offset}; returns the offset of the next one. */
    long moveTo(MemorySegment buffer, long offset) {
        this.buffer = buffer;
        this.offset = offset;
        this.keyInt = buffer.get(JAVA_LONG, offset + VosNative.REC_KEY_INT);
        this.keyLength = buffer.get(JAVA_INT, offset + VosNative.REC_KEY_LEN);
        this.valueLength = buffer.get(JAVA_INT, offset + VosNative.REC_VALUE_LEN);
        return offset + VosNative.align8(VosNative.REC_BYTES + (long) keyLength + valueLength);
    }

    boolean isLexical() {
        return keyLength > 0;
    }

    int keyLength() {
        return keyLength;
    }

    /** Where the key bytes of a lexical record start in the buffer. */
    long keyOffset() {
        return offset + VosNative.REC_BYTES;
    }

    @Override
    public Key key() {
        if (keyLength == 0) {
            return Key.of(keyInt);
        }
        byte[] bytes = new byte[keyLength];
        MemorySegment.copy(buffer, JAVA_BYTE, keyOffset(), bytes, 0, keyLength);
        return Key.of(bytes);
    }

    @Override
    public long integerKey() {
        if (keyLength != 0) {
            throw new VosException(VosError.INVAL, "integerKey() of a record of a lexical object; use key()");
        }
        return keyInt;
    }

    @Override
    public int valueLength() {
        return valueLength;
    }

    @Override
    public byte[] value() {
        byte[] bytes = new byte[valueLength];
        MemorySegment.copy(buffer, JAVA_BYTE, keyOffset() + keyLength, bytes, 0, valueLength);
        return bytes;
    }

    @Override
    public String toString() {
        return "VosRecord[" + key() + ", " + valueLength + " bytes]";
    }
}
