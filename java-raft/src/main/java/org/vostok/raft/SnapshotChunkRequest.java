package org.vostok.raft;

/**
 * The leader's core asks its host for a chunk of the snapshot it is sending to {@code peer}:
 * the host reads up to {@code bytesMax} bytes of the content of {@code snapshot} from
 * {@code offset} and hands them back with {@link RaftNode#supplySnapshotChunk}, or calls
 * {@link RaftNode#reportSnapshotFailed} when it cannot (the core then starts over later).
 */
public record SnapshotChunkRequest(long peer, SnapshotMetadata snapshot, long offset, int bytesMax) {
    @Override
    public String toString() {
        return "chunk for " + peer + " of " + snapshot + " from " + offset;
    }
}
