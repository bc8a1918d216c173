package org.vostok.raft;

/**
 * The state a node must persist before it sends any message that depends on it (Raft Figure
 * 2: currentTerm and votedFor, plus the commit index so that a restart need not re-learn it).
 *
 * @param term the latest term this node has seen, starting at 0
 * @param vote the node this node voted for in {@code term}, or {@link RaftNode#NONE}
 * @param commit the highest log index known to be committed
 */
public record HardState(long term, long vote, long commit) {

    public static final HardState EMPTY = new HardState(0, RaftNode.NONE, 0);

    public HardState {
        if (term < 0 || vote < 0 || commit < 0) {
            throw new IllegalArgumentException(
                    "hard state fields must not be negative: term=" + term + " vote=" + vote + " commit=" + commit);
        }
    }

    @Override
    public String toString() {
        return "term=" + term + " vote=" + vote + " commit=" + commit;
    }
}
