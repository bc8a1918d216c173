package org.vostok.raft;

import java.util.List;
import java.util.Optional;

/**
 * One batch of effects for the host to carry out, in the order written on {@link RaftNode},
 * then to acknowledge with {@link RaftNode#advance(Ready)}. Every list is immutable; an absent
 * optional or an empty list means there is nothing of that kind.
 */
public final class Ready {

    private final Optional<SoftState> softState;
    private final Optional<HardState> hardState;
    private final Optional<SnapshotMetadata> snapshot;
    private final List<ReceivedSnapshotChunk> receivedSnapshotChunks;
    private final List<Entry> entries;
    private final List<Message> messages;
    private final List<Message> messagesAfterPersist;
    private final List<Entry> committedEntries;
    private final List<ReadState> readStates;
    private final List<ReadRefused> readsRefused;
    private final List<SnapshotChunkRequest> snapshotChunkRequests;
    private final Optional<Membership> membership;

    Ready(Optional<SoftState> softState, Optional<HardState> hardState, Optional<SnapshotMetadata> snapshot,
          List<ReceivedSnapshotChunk> receivedSnapshotChunks, List<Entry> entries, List<Message> messages,
          List<Message> messagesAfterPersist, List<Entry> committedEntries, List<ReadState> readStates,
          List<ReadRefused> readsRefused, List<SnapshotChunkRequest> snapshotChunkRequests,
          Optional<Membership> membership) {
        this.softState = softState;
        this.hardState = hardState;
        this.snapshot = snapshot;
        this.receivedSnapshotChunks = receivedSnapshotChunks;
        this.entries = entries;
        this.messages = messages;
        this.messagesAfterPersist = messagesAfterPersist;
        this.committedEntries = committedEntries;
        this.readStates = readStates;
        this.readsRefused = readsRefused;
        this.snapshotChunkRequests = snapshotChunkRequests;
        this.membership = membership;
    }

    /** The role or the known leader changed: for the host to show or to act on (redirect clients). */
    public Optional<SoftState> softState() {
        return softState;
    }

    /** The hard state to persist (step 2), present when it changed. */
    public Optional<HardState> hardState() {
        return hardState;
    }

    /** A snapshot received from the leader, to install durably in place of the whole log (step 1). */
    public Optional<SnapshotMetadata> snapshot() {
        return snapshot;
    }

    /** Chunks of an incoming snapshot, to write to the host's staging copy (step 1). */
    public List<ReceivedSnapshotChunk> receivedSnapshotChunks() {
        return receivedSnapshotChunks;
    }

    /**
     * Entries to write (step 2); the first one's index may be at or below the stored last index,
     * and then the stored log is truncated from that index first.
     */
    public List<Entry> entries() {
        return entries;
    }

    /** Messages that may be sent at once, even before the writes of this batch are durable. */
    public List<Message> messages() {
        return messages;
    }

    /** Messages to send only once the writes of this batch are durable (step 3). */
    public List<Message> messagesAfterPersist() {
        return messagesAfterPersist;
    }

    /** Committed entries to apply, in order (step 4). */
    public List<Entry> committedEntries() {
        return committedEntries;
    }

    /** Confirmed reads: each may be answered once the host has applied up to its index. */
    public List<ReadState> readStates() {
        return readStates;
    }

    /** Reads that could not be confirmed: fail them with the reason. */
    public List<ReadRefused> readsRefused() {
        return readsRefused;
    }

    /** Snapshot chunks the leader's core asks the host to read and supply. */
    public List<SnapshotChunkRequest> snapshotChunkRequests() {
        return snapshotChunkRequests;
    }

    /** The membership, when a committed change altered it: connect to new members, drop removed ones. */
    public Optional<Membership> membership() {
        return membership;
    }

    /** True when the batch holds nothing to write durably. */
    public boolean isPersistEmpty() {
        return hardState.isEmpty() && snapshot.isEmpty() && entries.isEmpty() && receivedSnapshotChunks.isEmpty();
    }
}
