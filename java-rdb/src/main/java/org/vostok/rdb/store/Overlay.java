package org.vostok.rdb.store;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import org.vostok.vos.Container;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.Transaction;

/**
 * Changes to the KV tree not yet written to VOS, seen on top of a base view: the effects of one
 * entry while it is validated, of the earlier entries of a batch being persisted, or of the
 * entries a leader proposed and has not persisted yet. Insertion-ordered, so the VOS operations
 * it produces are the same on every replica. Owned by one thread.
 */
final class Overlay implements TreeView {

    private final TreeView base;
    private final LinkedHashMap<Long, ObjectDelta> objects = new LinkedHashMap<>();

    /** What happened to one object here. */
    private static final class ObjectDelta {
        /** The order it was created with here, or null when it existed before. */
        KeyOrder created;
        boolean punched;
        /** Key writes in order: a value, or empty for a deleted key. */
        final LinkedHashMap<Key, Optional<byte[]>> writes = new LinkedHashMap<>();
    }

    Overlay(TreeView base) {
        this.base = base;
    }

    boolean isEmpty() {
        return objects.isEmpty();
    }

    @Override
    public Optional<byte[]> get(long oid, Key key) {
        ObjectDelta d = objects.get(oid);
        if (d != null) {
            if (d.punched) {
                return Optional.empty();
            }
            Optional<byte[]> written = d.writes.get(key);
            if (written != null) {
                return written;
            }
            if (d.created != null) {
                return Optional.empty();
            }
        }
        return base.get(oid, key);
    }

    @Override
    public boolean holdsKvs(long oid, Key key) {
        ObjectDelta d = objects.get(oid);
        if (d != null) {
            if (d.punched) {
                return false;
            }
            Optional<byte[]> written = d.writes.get(key);
            if (written != null) {
                return written.map(TaggedValues::isKvs).orElse(false);
            }
            if (d.created != null) {
                return false;
            }
        }
        return base.holdsKvs(oid, key);
    }

    @Override
    public void forEachKvsChild(long oid, BiConsumer<Key, Descriptor> visitor) {
        ObjectDelta d = objects.get(oid);
        if (d == null) {
            base.forEachKvsChild(oid, visitor);
            return;
        }
        if (d.punched) {
            return;
        }
        if (d.created == null) {
            base.forEachKvsChild(oid, (k, desc) -> {
                if (!d.writes.containsKey(k)) {
                    visitor.accept(k, desc);
                }
            });
        }
        for (Map.Entry<Key, Optional<byte[]>> w : d.writes.entrySet()) {
            if (w.getValue().isPresent() && TaggedValues.isKvs(w.getValue().get())) {
                visitor.accept(w.getKey(), TaggedValues.descriptorOf(w.getValue().get()));
            }
        }
    }

    void createObject(long oid, KeyOrder order) {
        ObjectDelta d = delta(oid);
        if (d.created != null || d.punched) {
            throw new IllegalStateException("object " + oid + " is created twice");
        }
        d.created = order;
    }

    void punchObject(long oid) {
        delta(oid).punched = true;
    }

    void put(long oid, Key key, byte[] raw) {
        delta(oid).writes.put(key, Optional.of(raw));
    }

    void remove(long oid, Key key) {
        delta(oid).writes.put(key, Optional.empty());
    }

    private ObjectDelta delta(long oid) {
        return objects.computeIfAbsent(oid, o -> new ObjectDelta());
    }

    /** Adds these changes on top of {@code target}'s, as if made there. */
    void mergeInto(Overlay target) {
        for (Map.Entry<Long, ObjectDelta> e : objects.entrySet()) {
            long oid = e.getKey();
            ObjectDelta d = e.getValue();
            if (d.created != null) {
                target.createObject(oid, d.created);
            }
            for (Map.Entry<Key, Optional<byte[]>> w : d.writes.entrySet()) {
                if (w.getValue().isPresent()) {
                    target.put(oid, w.getKey(), w.getValue().get());
                } else {
                    target.remove(oid, w.getKey());
                }
            }
            if (d.punched) {
                target.punchObject(oid);
            }
        }
    }

    /**
     * The VOS operations these changes need, at {@code epoch}: objects created, then key writes,
     * then objects punched. An object created and punched here is never written at all, and writes
     * into an object punched here are dropped (nothing could ever read them).
     */
    int vosOperations() {
        int n = 0;
        for (ObjectDelta d : objects.values()) {
            if (d.created != null && d.punched) {
                continue;
            }
            n += d.created != null ? 1 : 0;
            n += d.punched ? 1 : d.writes.size();
        }
        return n;
    }

    /** Adds the operations {@link #vosOperations()} counts to {@code tx}. */
    void writeTo(Transaction tx, Container log, long epoch) {
        for (Map.Entry<Long, ObjectDelta> e : objects.entrySet()) {
            ObjectDelta d = e.getValue();
            if (d.created != null && !d.punched) {
                tx.createObject(log, e.getKey(), d.created, epoch);
            }
        }
        for (Map.Entry<Long, ObjectDelta> e : objects.entrySet()) {
            ObjectDelta d = e.getValue();
            if (d.punched) {
                continue;
            }
            for (Map.Entry<Key, Optional<byte[]>> w : d.writes.entrySet()) {
                if (w.getValue().isPresent()) {
                    tx.update(log, e.getKey(), w.getKey(), epoch, w.getValue().get());
                } else {
                    tx.punch(log, e.getKey(), w.getKey(), epoch);
                }
            }
        }
        for (Map.Entry<Long, ObjectDelta> e : objects.entrySet()) {
            ObjectDelta d = e.getValue();
            if (d.punched && d.created == null) {
                tx.punchObject(log, e.getKey(), epoch);
            }
        }
    }
}
