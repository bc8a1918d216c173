package org.vostok.rdb.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.vostok.vos.Key;

/**
 * Where a KVS is in the tree: the keys leading to it from the root KVS. The root's path is
 * empty; each key must match the key order of the KVS it is looked up in (an integer key in an
 * integer-keyed KVS, a byte string in a lexical one). Immutable.
 */
public final class KvsPath {

    /** The deepest path accepted; deeper trees are refused with {@link RdbError#TOOBIG}. */
    public static final int DEPTH_MAX = 64;

    private static final KvsPath ROOT = new KvsPath(List.of());

    private final List<Key> keys;

    private KvsPath(List<Key> keys) {
        this.keys = keys;
    }

    /** The root KVS. */
    public static KvsPath root() {
        return ROOT;
    }

    /** The KVS reached from the root through {@code keys}. */
    public static KvsPath of(List<Key> keys) {
        Objects.requireNonNull(keys, "keys");
        if (keys.size() > DEPTH_MAX) {
            throw new RdbException(RdbError.TOOBIG, "a path of " + keys.size() + " keys is deeper than DEPTH_MAX ("
                    + DEPTH_MAX + ")");
        }
        List<Key> copy = new ArrayList<>(keys.size());
        for (Key k : keys) {
            copy.add(Objects.requireNonNull(k, "a path holds no null key"));
        }
        return copy.isEmpty() ? ROOT : new KvsPath(Collections.unmodifiableList(copy));
    }

    /** The child KVS stored under {@code key} in this one. */
    public KvsPath child(Key key) {
        Objects.requireNonNull(key, "key");
        List<Key> longer = new ArrayList<>(keys.size() + 1);
        longer.addAll(keys);
        longer.add(key);
        return of(longer);
    }

    /** The child KVS under an integer key. */
    public KvsPath child(long key) {
        return child(Key.of(key));
    }

    /** The child KVS under the UTF-8 bytes of {@code key}. */
    public KvsPath child(String key) {
        return child(Key.ofUtf8(key));
    }

    /** The keys from the root, in order; empty for the root. */
    public List<Key> keys() {
        return keys;
    }

    public int depth() {
        return keys.size();
    }

    public boolean isRoot() {
        return keys.isEmpty();
    }

    /** The path of the KVS holding this one; the root has none. */
    public KvsPath parent() {
        if (keys.isEmpty()) {
            throw new IllegalStateException("the root KVS has no parent");
        }
        return of(keys.subList(0, keys.size() - 1));
    }

    /** The key this KVS is stored under in its parent; the root has none. */
    public Key lastKey() {
        if (keys.isEmpty()) {
            throw new IllegalStateException("the root KVS is stored under no key");
        }
        return keys.get(keys.size() - 1);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KvsPath p && p.keys.equals(keys);
    }

    @Override
    public int hashCode() {
        return keys.hashCode();
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("/");
        for (int i = 0; i < keys.size(); i++) {
            b.append(i == 0 ? "" : "/").append(keys.get(i));
        }
        return b.toString();
    }
}
