package org.vostok.vos;

import java.util.Optional;

/**
 * The outcome of one request of a batched {@link Container#fetch(java.util.List)}: the value, the
 * news that the key has no live value at that epoch, or an error that concerns this request only
 * (the object does not exist at that epoch, the stored value fails its checksum).
 *
 * <p>Thread-safety: immutable values.
 */
public sealed interface FetchResult permits FetchResult.Found, FetchResult.Absent, FetchResult.Failed {

    /** The value if there is one; empty when absent; throws the error when the request failed. */
    Optional<byte[]> value();

    /** The key holds this value at the epoch asked for. */
    record Found(byte[] bytes) implements FetchResult {
        public Found {
            bytes = bytes.clone();
        }

        /** A copy of the value. */
        @Override
        public byte[] bytes() {
            return bytes.clone();
        }

        @Override
        public Optional<byte[]> value() {
            return Optional.of(bytes.clone());
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Found found && java.util.Arrays.equals(bytes, found.bytes);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "Found[" + bytes.length + " bytes]";
        }
    }

    /** The key has no live value at that epoch (never written, punched, or written later). */
    record Absent() implements FetchResult {
        /** The one instance. */
        public static final Absent INSTANCE = new Absent();

        @Override
        public Optional<byte[]> value() {
            return Optional.empty();
        }
    }

    /** This request failed; the others in the batch have their own results. */
    record Failed(VosException exception) implements FetchResult {
        public Failed {
            java.util.Objects.requireNonNull(exception, "exception");
        }

        /** The code. */
        public VosError error() {
            return exception.error();
        }

        @Override
        public Optional<byte[]> value() {
            throw new VosException(exception.error(), exception.detail(), exception);
        }
    }
}
