package org.vostok.rdb.store;

import java.util.Objects;
import org.vostok.vos.KeyOrder;

/** Where a KVS lives: its VOS object and the order of its keys. */
record Descriptor(long oid, KeyOrder order) {
    Descriptor {
        Objects.requireNonNull(order, "order");
    }
}
