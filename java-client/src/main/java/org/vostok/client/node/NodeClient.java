package org.vostok.client.node;

import com.google.protobuf.InvalidProtocolBufferException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.vostok.client.CallOptions;
import org.vostok.client.ErrorCode;
import org.vostok.client.ServiceClient;
import org.vostok.client.VostokClient;
import org.vostok.client.VostokException;
import org.vostok.client.net.HostPort;
import org.vostok.client.proto.node.CreateReplicaRequest;
import org.vostok.client.proto.node.DestroyReplicaRequest;
import org.vostok.client.proto.node.Empty;
import org.vostok.client.proto.node.NodeStatus;
import org.vostok.client.proto.node.ReplicaChangeReply;
import org.vostok.client.proto.node.ReplicaChangeRequest;
import org.vostok.client.proto.node.StartReplicaRequest;
import org.vostok.client.proto.node.StopReplicaRequest;

/**
 * The typed client of one node's node service (service id 0): status, and the replica life
 * cycle (create, start, stop, destroy) that the service framework's collective operations and
 * the administrator's tools use. Also the membership calls every replicated service answers on
 * its leader ({@link #addReplica}, {@link #removeReplica}).
 */
public final class NodeClient {

    public static final long SERVICE_ID = 0;
    public static final String STATUS = "node.status";
    public static final String CREATE_REPLICA = "node.create_replica";
    public static final String START_REPLICA = "node.start_replica";
    public static final String STOP_REPLICA = "node.stop_replica";
    public static final String DESTROY_REPLICA = "node.destroy_replica";
    public static final String ADD_REPLICA = "rsvc.add_replica";
    public static final String REMOVE_REPLICA = "rsvc.remove_replica";

    private final ServiceClient node;
    private final CallOptions options;

    private NodeClient(ServiceClient node, CallOptions options) {
        this.node = node;
        this.options = options;
    }

    /**
     * Creating a replica formats a pool (seconds for a large one): one attempt waits this long
     * before the call is given up rather than repeated.
     */
    public static final CallOptions LIFECYCLE_OPTIONS = CallOptions.DEFAULTS.withDeadlineMillis(120_000)
            .withAttemptTimeoutMillis(90_000);

    /** The node service of the node at {@code address}. */
    public static NodeClient of(VostokClient client, HostPort address) {
        return new NodeClient(client.node(address), LIFECYCLE_OPTIONS);
    }

    public NodeClient withOptions(CallOptions o) {
        return new NodeClient(node, o);
    }

    public CompletableFuture<NodeStatus> status() {
        return node.call(STATUS, Empty.getDefaultInstance(), false, options).thenApply(r -> {
            try {
                return NodeStatus.parseFrom(r.getBody());
            } catch (InvalidProtocolBufferException e) {
                throw new VostokException(ErrorCode.PROTOCOL, "a malformed node status: " + e.getMessage());
            }
        });
    }

    public CompletableFuture<Void> createReplica(CreateReplicaRequest request) {
        return node.call(CREATE_REPLICA, request, false, options).thenApply(r -> null);
    }

    public CompletableFuture<Void> startReplica(long serviceId, long callerTerm) {
        return node.call(START_REPLICA, StartReplicaRequest.newBuilder().setServiceId(serviceId)
                .setCallerTerm(callerTerm).build(), false, options).thenApply(r -> null);
    }

    public CompletableFuture<Void> stopReplica(long serviceId, long callerTerm) {
        return node.call(STOP_REPLICA, StopReplicaRequest.newBuilder().setServiceId(serviceId)
                .setCallerTerm(callerTerm).build(), false, options).thenApply(r -> null);
    }

    public CompletableFuture<Void> destroyReplica(long serviceId, long replicaId, long callerTerm) {
        return node.call(DESTROY_REPLICA, DestroyReplicaRequest.newBuilder().setServiceId(serviceId)
                .setReplicaId(replicaId).setCallerTerm(callerTerm).build(), false, options).thenApply(r -> null);
    }

    /**
     * Asks service {@code service}'s leader to add a replica on node {@code nodeId}: a new
     * replica id is drawn, the replica created there, added as a learner and promoted to voter.
     * The future completes with the new replica's id.
     */
    public static CompletableFuture<Long> addReplica(ServiceClient service, long nodeId, CallOptions options) {
        return service.call(ADD_REPLICA, ReplicaChangeRequest.newBuilder().setNodeId(nodeId).build(), false, options)
                .thenApply(r -> {
                    try {
                        return ReplicaChangeReply.parseFrom(r.getBody()).getReplicaId();
                    } catch (InvalidProtocolBufferException e) {
                        throw new VostokException(ErrorCode.PROTOCOL, "a malformed reply: " + e.getMessage());
                    }
                });
    }

    /** Asks service {@code service}'s leader to remove its replica on node {@code nodeId}. */
    public static CompletableFuture<Void> removeReplica(ServiceClient service, long nodeId, CallOptions options) {
        return service.call(REMOVE_REPLICA, ReplicaChangeRequest.newBuilder().setNodeId(nodeId).build(), false,
                options).thenApply(r -> null);
    }

    /** Starts replicas on several nodes at once (a collective call); fails with the first failure. */
    public static CompletableFuture<Void> startAll(List<NodeClient> nodes, long serviceId, long callerTerm) {
        return CompletableFuture.allOf(nodes.stream().map(n -> n.startReplica(serviceId, callerTerm))
                .toArray(CompletableFuture[]::new));
    }
}
