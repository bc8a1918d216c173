package org.vostok.raft;

/**
 * A follower's core hands its host a chunk of a snapshot the leader is sending. The host writes
 * {@code data} at {@code offset} of its staging copy of {@code snapshot} (offset 0 starts a new
 * staging copy). With {@code last}, the same {@link Ready} carries the snapshot to install.
 */
public record ReceivedSnapshotChunk(SnapshotMetadata snapshot, long offset, byte[] data, boolean last) {
    @Override
    public String toString() {
        return "received chunk of " + snapshot + " at " + offset + " (" + data.length + "B" + (last ? ", last)" : ")");
    }
}
