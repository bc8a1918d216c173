package org.vostok.vos;

import java.util.Objects;

/**
 * One key to read in a batched {@link Container#fetch(java.util.List)}.
 *
 * <p>Thread-safety: an immutable value.
 *
 * @param oid   the object id (unsigned)
 * @param key   the key, of the object's key order
 * @param epoch read the newest version at or below this epoch (unsigned)
 */
public record FetchRequest(long oid, Key key, long epoch) {
    public FetchRequest {
        Objects.requireNonNull(key, "key");
    }

    /** A request for an integer key. */
    public static FetchRequest of(long oid, long key, long epoch) {
        return new FetchRequest(oid, Key.of(key), epoch);
    }
}
