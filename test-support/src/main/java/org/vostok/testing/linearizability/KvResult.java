package org.vostok.testing.linearizability;

import java.util.Optional;

/** The output of a {@link KvOp}, as {@link KvModel} defines it. */
public sealed interface KvResult permits KvResult.Value, KvResult.Done, KvResult.Swapped {

    /** A read that found {@code value}. */
    static KvResult value(String value) {
        if (value == null) {
            throw new IllegalArgumentException("a read result needs a value; use KvResult.absent() for a missing key");
        }
        return new Value(Optional.of(value));
    }

    /** A read that found the key absent. */
    static KvResult absent() {
        return Value.ABSENT;
    }

    /** A read's result, present or absent. */
    static KvResult valueOf(Optional<String> value) {
        return value.isPresent() ? value(value.get()) : absent();
    }

    /** A write or delete that took effect. */
    static KvResult ok() {
        return Done.INSTANCE;
    }

    /** A compare-and-set that did ({@code true}) or did not swap. */
    static KvResult swapped(boolean swapped) {
        return swapped ? Swapped.TRUE : Swapped.FALSE;
    }

    /** A read's output: the value, or empty for an absent key. */
    record Value(Optional<String> value) implements KvResult {
        static final Value ABSENT = new Value(Optional.empty());

        public Value {
            if (value == null) {
                throw new IllegalArgumentException("a read result is Optional.empty() for an absent key, not null");
            }
        }

        @Override
        public String toString() {
            return value.map(KvResult::quote).orElse("absent");
        }
    }

    /** The output of a write or a delete. */
    record Done() implements KvResult {
        static final Done INSTANCE = new Done();

        @Override
        public String toString() {
            return "ok";
        }
    }

    /** The output of a compare-and-set: whether it swapped. */
    record Swapped(boolean swapped) implements KvResult {
        static final Swapped TRUE = new Swapped(true);
        static final Swapped FALSE = new Swapped(false);

        @Override
        public String toString() {
            return swapped ? "swapped" : "not swapped";
        }
    }

    /** A value as explanations show it: in double quotes, so "absent" and absent differ. */
    static String quote(String value) {
        return '"' + value + '"';
    }
}
