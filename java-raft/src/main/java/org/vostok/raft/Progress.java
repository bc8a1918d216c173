package org.vostok.raft;

/**
 * A leader's view of one peer (Raft Figure 2's nextIndex and matchIndex) and the flow control
 * of replication to it. The peer is probed one message at a time until its log is known to
 * match, then replicated to with pipelining bounded by {@link IndexBytesQueue in-flight}
 * messages and bytes, or sent a snapshot when the entries it needs are compacted.
 */
final class Progress {

    enum State { PROBE, REPLICATE, SNAPSHOT }

    final long id;
    boolean learner;
    /** Invariant: match < next. */
    long match;
    long next;
    State state = State.PROBE;
    /** In PROBE: a probe is out and unanswered, so no other is sent until a reply or heartbeat. */
    boolean probeSent;
    /** The highest commit index sent to this peer, so that it learns each new one once. */
    long commitSent;
    /** Ticks since match last moved while messages were in flight; past an election timeout they are taken as lost. */
    int ticksWithoutProgress;
    /** Heard from since the last CheckQuorum round (thesis §6.2). */
    boolean recentActive;
    /** The highest read round this peer acknowledged (Raft §6.4). */
    long readRoundAcked;
    final IndexBytesQueue inflights;

    // The snapshot being streamed in SNAPSHOT state.
    SnapshotMetadata snapshot = SnapshotMetadata.EMPTY;
    /** The follower acknowledged the content up to here. */
    long snapshotAckedOffset;
    /** The offset of the chunk requested from the host or sent, not yet acknowledged. */
    long snapshotPendingOffset = -1;
    /** True while the requested chunk has not come from the host yet. */
    boolean snapshotChunkRequested;
    /** Ticks since the snapshot last made progress; past an election timeout it is resent from the acknowledged offset. */
    int snapshotIdleTicks;

    Progress(long id, long next, boolean learner, int inflightMessagesMax) {
        this.id = id;
        this.next = next;
        this.learner = learner;
        this.inflights = new IndexBytesQueue(Math.min(inflightMessagesMax, 64));
    }

    void becomeProbe() {
        // After a finished snapshot, match is its index already; after a failed one the peer
        // holds nothing more than before, and is probed from its match.
        if (state == State.SNAPSHOT) {
            clearSnapshot();
        }
        next = match + 1;
        state = State.PROBE;
        probeSent = false;
        ticksWithoutProgress = 0;
        inflights.clear();
    }

    void becomeReplicate() {
        state = State.REPLICATE;
        next = match + 1;
        probeSent = false;
        ticksWithoutProgress = 0;
        inflights.clear();
    }

    void becomeSnapshot(SnapshotMetadata metadata) {
        state = State.SNAPSHOT;
        snapshot = metadata;
        snapshotAckedOffset = 0;
        snapshotPendingOffset = -1;
        snapshotChunkRequested = false;
        snapshotIdleTicks = 0;
        inflights.clear();
    }

    private void clearSnapshot() {
        snapshot = SnapshotMetadata.EMPTY;
        snapshotPendingOffset = -1;
        snapshotChunkRequested = false;
    }

    /** Records that the peer's log matches up to {@code index}; returns whether match moved. */
    boolean maybeUpdate(long index) {
        boolean updated = false;
        if (match < index) {
            match = index;
            updated = true;
            probeSent = false;
            ticksWithoutProgress = 0;
        }
        next = Math.max(next, index + 1);
        return updated;
    }

    /**
     * Moves next back after the peer rejected an AppendRequest at {@code rejected}, to just after
     * {@code probeHint}, the last index that may match. Returns false when the rejection is stale
     * (it answers an older message than the one we care about now).
     */
    boolean maybeDecreaseTo(long rejected, long probeHint) {
        if (state == State.REPLICATE) {
            if (rejected <= match) {
                return false;
            }
            next = match + 1;
            return true;
        }
        if (next - 1 != rejected) {
            return false;
        }
        next = Math.max(Math.min(rejected, probeHint + 1), match + 1);
        probeSent = false;
        return true;
    }

    /** True when nothing more may be sent now. */
    boolean isPaused(int inflightMessagesMax, long inflightBytesMax) {
        return switch (state) {
            case PROBE -> probeSent;
            case REPLICATE -> inflights.count() >= inflightMessagesMax || inflights.totalBytes() >= inflightBytesMax;
            case SNAPSHOT -> true;
        };
    }

    PeerStatus status() {
        return new PeerStatus(match, next, state.name(), inflights.count(), learner);
    }
}
