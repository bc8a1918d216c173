package org.vostok.client;

import java.util.Objects;

/**
 * The leader a replier knows for a service: its node id, where it listens, and the term the
 * replier knows it in. Hints from older terms than a client knows are ignored; newer ones are
 * adopted.
 */
public record LeaderHint(long nodeId, String address, long term) {
    public LeaderHint {
        Objects.requireNonNull(address, "address");
        if (nodeId <= 0 || term <= 0) {
            throw new IllegalArgumentException("a leader hint names a node and a term above 0, got node " + nodeId
                    + " in term " + term);
        }
    }

    @Override
    public String toString() {
        return "node " + nodeId + (address.isEmpty() ? "" : " (" + address + ")") + " in term " + term;
    }
}
