package org.vostok.rdb.store;

import java.util.Optional;
import java.util.function.BiConsumer;
import org.vostok.vos.Key;

/**
 * The KV tree's raw records as of one point in the log: what validation reads. Implemented over
 * VOS at an epoch ({@link VosTreeView}) and as changes not yet written on top of another view
 * ({@link Overlay}).
 */
interface TreeView {

    /** The raw record of {@code key} in object {@code oid}; empty when it has none. */
    Optional<byte[]> get(long oid, Key key);

    /** Whether {@code key} in object {@code oid} holds a child KVS (rather than a value or nothing). */
    default boolean holdsKvs(long oid, Key key) {
        return get(oid, key).map(TaggedValues::isKvs).orElse(false);
    }

    /** Visits the child KVSs stored in object {@code oid}: their keys and descriptors. */
    void forEachKvsChild(long oid, BiConsumer<Key, Descriptor> visitor);
}
