package org.vostok.rsvc.net;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.vostok.client.net.HostPort;

/**
 * Where each node of the cluster listens, by node id: from the node's configuration (the
 * bootstrap peers) and later from the management service. A replica's node is its replica id's
 * rank ({@code ReplicaIds.rank}). Thread-safe.
 */
public final class NodeDirectory {

    private final long selfNodeId;
    private final Map<Long, HostPort> addresses = new ConcurrentHashMap<>();

    public NodeDirectory(long selfNodeId, HostPort selfAddress) {
        if (selfNodeId <= 0 || selfNodeId > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("a node id is 1 .. 4294967295, got " + selfNodeId);
        }
        this.selfNodeId = selfNodeId;
        addresses.put(selfNodeId, selfAddress);
    }

    public long selfNodeId() {
        return selfNodeId;
    }

    public HostPort selfAddress() {
        return addresses.get(selfNodeId);
    }

    public void put(long nodeId, HostPort address) {
        if (nodeId <= 0 || nodeId > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("a node id is 1 .. 4294967295, got " + nodeId);
        }
        addresses.put(nodeId, address);
    }

    public Optional<HostPort> address(long nodeId) {
        return Optional.ofNullable(addresses.get(nodeId));
    }

    /** The address as a hint carries it: "host:port", or empty when unknown. */
    public String addressText(long nodeId) {
        HostPort a = addresses.get(nodeId);
        return a == null ? "" : a.toString();
    }

    public Map<Long, HostPort> snapshot() {
        return new TreeMap<>(addresses);
    }
}
