package org.vostok.rdb.store;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Optional;
import org.vostok.rdb.model.KvsPath;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RequestId;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;

/**
 * Works out what an entry's updates do to the KV tree, one update after another, each against
 * the state the earlier ones left (the entry's own overlay on top of the state before the
 * entry). The first update that cannot apply fails the whole entry, which then changes nothing.
 *
 * <p>Rules (DESIGN.md, "Data model"): the root must be created before anything else; a key holds
 * either a value or a child KVS, and turning one into the other needs a delete or a destroy first
 * ({@link RdbError#INVAL}); destroying a KVS destroys its values and, recursively, its child
 * KVSs; deleting an absent key succeeds; a key must match its KVS's key order.
 */
final class EntryPlanner {

    private final int vosOperationsMax;
    private final long requestRetentionEntries;

    /**
     * @param vosOperationsMax the most VOS operations one entry may need (its tree changes)
     * @param requestRetentionEntries how many entries a request id is remembered for
     */
    EntryPlanner(int vosOperationsMax, long requestRetentionEntries) {
        this.vosOperationsMax = vosOperationsMax;
        this.requestRetentionEntries = requestRetentionEntries;
    }

    /** The plan of {@code payload} as the entry at {@code index}, against the state before it. */
    EntryPlan plan(TreeView before, EntryPayload payload, long index) {
        Optional<EntryPlan.RequestPlacement> placement = Optional.empty();
        if (payload.requestId().isPresent()) {
            RequestId id = payload.requestId().get();
            long epoch = index - 1;
            Optional<byte[]> client = RequestRecords.liveClient(before::get, id, epoch, requestRetentionEntries);
            if (client.isPresent()) {
                long slot = RequestRecords.clientSlot(client.get());
                Optional<byte[]> record = RequestRecords.liveRecord(before::get, slot, id, epoch, requestRetentionEntries);
                if (record.isPresent()) {
                    // Entry i with a request id that an earlier entry j carried fails here; on any replica
                    // that writes i, j is below it in the same log, so if i commits, j committed first. The
                    // leader does not propose such an entry: it waits for j's fate (ReplicaLoop).
                    long first = RequestRecords.indexOf(record.get());
                    return EntryPlan.duplicate(id, first, new PlanFailure(RdbError.EXIST, "request " + id
                            + " was carried by entry " + first + " already; a request id commits at most once"));
                }
                boolean refresh = index - RequestRecords.clientLastIndex(client.get())
                        >= RequestRecords.refreshEntries(requestRetentionEntries);
                placement = Optional.of(new EntryPlan.RequestPlacement(id, slot, refresh, false));
            } else {
                long last = RankRecords.decodeCounter(before.get(StoreLayout.SYSTEM_OID,
                        StoreLayout.SYSTEM_REQUEST_SLOT), "client slot");
                if (last >= RequestRecords.SLOT_MAX) {
                    return EntryPlan.failed(payload.requestId(), new PlanFailure(RdbError.NOSPACE, "all "
                            + RequestRecords.SLOT_MAX + " client slots of this database were handed out; send the"
                            + " update without a request id, or move the data to a new database"), Optional.empty());
                }
                placement = Optional.of(new EntryPlan.RequestPlacement(id, last + 1, true, true));
            }
        }
        Overlay entry = new Overlay(before);
        try {
            for (Op op : payload.ops()) {
                apply(entry, op);
            }
            if (entry.vosOperations() > vosOperationsMax) {
                throw new PlanFailure(RdbError.TOOBIG, "the transaction needs " + entry.vosOperations()
                        + " store operations, more than one entry may hold (" + vosOperationsMax
                        + "); split it into several transactions");
            }
        } catch (PlanFailure f) {
            return EntryPlan.failed(payload.requestId(), f, placement);
        }
        return EntryPlan.applied(placement, entry, allocatedReplicaId(entry, payload));
    }

    /** The id a {@link Op.NewReplicaId} of the entry handed out (the last one, if several). */
    private static java.util.OptionalLong allocatedReplicaId(Overlay entry, EntryPayload payload) {
        java.util.OptionalLong id = java.util.OptionalLong.empty();
        for (Op op : payload.ops()) {
            if (op instanceof Op.NewReplicaId n) {
                long generation = RankRecords.decodeCounter(entry.get(StoreLayout.SYSTEM_OID,
                        StoreLayout.SYSTEM_REPLICA_GENERATION));
                id = java.util.OptionalLong.of(org.vostok.rdb.model.ReplicaIds.of(n.rank(), generation));
            }
        }
        return id;
    }

    /** Decodes the entry data and plans it; undecodable data is a failure like any other. */
    EntryPlan plan(TreeView before, byte[] data, long index) {
        EntryPayload payload;
        try {
            payload = EntryPayload.decode(data);
        } catch (PlanFailure f) {
            return EntryPlan.failed(Optional.empty(), f, Optional.empty());
        }
        return plan(before, payload, index);
    }

    private void apply(Overlay o, Op op) {
        if (op instanceof Op.CreateRoot c) {
            if (o.get(StoreLayout.SYSTEM_OID, StoreLayout.SYSTEM_ROOT).isPresent()) {
                throw new PlanFailure(RdbError.EXIST, "the root KVS exists already");
            }
            Descriptor d = new Descriptor(allocateOid(o), c.order());
            o.createObject(d.oid(), d.order());
            o.put(StoreLayout.SYSTEM_OID, StoreLayout.SYSTEM_ROOT, TaggedValues.descriptor(d));
        } else if (op instanceof Op.DestroyRoot) {
            Descriptor root = root(o);
            destroyTree(o, root.oid());
            o.remove(StoreLayout.SYSTEM_OID, StoreLayout.SYSTEM_ROOT);
        } else if (op instanceof Op.CreateKvs c) {
            Descriptor parent = resolve(o, c.parent());
            checkKey(parent, c.parent(), c.key());
            Optional<byte[]> raw = o.get(parent.oid(), c.key());
            if (raw.isPresent()) {
                if (TaggedValues.isKvs(raw.get())) {
                    throw new PlanFailure(RdbError.EXIST, "KVS " + c.parent().child(c.key()) + " exists already");
                }
                throw new PlanFailure(RdbError.INVAL, "key " + c.key() + " of KVS " + c.parent()
                        + " holds a value; delete it before creating a KVS under that key");
            }
            Descriptor d = new Descriptor(allocateOid(o), c.order());
            o.createObject(d.oid(), d.order());
            o.put(parent.oid(), c.key(), TaggedValues.descriptor(d));
        } else if (op instanceof Op.DestroyKvs d) {
            Descriptor parent = resolve(o, d.parent());
            checkKey(parent, d.parent(), d.key());
            Optional<byte[]> raw = o.get(parent.oid(), d.key());
            if (raw.isEmpty()) {
                throw new PlanFailure(RdbError.NONEXIST, "there is no KVS " + d.parent().child(d.key()));
            }
            if (!TaggedValues.isKvs(raw.get())) {
                throw new PlanFailure(RdbError.INVAL, "key " + d.key() + " of KVS " + d.parent()
                        + " holds a value, not a KVS; delete it instead");
            }
            destroyTree(o, TaggedValues.descriptorOf(raw.get()).oid());
            o.remove(parent.oid(), d.key());
        } else if (op instanceof Op.Update u) {
            Descriptor kvs = resolve(o, u.kvs());
            checkKey(kvs, u.kvs(), u.key());
            if (u.value().length > TaggedValues.VALUE_BYTES_MAX) {
                throw new PlanFailure(RdbError.TOOBIG, "a value of " + u.value().length
                        + " bytes is larger than the largest value (" + TaggedValues.VALUE_BYTES_MAX + " bytes)");
            }
            if (o.holdsKvs(kvs.oid(), u.key())) {
                throw new PlanFailure(RdbError.INVAL, "key " + u.key() + " of KVS " + u.kvs()
                        + " holds a KVS; destroy it before storing a value under that key");
            }
            o.put(kvs.oid(), u.key(), TaggedValues.value(u.value()));
        } else if (op instanceof Op.NewReplicaId n) {
            long last = RankRecords.decodeCounter(o.get(StoreLayout.SYSTEM_OID, StoreLayout.SYSTEM_REPLICA_GENERATION));
            if (last >= org.vostok.rdb.model.ReplicaIds.GENERATION_MAX) {
                throw new PlanFailure(RdbError.NOSPACE, "every replica generation has been handed out");
            }
            long generation = last + 1;
            o.put(StoreLayout.SYSTEM_OID, StoreLayout.SYSTEM_REPLICA_GENERATION, RankRecords.encodeCounter(generation));
            o.put(StoreLayout.SYSTEM_OID, StoreLayout.rankKey(n.rank()),
                    RankRecords.encode(new RankRecords.Rank(generation, false)));
        } else {
            Op.Delete d = (Op.Delete) op;
            Descriptor kvs = resolve(o, d.kvs());
            checkKey(kvs, d.kvs(), d.key());
            Optional<byte[]> raw = o.get(kvs.oid(), d.key());
            if (raw.isEmpty()) {
                return; // deleting an absent key succeeds
            }
            if (TaggedValues.isKvs(raw.get())) {
                throw new PlanFailure(RdbError.INVAL, "key " + d.key() + " of KVS " + d.kvs()
                        + " holds a KVS; destroy it with destroyKvs");
            }
            o.remove(kvs.oid(), d.key());
        }
    }

    /** Punches a KVS object and, depth first, every KVS under it, stopping at the entry's limit. */
    private void destroyTree(Overlay o, long oid) {
        ArrayDeque<Long> pending = new ArrayDeque<>();
        pending.push(oid);
        int punched = 0;
        while (!pending.isEmpty()) {
            long next = pending.pop();
            o.forEachKvsChild(next, (k, child) -> pending.push(child.oid()));
            o.punchObject(next);
            if (++punched > vosOperationsMax) {
                throw new PlanFailure(RdbError.TOOBIG, "destroying this KVS would destroy more than "
                        + vosOperationsMax + " KVSs in one entry; destroy its child KVSs first, in several"
                        + " transactions");
            }
        }
    }

    private static long allocateOid(Overlay o) {
        long oid = o.get(StoreLayout.SYSTEM_OID, StoreLayout.SYSTEM_NEXT_OID)
                .map(EntryPlanner::decodeOid).orElse(StoreLayout.FIRST_KVS_OID);
        if (oid >= StoreLayout.SEGMENT_OID_BASE) {
            throw new PlanFailure(RdbError.NOSPACE, "every KVS object id has been used");
        }
        o.put(StoreLayout.SYSTEM_OID, StoreLayout.SYSTEM_NEXT_OID, ByteBuffer.allocate(8).putLong(oid + 1).array());
        return oid;
    }

    private static long decodeOid(byte[] raw) {
        if (raw.length != 8) {
            throw new org.vostok.rdb.model.RdbException(RdbError.CORRUPT, "the next object id record has "
                    + raw.length + " bytes instead of 8; the pool is damaged");
        }
        return ByteBuffer.wrap(raw).getLong();
    }

    static Descriptor root(TreeView v) {
        return v.get(StoreLayout.SYSTEM_OID, StoreLayout.SYSTEM_ROOT).map(TaggedValues::descriptorOf)
                .orElseThrow(() -> new PlanFailure(RdbError.NONEXIST, "there is no root KVS; create it first"));
    }

    /** The descriptor of the KVS at {@code path}: NONEXIST when it is missing, INVAL when a value is in the way. */
    static Descriptor resolve(TreeView v, KvsPath path) {
        Descriptor d = root(v);
        for (int i = 0; i < path.depth(); i++) {
            Key key = path.keys().get(i);
            KvsPath at = KvsPath.of(path.keys().subList(0, i));
            checkKey(d, at, key);
            Optional<byte[]> raw = v.get(d.oid(), key);
            if (raw.isEmpty()) {
                throw new PlanFailure(RdbError.NONEXIST, "there is no KVS " + at.child(key));
            }
            if (!TaggedValues.isKvs(raw.get())) {
                throw new PlanFailure(RdbError.INVAL, at.child(key) + " holds a value, not a KVS");
            }
            d = TaggedValues.descriptorOf(raw.get());
        }
        return d;
    }

    static void checkKey(Descriptor kvs, KvsPath path, Key key) {
        if (key.order() != kvs.order()) {
            throw new PlanFailure(RdbError.INVAL, "KVS " + path + " has " + describe(kvs.order())
                    + " keys; key " + key + " is " + (key.order() == KeyOrder.INTEGER ? "an integer" : "a byte string"));
        }
    }

    private static String describe(KeyOrder order) {
        return order == KeyOrder.INTEGER ? "integer" : "lexical (byte string)";
    }
}
