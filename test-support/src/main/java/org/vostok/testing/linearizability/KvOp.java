package org.vostok.testing.linearizability;

import java.util.Optional;

/**
 * An operation on a key-value store, the input of {@link KvModel}. Keys and values are strings;
 * a test of a store of byte strings records {@code new String(bytes, ISO_8859_1)}, which maps
 * distinct byte arrays to distinct strings. Workloads should write a value at most once per key
 * (say "client-sequence"): then a read tells exactly which write it saw, and the checker's
 * explanations say so.
 */
public sealed interface KvOp permits KvOp.Read, KvOp.Write, KvOp.Delete, KvOp.CompareAndSet {

    String key();

    /** Returns the key's value, or absent; outputs {@link KvResult.Value}. */
    static Read read(String key) {
        return new Read(key);
    }

    /** Sets the key's value; outputs {@link KvResult#ok()}. */
    static Write write(String key, String value) {
        return new Write(key, value);
    }

    /** Removes the key, present or not; outputs {@link KvResult#ok()}. */
    static Delete delete(String key) {
        return new Delete(key);
    }

    /** Sets the key to {@code newValue} if its value is {@code expected}; outputs {@link KvResult.Swapped}. */
    static CompareAndSet compareAndSet(String key, String expected, String newValue) {
        return new CompareAndSet(key, Optional.of(expected), newValue);
    }

    /** Sets the key to {@code value} if it is absent; outputs {@link KvResult.Swapped}. */
    static CompareAndSet putIfAbsent(String key, String value) {
        return new CompareAndSet(key, Optional.empty(), value);
    }

    record Read(String key) implements KvOp {
        public Read {
            requireKey(key);
        }

        @Override
        public String toString() {
            return "read(" + key + ")";
        }
    }

    record Write(String key, String value) implements KvOp {
        public Write {
            requireKey(key);
            requireValue(value, "write");
        }

        @Override
        public String toString() {
            return "write(" + key + ", " + KvResult.quote(value) + ")";
        }
    }

    record Delete(String key) implements KvOp {
        public Delete {
            requireKey(key);
        }

        @Override
        public String toString() {
            return "delete(" + key + ")";
        }
    }

    /** @param expected the value the key must have for the swap, or empty for "the key must be absent" */
    record CompareAndSet(String key, Optional<String> expected, String newValue) implements KvOp {
        public CompareAndSet {
            requireKey(key);
            if (expected == null) {
                throw new IllegalArgumentException("compare-and-set on " + key
                        + ": expected must not be null; use Optional.empty() for 'key absent'");
            }
            requireValue(newValue, "compare-and-set");
        }

        @Override
        public String toString() {
            return "cas(" + key + ", " + expected.map(KvResult::quote).orElse("absent") + " -> "
                    + KvResult.quote(newValue) + ")";
        }
    }

    private static void requireKey(String key) {
        if (key == null) {
            throw new IllegalArgumentException("a key-value operation needs a key, got null");
        }
    }

    private static void requireValue(String value, String operation) {
        if (value == null) {
            throw new IllegalArgumentException(operation + " needs a value, got null; use delete to remove a key");
        }
    }
}
