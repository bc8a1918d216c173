package org.vostok.vos;

import java.util.Arrays;
import java.util.Objects;

/**
 * A key and its value, as collected by {@link Container#collect}.
 *
 * <p>Thread-safety: an immutable value (the value is copied in and out).
 */
public record KeyValue(Key key, byte[] value) {
    public KeyValue {
        Objects.requireNonNull(key, "key");
        value = value.clone();
    }

    /** A copy of the value. */
    @Override
    public byte[] value() {
        return value.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof KeyValue kv && key.equals(kv.key) && Arrays.equals(value, kv.value);
    }

    @Override
    public int hashCode() {
        return 31 * key.hashCode() + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "KeyValue[" + key + ", " + value.length + " bytes]";
    }
}
