package org.vostok.client;

import java.util.Objects;
import org.vostok.client.net.HostPort;

/**
 * A candidate replica of a service as a client knows it: where its node listens and, when
 * known, the node's id (0 when only the address is known, as for a configured list).
 */
public record ReplicaAddress(long nodeId, HostPort address) {
    public ReplicaAddress {
        Objects.requireNonNull(address, "address");
        if (nodeId < 0) {
            throw new IllegalArgumentException("node id " + nodeId + " is negative");
        }
    }

    public static ReplicaAddress of(String hostPort) {
        return new ReplicaAddress(0, HostPort.parse(hostPort));
    }

    /** The same address without a node id. */
    public ReplicaAddress withoutId() {
        return nodeId == 0 ? this : new ReplicaAddress(0, address);
    }

    @Override
    public String toString() {
        return nodeId == 0 ? address.toString() : "node " + nodeId + " (" + address + ")";
    }
}
