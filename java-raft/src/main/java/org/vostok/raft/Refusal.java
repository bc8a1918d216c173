package org.vostok.raft;

import java.util.Objects;

/**
 * Why the core refused a request, in a form a host can act on: a stable reason, a sentence for
 * a person, and the leader this node knows ({@link RaftNode#NONE} when it knows none) so that
 * the host can redirect its client.
 */
public record Refusal(RefusalReason reason, String message, long leaderHint) {

    public Refusal {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(message, "message");
    }

    @Override
    public String toString() {
        return reason + ": " + message;
    }
}
