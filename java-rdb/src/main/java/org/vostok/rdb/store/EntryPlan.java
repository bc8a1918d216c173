package org.vostok.rdb.store;

import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.BiConsumer;
import org.vostok.rdb.model.RequestId;
import org.vostok.vos.Container;
import org.vostok.vos.Key;
import org.vostok.vos.Transaction;

/**
 * What one entry does to the KV tree, worked out against the state before it: either its
 * changes, or the failure that makes it change nothing. Computed once by the leader before it
 * proposes and reused when the entry is persisted, or computed at persist time by any replica;
 * both give the same result for the same entry (Raft's Log Matching property makes the state
 * before an entry with a given index and term the same everywhere).
 */
public final class EntryPlan {

    private final Optional<RequestId> requestId;
    private final Optional<PlanFailure> failure;
    private final Overlay effects;
    private final Optional<RequestPlacement> placement;
    private final OptionalLong allocatedReplicaId;
    private final OptionalLong duplicateOf;

    /**
     * Where the entry's request record goes ({@link RequestRecords}): under {@code slot}, with
     * the client record written too when {@code writesClient} (a new slot, or a refresh), and the
     * slot counter when {@code writesCounter} (a new slot).
     */
    record RequestPlacement(RequestId id, long slot, boolean writesClient, boolean writesCounter) {
    }

    private EntryPlan(Optional<RequestId> requestId, Optional<PlanFailure> failure, Overlay effects,
                      Optional<RequestPlacement> placement, OptionalLong allocatedReplicaId, OptionalLong duplicateOf) {
        this.requestId = requestId;
        this.failure = failure;
        this.effects = effects;
        this.placement = placement;
        this.allocatedReplicaId = allocatedReplicaId;
        this.duplicateOf = duplicateOf;
    }

    /** An entry that applies; its request (if it has one) is recorded as {@code placement} says. */
    static EntryPlan applied(Optional<RequestPlacement> placement, Overlay effects, OptionalLong allocatedReplicaId) {
        return new EntryPlan(placement.map(RequestPlacement::id), Optional.empty(), effects, placement,
                allocatedReplicaId, OptionalLong.empty());
    }

    /**
     * An entry whose request id entry {@code firstIndex} carried already (within the retention):
     * it fails with {@code failure} (EXIST), changes nothing, and records nothing.
     */
    static EntryPlan duplicate(RequestId requestId, long firstIndex, PlanFailure failure) {
        return new EntryPlan(Optional.of(requestId), Optional.of(failure), new Overlay(EMPTY_VIEW), Optional.empty(),
                OptionalLong.empty(), OptionalLong.of(firstIndex));
    }

    /**
     * For a duplicate request id, the index of the entry that carried it first (committed or not:
     * the caller tells by its commit index); empty otherwise.
     */
    public OptionalLong duplicateOf() {
        return duplicateOf;
    }

    /** The replica id the entry hands out, when it carries a {@link Op.NewReplicaId} and applies. */
    public OptionalLong allocatedReplicaId() {
        return allocatedReplicaId;
    }

    /**
     * A failed entry: it changes nothing in the tree, but its request id is still recorded with
     * the failure where {@code placement} says (empty: the id is not recorded, or there is none).
     */
    static EntryPlan failed(Optional<RequestId> requestId, PlanFailure failure, Optional<RequestPlacement> placement) {
        return new EntryPlan(requestId, Optional.of(failure), new Overlay(EMPTY_VIEW), placement,
                OptionalLong.empty(), OptionalLong.empty());
    }

    /** The failure that keeps the entry from changing anything, if it fails. */
    public Optional<PlanFailure> failure() {
        return failure;
    }

    public Optional<RequestId> requestId() {
        return requestId;
    }

    /** Whether the entry records its request id (with its outcome). */
    boolean recordsRequest() {
        return placement.isPresent();
    }

    /** VOS operations for the tree changes (not the entry record nor the request record). */
    int vosOperations() {
        return effects.vosOperations();
    }

    void writeTo(Transaction tx, Container log, long epoch) {
        effects.writeTo(tx, log, epoch);
    }

    /** The VOS operations that recording the request takes (0 to 3). */
    int requestOperations() {
        return placement.map(p -> 1 + (p.writesClient() ? 1 : 0) + (p.writesCounter() ? 1 : 0)).orElse(0);
    }

    /** The request record of this entry as the one at {@code index}: its index and outcome. */
    byte[] requestRecord(long index) {
        return RequestRecords.encode(index, failure.map(PlanFailure::error));
    }

    /** Writes the request record (and the client record and slot counter it needs) as the entry at {@code index}. */
    void writeRequestTo(Transaction tx, Container log, long index, byte[] requestRecord) {
        forEachRequestWrite(index, requestRecord, (oid, key, value) -> tx.update(log, oid, key, index, value));
    }

    /** Adds this entry's changes (and its request's records) to {@code target}, as of after entry {@code index}. */
    void mergeInto(Overlay target, long index, byte[] requestRecord) {
        effects.mergeInto(target);
        forEachRequestWrite(index, requestRecord, target::put);
    }

    /** One write of recording the request: a value under a key of an object. */
    private interface RequestWrite {
        void put(long oid, Key key, byte[] value);
    }

    /** The writes that record the request as the entry at {@code index} (none when it is not recorded). */
    private void forEachRequestWrite(long index, byte[] requestRecord, RequestWrite w) {
        if (placement.isEmpty()) {
            return;
        }
        RequestPlacement p = placement.get();
        w.put(StoreLayout.REQUEST_RECORDS_OID, Key.of(RequestRecords.recordKey(p.slot(), p.id())), requestRecord);
        if (p.writesClient()) {
            w.put(StoreLayout.REQUESTS_OID, RequestRecords.clientKey(p.id()), RequestRecords.encodeClient(p.slot(), index));
        }
        if (p.writesCounter()) {
            w.put(StoreLayout.SYSTEM_OID, StoreLayout.SYSTEM_REQUEST_SLOT, RankRecords.encodeCounter(p.slot()));
        }
    }

    /** The view under a failed entry's (empty) overlay: nothing is ever read through it. */
    private static final TreeView EMPTY_VIEW = new TreeView() {
        @Override
        public Optional<byte[]> get(long oid, Key key) {
            return Optional.empty();
        }

        @Override
        public void forEachKvsChild(long oid, BiConsumer<Key, Descriptor> visitor) {
        }
    };
}
