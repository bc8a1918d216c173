package org.vostok.raft;

import java.util.List;
import java.util.Objects;

/**
 * The messages Raft nodes exchange. The host carries them between nodes (any transport, any
 * encoding) and hands each to the receiver's {@link RaftNode#step(Message)}; it may lose,
 * duplicate, delay or reorder them without harming safety.
 *
 * <p>Every message names its sender, its receiver and the sender's term. A message from a
 * leader, to a follower, carries the leader's term; a node that sees a higher term than its
 * own adopts it (Raft §5.1), except in the pre-vote and lease cases documented on
 * {@link VoteRequest}.
 */
public sealed interface Message {

    long from();

    long to();

    long term();

    /**
     * A request for a vote (Raft §5.2), or for a pre-vote (thesis §9.6): {@code preVote} asks
     * "would you vote for me in {@code term}?" without anyone changing term. A node that heard
     * from a live leader within an election timeout ignores both (thesis §4.2.3), unless
     * {@code leadershipTransfer} says the leader itself asked for this election (§3.10).
     */
    record VoteRequest(long from, long to, long term, long lastLogIndex, long lastLogTerm,
                       boolean preVote, boolean leadershipTransfer) implements Message {
    }

    /** The answer to a {@link VoteRequest}, with the same {@code preVote} flag. */
    record VoteResponse(long from, long to, long term, boolean preVote, boolean granted) implements Message {
    }

    /**
     * Entries to append after {@code prevLogIndex}/{@code prevLogTerm} (Raft §5.3), and the
     * leader's commit index. An empty list probes where the logs match.
     */
    record AppendRequest(long from, long to, long term, long prevLogIndex, long prevLogTerm,
                         List<Entry> entries, long commit) implements Message {
        public AppendRequest {
            Objects.requireNonNull(entries, "entries");
        }
    }

    /**
     * The answer to an {@link AppendRequest}. On success, {@code matchIndex} is the last index
     * now known to match the leader's log. On rejection, {@code rejectedIndex} is the request's
     * prevLogIndex and {@code hintIndex}/{@code hintTerm} name the last entry of this log that
     * could match, so that the leader skips a whole term of conflicting entries at once
     * (Raft §5.3, the optimization at the end).
     */
    record AppendResponse(long from, long to, long term, boolean success, long matchIndex,
                          long rejectedIndex, long hintIndex, long hintTerm) implements Message {
    }

    /**
     * A leader's heartbeat (Raft §5.2): it keeps followers from starting elections, carries the
     * commit index the follower can use ({@code min(leader commit, follower match)}), and a read
     * round that confirms leadership for ReadIndex (Raft §6.4).
     */
    record Heartbeat(long from, long to, long term, long commit, long readRound) implements Message {
    }

    /** The answer to a {@link Heartbeat}, echoing its read round. */
    record HeartbeatResponse(long from, long to, long term, long readRound) implements Message {
    }

    /** A follower asks the leader for a read index on behalf of its host's read request. */
    record ReadIndexRequest(long from, long to, long term, long requestId) implements Message {
    }

    /** The leader's read index for a follower's request; the follower reads once applied to it. */
    record ReadIndexResponse(long from, long to, long term, long requestId, long readIndex) implements Message {
    }

    /** The leader could not serve a follower's read request. */
    record ReadIndexRefused(long from, long to, long term, long requestId, RefusalReason reason) implements Message {
        public ReadIndexRefused {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** Leadership transfer (thesis §3.10): the leader asks a caught-up follower to start an election now. */
    record TimeoutNow(long from, long to, long term) implements Message {
    }

    /**
     * A chunk of the leader's snapshot, for a follower whose next entry the leader has compacted
     * (Raft §7). Chunks go in order: {@code offset} is where this one starts in the snapshot's
     * content, {@code last} ends the snapshot. The content is the host's, opaque to the core.
     */
    record SnapshotChunk(long from, long to, long term, SnapshotMetadata snapshot, long offset,
                         byte[] data, boolean last) implements Message {
        public SnapshotChunk {
            Objects.requireNonNull(snapshot, "snapshot");
            Objects.requireNonNull(data, "data");
            if (offset < 0) {
                throw new IllegalArgumentException("snapshot chunk offset must not be negative: " + offset);
            }
        }
    }

    /**
     * The follower's progress on a snapshot: it holds the content up to {@code nextOffset} (so a
     * sender resumes there), or it installed the snapshot ({@code done}), or it cannot take it
     * ({@code failed}, the sender starts over).
     */
    record SnapshotChunkResponse(long from, long to, long term, long snapshotIndex, long nextOffset,
                                 boolean done, boolean failed) implements Message {
    }
}
