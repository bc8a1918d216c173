package org.vostok.raft;

/** A read request that the core could not confirm; the host fails it with the reason. */
public record ReadRefused(long requestId, Refusal refusal) {
    @Override
    public String toString() {
        return "read " + requestId + " refused " + refusal;
    }
}
