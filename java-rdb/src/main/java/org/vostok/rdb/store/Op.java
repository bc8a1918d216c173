package org.vostok.rdb.store;

import java.util.Objects;
import org.vostok.rdb.model.KvsPath;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;

/**
 * One update queued in a transaction, as it travels in a log entry. Updates are validated and
 * applied in the order they were queued, each against the state the earlier ones left.
 */
public sealed interface Op {

    /** Deletes and destroys free space; a transaction made only of them is critical (NOSPACE spares it). */
    boolean freesSpace();

    /** Creates the root KVS; EXIST if there is one. */
    record CreateRoot(KeyOrder order) implements Op {
        public CreateRoot {
            Objects.requireNonNull(order, "order");
        }

        @Override
        public boolean freesSpace() {
            return false;
        }
    }

    /** Destroys the root KVS and everything under it; NONEXIST if there is none. */
    record DestroyRoot() implements Op {
        @Override
        public boolean freesSpace() {
            return true;
        }
    }

    /** Creates a child KVS under {@code key} in the KVS at {@code parent}. */
    record CreateKvs(KvsPath parent, Key key, KeyOrder order) implements Op {
        public CreateKvs {
            Objects.requireNonNull(parent, "parent");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(order, "order");
        }

        @Override
        public boolean freesSpace() {
            return false;
        }
    }

    /** Destroys the child KVS under {@code key} in {@code parent}, with its values and its own children. */
    record DestroyKvs(KvsPath parent, Key key) implements Op {
        public DestroyKvs {
            Objects.requireNonNull(parent, "parent");
            Objects.requireNonNull(key, "key");
        }

        @Override
        public boolean freesSpace() {
            return true;
        }
    }

    /** {@code key := value} in the KVS at {@code kvs}. The array is not copied: do not change it. */
    record Update(KvsPath kvs, Key key, byte[] value) implements Op {
        public Update {
            Objects.requireNonNull(kvs, "kvs");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }

        @Override
        public boolean freesSpace() {
            return false;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Update u && u.kvs.equals(kvs) && u.key.equals(key)
                    && java.util.Arrays.equals(u.value, value);
        }

        @Override
        public int hashCode() {
            return Objects.hash(kvs, key, java.util.Arrays.hashCode(value));
        }

        @Override
        public String toString() {
            return "Update[" + kvs + ", " + key + ", " + value.length + " bytes]";
        }
    }

    /**
     * Hands out the next replica generation for {@code rank} (unsigned) from the replicated
     * counter, for a new replica id; queued by {@code Replica.allocateReplicaId}, never by a Tx.
     */
    record NewReplicaId(int rank) implements Op {
        @Override
        public boolean freesSpace() {
            return false;
        }
    }

    /** Deletes {@code key} from the KVS at {@code kvs}; deleting an absent key succeeds. */
    record Delete(KvsPath kvs, Key key) implements Op {
        public Delete {
            Objects.requireNonNull(kvs, "kvs");
            Objects.requireNonNull(key, "key");
        }

        @Override
        public boolean freesSpace() {
            return true;
        }
    }
}
