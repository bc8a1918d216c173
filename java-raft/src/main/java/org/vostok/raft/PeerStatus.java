package org.vostok.raft;

/**
 * What a leader knows of one peer's log (Raft Figure 2's matchIndex and nextIndex) and how it
 * replicates to it: {@code PROBE} sends one message at a time until the logs match,
 * {@code REPLICATE} pipelines, {@code SNAPSHOT} streams a snapshot.
 */
public record PeerStatus(long match, long next, String state, int inflightMessages, boolean learner) {
    @Override
    public String toString() {
        return (learner ? "learner " : "") + "match=" + match + " next=" + next + " " + state
                + (inflightMessages > 0 ? " inflight=" + inflightMessages : "");
    }
}
