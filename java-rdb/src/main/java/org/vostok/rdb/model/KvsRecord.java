package org.vostok.rdb.model;

import java.util.Arrays;
import java.util.Objects;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;

/** One key of a KVS as a query returns it: a value, or a child KVS. */
public sealed interface KvsRecord permits KvsRecord.Value, KvsRecord.Child {

    Key key();

    /** A key holding a value. The array is the caller's: the store keeps no reference to it. */
    record Value(Key key, byte[] value) implements KvsRecord {
        public Value {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Value v && v.key.equals(key) && Arrays.equals(v.value, value);
        }

        @Override
        public int hashCode() {
            return key.hashCode() * 31 + Arrays.hashCode(value);
        }

        @Override
        public String toString() {
            return key + "=" + value.length + "B";
        }
    }

    /** A key holding a child KVS with the given key order. */
    record Child(Key key, KeyOrder order) implements KvsRecord {
        public Child {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(order, "order");
        }

        @Override
        public String toString() {
            return key + "=KVS(" + order + ")";
        }
    }
}
