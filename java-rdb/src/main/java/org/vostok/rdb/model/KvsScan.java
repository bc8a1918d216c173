package org.vostok.rdb.model;

import java.util.Objects;
import java.util.Optional;
import org.vostok.vos.Direction;
import org.vostok.vos.Key;

/**
 * How to iterate a KVS: forwards (ascending keys) or backwards, from the first (last) key or
 * from an anchor, which is visited or skipped. Immutable.
 */
public record KvsScan(Direction direction, Optional<Key> anchor, boolean anchorInclusive) {

    public KvsScan {
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(anchor, "anchor");
    }

    /** Every key, ascending. */
    public static KvsScan forward() {
        return new KvsScan(Direction.FORWARD, Optional.empty(), false);
    }

    /** Every key, descending. */
    public static KvsScan backward() {
        return new KvsScan(Direction.BACKWARD, Optional.empty(), false);
    }

    /** Starts at {@code key} (visited when present). */
    public KvsScan from(Key key) {
        return new KvsScan(direction, Optional.of(key), true);
    }

    /** Starts just past {@code key} in the direction of travel: how to resume after it. */
    public KvsScan after(Key key) {
        return new KvsScan(direction, Optional.of(key), false);
    }
}
