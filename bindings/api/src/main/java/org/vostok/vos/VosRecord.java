package org.vostok.vos;

/**
 * One record delivered to a {@link RecordVisitor}: a key and (unless the iteration is keys-only)
 * its value at the iteration's epoch. A flyweight over the native batch buffer: it is valid only
 * during the {@link RecordVisitor#onRecord} call that received it; copy what you keep.
 *
 * <p>Thread-safety: confined to the visiting thread, for the duration of the callback.
 */
public interface VosRecord {
    /** The key, as a new value. */
    Key key();

    /** The key of an integer-keyed object, without allocating; INVAL for a lexical object. */
    long integerKey();

    /** The value's length in bytes; 0 for a keys-only iteration. */
    int valueLength();

    /** A copy of the value; empty for a keys-only iteration. */
    byte[] value();
}
