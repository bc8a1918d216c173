package org.vostok.client.mgmt;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.vostok.client.CallOptions;
import org.vostok.client.ErrorCode;
import org.vostok.client.ReplicaAddress;
import org.vostok.client.ReplicaListSource;
import org.vostok.client.Replies;
import org.vostok.client.ServiceClient;
import org.vostok.client.VostokClient;
import org.vostok.client.VostokException;
import org.vostok.client.net.HostPort;
import org.vostok.client.pool.PoolClient;
import org.vostok.client.proto.mgmt.Empty;
import org.vostok.client.proto.mgmt.JoinReply;
import org.vostok.client.proto.mgmt.JoinRequest;
import org.vostok.client.proto.mgmt.NodeInfo;
import org.vostok.client.proto.mgmt.NodeList;
import org.vostok.client.proto.mgmt.NodeRequest;
import org.vostok.client.proto.mgmt.PoolCreateRequest;
import org.vostok.client.proto.mgmt.PoolEntry;
import org.vostok.client.proto.mgmt.PoolList;
import org.vostok.client.proto.mgmt.PoolRef;
import org.vostok.client.proto.mgmt.ReplicaLocation;
import org.vostok.client.proto.mgmt.ServiceReplicas;
import org.vostok.client.proto.mgmt.ServiceReplicasRequest;

/**
 * The typed client of the management service: the system's nodes, where each service's
 * replicas are, and the pools (create, destroy, list, look up). Every update is exactly-once.
 * {@link #listSource()} gives a client its fresh replica lists from here.
 */
public final class MgmtClient {

    /** The management service's id in every system. */
    public static final long SERVICE_ID = 1;
    public static final String JOIN = "mgmt.join";
    public static final String STOP_NODE = "mgmt.stop_node";
    public static final String EXCLUDE_NODE = "mgmt.exclude_node";
    public static final String LIST_NODES = "mgmt.list_nodes";
    public static final String SERVICE_REPLICAS = "mgmt.service_replicas";
    public static final String POOL_CREATE = "mgmt.pool_create";
    public static final String POOL_DESTROY = "mgmt.pool_destroy";
    public static final String POOL_LIST = "mgmt.pool_list";
    public static final String POOL_GET = "mgmt.pool_get";

    /** Creating or destroying a pool starts or stops replicas on several nodes: it may take a while. */
    public static final CallOptions ADMIN_OPTIONS = CallOptions.DEFAULTS.withDeadlineMillis(180_000)
            .withAttemptTimeoutMillis(120_000);

    private final VostokClient client;
    private final ServiceClient mgmt;

    private MgmtClient(VostokClient client) {
        this.client = client;
        this.mgmt = client.service(SERVICE_ID);
    }

    public static MgmtClient of(VostokClient client) {
        return new MgmtClient(client);
    }

    /**
     * A client of the system reached through {@code addresses} (any of its nodes): it asks the
     * management service for each service's replicas when its own list runs dry.
     */
    public static VostokClient connect(String clusterId, List<String> addresses) {
        return connect(clusterId, addresses, CallOptions.DEFAULTS);
    }

    /** As {@link #connect(String, List)}, with {@code options} for the calls that do not give their own. */
    public static VostokClient connect(String clusterId, List<String> addresses, CallOptions options) {
        Source source = new Source();
        VostokClient.Builder b = VostokClient.builder(clusterId).listSource(source).callOptions(options);
        for (String a : addresses) {
            b.replicas(a);
        }
        VostokClient c = b.build();
        source.attach(c, c.service(SERVICE_ID).candidates());
        return c;
    }

    public VostokClient client() {
        return client;
    }

    /** The replica list source backed by this management service. */
    public ReplicaListSource listSource() {
        Source s = new Source();
        s.attach(client, mgmt.candidates());
        return s;
    }

    private static final class Source implements ReplicaListSource {
        private volatile VostokClient client;
        private volatile List<ReplicaAddress> seeds = List.of();

        void attach(VostokClient c, List<ReplicaAddress> mgmtSeeds) {
            this.client = c;
            this.seeds = List.copyOf(mgmtSeeds);
        }

        @Override
        public CompletableFuture<List<ReplicaAddress>> replicas(long serviceId) {
            VostokClient c = client;
            if (c == null || serviceId == SERVICE_ID) {
                // The management service's own list comes from the addresses the client was given.
                return CompletableFuture.completedFuture(seeds);
            }
            return new MgmtClient(c).serviceReplicas(serviceId).thenApply(MgmtClient::addresses);
        }
    }

    static List<ReplicaAddress> addresses(ServiceReplicas r) {
        List<ReplicaAddress> out = new ArrayList<>();
        for (ReplicaLocation l : r.getReplicasList()) {
            if (!l.getAddress().isEmpty()) {
                out.add(new ReplicaAddress(l.getNodeId(), HostPort.parse(l.getAddress())));
            }
        }
        return out;
    }

    public CompletableFuture<JoinReply> join(long nodeId, HostPort address) {
        return mgmt.call(JOIN, JoinRequest.newBuilder().setNodeId(nodeId).setAddress(address.toString()).build(), true)
                .thenCompose(r -> r.getDuplicate()
                        // A retried join that had committed: its reply was lost, the membership is read again.
                        ? listNodes().thenApply(nodes -> JoinReply.newBuilder().addAllNodes(nodes).setNode(nodes.stream()
                                .filter(n -> n.getNodeId() == nodeId).findFirst().orElse(NodeInfo.getDefaultInstance()))
                                .build())
                        : CompletableFuture.completedFuture(Replies.parse(r, JoinReply::parseFrom)));
    }

    public CompletableFuture<NodeInfo> stopNode(long nodeId) {
        return mgmt.call(STOP_NODE, NodeRequest.newBuilder().setNodeId(nodeId).build(), true)
                .thenApply(r -> r.getDuplicate() ? NodeInfo.getDefaultInstance() : Replies.parse(r, NodeInfo::parseFrom));
    }

    /** Excludes a node: its replicas move to other nodes. */
    public CompletableFuture<NodeInfo> excludeNode(long nodeId) {
        return mgmt.call(EXCLUDE_NODE, NodeRequest.newBuilder().setNodeId(nodeId).build(), true, ADMIN_OPTIONS)
                .thenApply(r -> r.getDuplicate() ? NodeInfo.getDefaultInstance() : Replies.parse(r, NodeInfo::parseFrom));
    }

    public CompletableFuture<List<NodeInfo>> listNodes() {
        return mgmt.call(LIST_NODES, Empty.getDefaultInstance(), false)
                .thenApply(r -> Replies.parse(r, NodeList::parseFrom).getNodesList());
    }

    public CompletableFuture<ServiceReplicas> serviceReplicas(long serviceId) {
        return mgmt.call(SERVICE_REPLICAS, ServiceReplicasRequest.newBuilder().setServiceId(serviceId).build(), false)
                .thenApply(r -> Replies.parse(r, ServiceReplicas::parseFrom));
    }

    /** What a new pool is to be. */
    public record PoolSpec(String label, List<Long> nodes, int replicas, Map<String, String> properties,
                           Map<String, Integer> acl, String owner) {
        public PoolSpec {
            Objects.requireNonNull(label, "label");
            nodes = List.copyOf(nodes);
            properties = Map.copyOf(properties);
            acl = Map.copyOf(acl);
            Objects.requireNonNull(owner, "owner");
        }

        /** A pool labelled {@code label}, placed by the service on 3 nodes, owned by {@code owner}. */
        public static PoolSpec of(String label, String owner) {
            return new PoolSpec(label, List.of(), 0, Map.of(), Map.of(), owner);
        }
    }

    /**
     * Creates a pool: its service's replicas start on the chosen nodes, and the future completes
     * with its entry once the service answers. A retry after an ambiguous failure creates the
     * same pool (the UUID is chosen here, once).
     */
    public CompletableFuture<PoolEntry> createPool(PoolSpec spec) {
        UUID uuid = UUID.randomUUID();
        ByteString id = uuidBytes(uuid);
        PoolCreateRequest q = PoolCreateRequest.newBuilder().setUuid(id).setLabel(spec.label())
                .addAllNodes(spec.nodes()).setReplicas(spec.replicas()).putAllProperties(spec.properties())
                .putAllAcl(spec.acl()).setOwner(spec.owner()).build();
        return mgmt.call(POOL_CREATE, q, true, ADMIN_OPTIONS).thenCompose(r -> r.getDuplicate()
                ? getPool(PoolRef.newBuilder().setUuid(id).build())
                : CompletableFuture.completedFuture(Replies.parse(r, PoolEntry::parseFrom)));
    }

    public CompletableFuture<Void> destroyPool(PoolRef pool) {
        return mgmt.call(POOL_DESTROY, pool, true, ADMIN_OPTIONS).thenApply(r -> null);
    }

    public CompletableFuture<List<PoolEntry>> listPools() {
        return mgmt.call(POOL_LIST, Empty.getDefaultInstance(), false)
                .thenApply(r -> Replies.parse(r, PoolList::parseFrom).getPoolsList());
    }

    public CompletableFuture<PoolEntry> getPool(PoolRef pool) {
        return mgmt.call(POOL_GET, pool, false).thenApply(r -> Replies.parse(r, PoolEntry::parseFrom));
    }

    /** A pool named by label, or by uuid when {@code labelOrUuid} is one. */
    public static PoolRef ref(String labelOrUuid) {
        try {
            return PoolRef.newBuilder().setUuid(uuidBytes(UUID.fromString(labelOrUuid))).build();
        } catch (IllegalArgumentException notAUuid) {
            return PoolRef.newBuilder().setLabel(labelOrUuid).build();
        }
    }

    /** The client of a pool's service, found here by label or uuid. */
    public CompletableFuture<PoolClient> openPool(String labelOrUuid) {
        return getPool(ref(labelOrUuid)).thenCompose(e -> serviceReplicas(e.getServiceId())
                .thenApply(r -> PoolClient.of(client, e.getServiceId(), addresses(r))));
    }

    public static ByteString uuidBytes(UUID id) {
        return ByteString.copyFrom(ByteBuffer.allocate(16).putLong(id.getMostSignificantBits())
                .putLong(id.getLeastSignificantBits()).array());
    }

    public static UUID uuid(ByteString bytes) {
        if (bytes.size() != 16) {
            throw new VostokException(ErrorCode.PROTOCOL, "a uuid of " + bytes.size() + " bytes");
        }
        ByteBuffer b = bytes.asReadOnlyByteBuffer();
        return new UUID(b.getLong(), b.getLong());
    }

    /** The blocking form of any of the above. */
    public static <T> T join(CompletableFuture<T> f) {
        return Replies.join(f);
    }
}
