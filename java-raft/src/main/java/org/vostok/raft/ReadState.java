package org.vostok.raft;

/**
 * A confirmed linearizable read (Raft §6.4): once the host has applied the log up to
 * {@code index}, it may answer the read request {@code requestId} from its state machine.
 */
public record ReadState(long requestId, long index) {
    @Override
    public String toString() {
        return "read " + requestId + " at " + index;
    }
}
