package org.vostok.raft;

/**
 * A safety invariant of Raft does not hold: two leaders in one term, a commit index moving
 * back, applied passing committed, a committed entry about to be overwritten. The node that
 * throws it must stop: its state can no longer be trusted. These checks run in production too.
 */
public final class RaftInvariantViolation extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public RaftInvariantViolation(String message) {
        super(message);
    }
}
