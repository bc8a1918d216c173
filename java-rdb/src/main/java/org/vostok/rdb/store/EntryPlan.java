package org.vostok.rdb.store;

import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.function.BiConsumer;
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

    private final Optional<UUID> requestId;
    private final Optional<PlanFailure> failure;
    private final Overlay effects;
    private final boolean recordsRequest;
    private final OptionalLong allocatedReplicaId;
    private final OptionalLong duplicateOf;

    private EntryPlan(Optional<UUID> requestId, Optional<PlanFailure> failure, Overlay effects,
                      boolean recordsRequest, OptionalLong allocatedReplicaId, OptionalLong duplicateOf) {
        this.requestId = requestId;
        this.failure = failure;
        this.effects = effects;
        this.recordsRequest = recordsRequest;
        this.allocatedReplicaId = allocatedReplicaId;
        this.duplicateOf = duplicateOf;
    }

    static EntryPlan applied(Optional<UUID> requestId, Overlay effects, OptionalLong allocatedReplicaId) {
        return new EntryPlan(requestId, Optional.empty(), effects, requestId.isPresent(), allocatedReplicaId,
                OptionalLong.empty());
    }

    /**
     * An entry whose request id entry {@code firstIndex} carried already (within the retention):
     * it fails with {@code failure} (EXIST), changes nothing, and records nothing.
     */
    static EntryPlan duplicate(UUID requestId, long firstIndex, PlanFailure failure) {
        return new EntryPlan(Optional.of(requestId), Optional.of(failure), new Overlay(EMPTY_VIEW), false,
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
     * the failure, unless the failure is that the id was recorded already.
     */
    static EntryPlan failed(Optional<UUID> requestId, PlanFailure failure, boolean recordsRequest) {
        return new EntryPlan(requestId, Optional.of(failure), new Overlay(EMPTY_VIEW), recordsRequest && requestId.isPresent(),
                OptionalLong.empty(), OptionalLong.empty());
    }

    /** The failure that keeps the entry from changing anything, if it fails. */
    public Optional<PlanFailure> failure() {
        return failure;
    }

    public Optional<UUID> requestId() {
        return requestId;
    }

    boolean recordsRequest() {
        return recordsRequest;
    }

    /** VOS operations for the tree changes (not the entry record nor the request record). */
    int vosOperations() {
        return effects.vosOperations();
    }

    void writeTo(Transaction tx, Container log, long epoch) {
        effects.writeTo(tx, log, epoch);
    }

    /** Adds this entry's changes (and its request record) to {@code target}, as of after the entry. */
    void mergeInto(Overlay target, byte[] requestRecord) {
        effects.mergeInto(target);
        if (recordsRequest) {
            target.put(StoreLayout.REQUESTS_OID, RequestRecords.key(requestId.orElseThrow()), requestRecord);
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
