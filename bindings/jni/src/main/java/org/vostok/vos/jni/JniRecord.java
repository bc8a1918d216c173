package org.vostok.vos.jni;

import java.nio.ByteBuffer;
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
final class JniRecord implements VosRecord {
    private ByteBuffer buffer;
    private int offset;
    private long keyInt;
    private int keyLength;
    private int valueLength;

    /** Points the flyweight at the record at {@code offset}; returns the offset of the next one. */
    int moveTo(ByteBuffer buffer, int offset) {
        this.buffer = buffer;
        this.offset = offset;
        this.keyInt = buffer.getLong(offset + VosNative.REC_KEY_INT);
        this.keyLength = buffer.getInt(offset + VosNative.REC_KEY_LEN);
        this.valueLength = buffer.getInt(offset + VosNative.REC_VALUE_LEN);
        return Math.toIntExact(VosNative.align8(offset + (long) VosNative.REC_BYTES + keyLength + valueLength));
    }

    boolean isLexical() {
        return keyLength > 0;
    }

    int keyLength() {
        return keyLength;
    }

    /** Where the key bytes of a lexical record start in the buffer. */
    int keyOffset() {
        return offset + VosNative.REC_BYTES;
    }

    @Override
    public Key key() {
        if (keyLength == 0) {
            return Key.of(keyInt);
        }
        byte[] bytes = new byte[keyLength];
        buffer.get(keyOffset(), bytes);
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
        buffer.get(keyOffset() + keyLength, bytes);
        return bytes;
    }

    @Override
    public String toString() {
        return "VosRecord[" + key() + ", " + valueLength + " bytes]";
    }
}
