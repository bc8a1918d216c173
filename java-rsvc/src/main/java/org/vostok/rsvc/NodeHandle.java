package org.vostok.rsvc;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.vostok.client.VostokClient;
import org.vostok.client.net.HostPort;
import org.vostok.client.proto.node.CreateReplicaRequest;
import org.vostok.client.proto.node.NodeStatus;

/**
 * What a service may ask of the node it runs on: who the node is, where the other nodes are,
 * and the collective operations of the framework (create, start, stop and destroy replicas on
 * other nodes, through their node service).
 */
public interface NodeHandle {

    long nodeId();

    String clusterId();

    /** Where node {@code nodeId} listens, if known. */
    Optional<HostPort> address(long nodeId);

    /** Records where node {@code nodeId} listens (from the management service, say). */
    void learnAddress(long nodeId, HostPort address);

    /** A client of this cluster that services may use to call other services. */
    VostokClient client();

    /** Creates (and starts) a replica on node {@code nodeId}. */
    CompletableFuture<Void> createReplica(long nodeId, CreateReplicaRequest request);

    /** Destroys the replica of {@code serviceId} on node {@code nodeId} (idempotent). */
    CompletableFuture<Void> destroyReplica(long nodeId, long serviceId, long replicaId, long callerTerm);

    /** Starts the replica of {@code serviceId} on each node; the future completes when every node answered. */
    CompletableFuture<Void> startReplicas(List<Long> nodeIds, long serviceId, long callerTerm);

    /** Stops the replica of {@code serviceId} on each node. */
    CompletableFuture<Void> stopReplicas(List<Long> nodeIds, long serviceId, long callerTerm);

    /** The status of node {@code nodeId}. */
    CompletableFuture<NodeStatus> status(long nodeId);
}
