package org.vostok.server.mgmt;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vostok.client.CallOptions;
import org.vostok.client.ErrorCode;
import org.vostok.client.ReplicaAddress;
import org.vostok.client.ServiceClient;
import org.vostok.client.VostokException;
import org.vostok.client.mgmt.MgmtClient;
import org.vostok.client.net.HostPort;
import org.vostok.client.node.NodeClient;
import org.vostok.client.pool.PoolClient;
import org.vostok.client.proto.mgmt.Empty;
import org.vostok.client.proto.mgmt.JoinReply;
import org.vostok.client.proto.mgmt.JoinRequest;
import org.vostok.client.proto.mgmt.NodeInfo;
import org.vostok.client.proto.mgmt.NodeList;
import org.vostok.client.proto.mgmt.NodeRequest;
import org.vostok.client.proto.mgmt.NodeState;
import org.vostok.client.proto.mgmt.PoolCreateRequest;
import org.vostok.client.proto.mgmt.PoolEntry;
import org.vostok.client.proto.mgmt.PoolList;
import org.vostok.client.proto.mgmt.PoolRef;
import org.vostok.client.proto.mgmt.PoolState;
import org.vostok.client.proto.mgmt.ReplicaLocation;
import org.vostok.client.proto.mgmt.ServiceReplicas;
import org.vostok.client.proto.mgmt.ServiceReplicasRequest;
import org.vostok.client.proto.node.CreateReplicaRequest;
import org.vostok.client.proto.pool.PoolBootstrap;
import org.vostok.rdb.model.KvsPath;
import org.vostok.rdb.model.KvsRecord;
import org.vostok.rdb.model.KvsScan;
import org.vostok.rdb.model.ReplicaIds;
import org.vostok.rdb.Tx;
import org.vostok.rsvc.CallContext;
import org.vostok.rsvc.Method;
import org.vostok.rsvc.NodeHandle;
import org.vostok.rsvc.RsvcClass;
import org.vostok.rsvc.ServiceContext;
import org.vostok.rsvc.StepUp;
import org.vostok.server.pool.PoolService;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;

/**
 * The management service (service id {@link MgmtClient#SERVICE_ID}): the system's nodes and
 * their states, the pools and which nodes hold their services' replicas. Nodes join it when
 * they start and leave it when they stop; clients ask it where a service's replicas are.
 * Creating a pool starts its pool service's replicas on the chosen nodes (a distributed start,
 * idempotent: the pool's service id follows from its UUID, so a retried create finds the
 * replicas it made); excluding a node moves every replica off it.
 *
 * <p>State, in the service's rdb: {@code nodes} (node id → {@link NodeInfo}), {@code pools}
 * (UUID → {@link PoolEntry}), {@code labels} (label → UUID). Every update is serialized with
 * the others (one lock for the service): these are administrative operations.
 */
public final class MgmtService implements RsvcClass<MgmtService.Replica> {

    private static final Logger LOG = LoggerFactory.getLogger(MgmtService.class);

    public static final String NAME = "mgmt";
    private static final KvsPath NODES = KvsPath.root().child("nodes");
    private static final KvsPath POOLS = KvsPath.root().child("pools");
    private static final KvsPath LABELS = KvsPath.root().child("labels");
    /** Replicas of a pool service when the creator names neither nodes nor a count. */
    public static final int POOL_REPLICAS_DEFAULT = 3;
    private static final long DIST_TIMEOUT_MILLIS = 90_000;

    /** A replica's service object. */
    public record Replica(ServiceContext context) {
        NodeHandle node() {
            return context.node();
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Replica allocate(ServiceContext context) {
        return new Replica(context);
    }

    @Override
    public void bootstrap(Replica service, Tx tx, ByteString arguments) {
        tx.createRoot(KeyOrder.LEXICAL);
        tx.createKvs(KvsPath.root(), Key.ofUtf8("nodes"), KeyOrder.INTEGER);
        tx.createKvs(KvsPath.root(), Key.ofUtf8("pools"), KeyOrder.LEXICAL);
        tx.createKvs(KvsPath.root(), Key.ofUtf8("labels"), KeyOrder.LEXICAL);
    }

    @Override
    public StepUp stepUp(Replica service, long term) {
        try (Tx tx = service.context().replica().begin(term)) {
            return tx.kvsOrder(NODES).isPresent() ? StepUp.UP : StepUp.UP_EMPTY;
        }
    }

    @Override
    public List<Method<Replica, ?>> methods() {
        return List.of(
                Method.update(MgmtClient.JOIN, JoinRequest::parseFrom, MgmtService::join),
                Method.update(MgmtClient.STOP_NODE, NodeRequest::parseFrom, (s, c, q) -> setState(c, q,
                        NodeState.NODE_STATE_STOPPED)),
                Method.updateAsync(MgmtClient.EXCLUDE_NODE, NodeRequest::parseFrom, MgmtService::exclude),
                Method.read(MgmtClient.LIST_NODES, Empty::parseFrom, (s, c, q) -> listNodes(c.tx())),
                Method.read(MgmtClient.SERVICE_REPLICAS, ServiceReplicasRequest::parseFrom, MgmtService::replicas),
                Method.updateAsync(MgmtClient.POOL_CREATE, PoolCreateRequest::parseFrom, MgmtService::createPool),
                Method.updateAsync(MgmtClient.POOL_DESTROY, PoolRef::parseFrom, MgmtService::destroyPool),
                Method.read(MgmtClient.POOL_LIST, Empty::parseFrom, (s, c, q) -> listPools(c.tx())),
                Method.read(MgmtClient.POOL_GET, PoolRef::parseFrom, (s, c, q) -> findPool(c.tx(), q)));
    }

    // ----------------------------------------------------------------------------------------
    // Nodes

    private static Key nodeKey(long nodeId) {
        if (nodeId <= 0 || nodeId > 0xFFFF_FFFFL) {
            throw new VostokException(ErrorCode.INVAL, "node id " + nodeId + " is not 1 .. 4294967295");
        }
        return Key.of(nodeId);
    }

    private static JoinReply join(Replica s, CallContext ctx, JoinRequest q) {
        HostPort address;
        try {
            address = HostPort.parse(q.getAddress());
        } catch (IllegalArgumentException e) {
            throw new VostokException(ErrorCode.INVAL, "node " + q.getNodeId() + ": " + e.getMessage());
        }
        Key key = nodeKey(q.getNodeId());
        Optional<NodeInfo> old = Records.get(ctx.tx(), NODES, key, NodeInfo::parseFrom);
        if (old.isPresent() && old.get().getState() == NodeState.NODE_STATE_EXCLUDED) {
            throw new VostokException(ErrorCode.NOPERM, "node " + q.getNodeId() + " was excluded from the system;"
                    + " an administrator must reintegrate it (or wipe its data and give it a new id)");
        }
        NodeInfo node = NodeInfo.newBuilder().setNodeId(q.getNodeId()).setAddress(address.toString())
                .setState(NodeState.NODE_STATE_JOINED).setJoinedMs(System.currentTimeMillis())
                .setIncarnation(old.map(NodeInfo::getIncarnation).orElse(0L) + 1).build();
        Records.put(ctx.tx(), NODES, key, node);
        s.node().learnAddress(q.getNodeId(), address);
        if (old.isEmpty() || !old.get().getAddress().equals(node.getAddress())
                || old.get().getState() != NodeState.NODE_STATE_JOINED) {
            LOG.info("node {} joined the system at {} (incarnation {})", q.getNodeId(), address, node.getIncarnation());
        }
        JoinReply.Builder reply = JoinReply.newBuilder().setNode(node);
        for (NodeInfo n : listNodes(ctx.tx()).getNodesList()) {
            reply.addNodes(n.getNodeId() == node.getNodeId() ? node : n);
        }
        if (old.isEmpty()) {
            reply.addNodes(node);
        }
        return reply.build();
    }

    private static NodeInfo setState(CallContext ctx, NodeRequest q, NodeState state) {
        Key key = nodeKey(q.getNodeId());
        NodeInfo node = Records.get(ctx.tx(), NODES, key, NodeInfo::parseFrom).orElseThrow(() ->
                new VostokException(ErrorCode.NONEXIST, "no node " + q.getNodeId() + " ever joined the system"));
        if (node.getState() == NodeState.NODE_STATE_EXCLUDED && state != NodeState.NODE_STATE_EXCLUDED) {
            return node;
        }
        NodeInfo updated = node.toBuilder().setState(state).build();
        Records.put(ctx.tx(), NODES, key, updated);
        LOG.info("node {} is {}", q.getNodeId(), state.name().substring("NODE_STATE_".length()).toLowerCase());
        return updated;
    }

    static NodeList listNodes(Tx tx) {
        NodeList.Builder b = NodeList.newBuilder();
        tx.iterate(NODES, KvsScan.forward(), r -> {
            NodeInfo n = parse(r, NodeInfo::parseFrom);
            b.addNodes(n);
            return true;
        });
        return b.build();
    }

    private static <T> T parse(KvsRecord r, Records.Parser<T> parser) {
        if (!(r instanceof KvsRecord.Value v)) {
            throw new VostokException(ErrorCode.CORRUPT, "expected a record, found a KVS under " + r.key());
        }
        try {
            return parser.parse(v.value());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new VostokException(ErrorCode.CORRUPT, "the record under " + r.key() + " does not parse: "
                    + e.getMessage());
        }
    }

    /**
     * Excludes a node: it gets no new replicas, and each replica it holds (of a pool service, or
     * of this service) is moved to a joined node that holds none of that service, by adding the
     * new replica first and removing the old one after.
     */
    private static CompletionStage<MessageLite> exclude(Replica s, CallContext ctx, NodeRequest q) {
        NodeInfo node = setState(ctx, q, NodeState.NODE_STATE_EXCLUDED);
        Tx tx = ctx.tx();
        List<NodeInfo> joined = joinedNodes(tx, q.getNodeId());
        Map<Long, Integer> load = load(tx, s);
        List<PoolEntry> moved = new ArrayList<>();
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (PoolEntry p : listPools(tx).getPoolsList()) {
            if (!p.getReplicaNodesList().contains(q.getNodeId())) {
                continue;
            }
            Optional<Long> target = pick(joined, p.getReplicaNodesList(), load);
            if (target.isEmpty()) {
                LOG.warn("pool {}: every joined node holds a replica of it already; its replica on excluded node {}"
                        + " stays until another node joins", p.getLabel(), q.getNodeId());
                continue;
            }
            load.merge(target.get(), 1, Integer::sum);
            List<Long> nodes = new ArrayList<>(p.getReplicaNodesList());
            nodes.set(nodes.indexOf(q.getNodeId()), target.get());
            PoolEntry updated = p.toBuilder().clearReplicaNodes().addAllReplicaNodes(nodes).build();
            moved.add(updated);
            chain = chain.thenCompose(v -> move(s, p.getServiceId(), p.getReplicaNodesList(), q.getNodeId(),
                    target.get()));
        }
        Optional<Long> mgmtTarget = Optional.empty();
        List<Long> mgmtNodes = mgmtNodes(s);
        if (mgmtNodes.contains(q.getNodeId())) {
            mgmtTarget = pick(joined, mgmtNodes, load);
            if (mgmtTarget.isPresent()) {
                long t = mgmtTarget.get();
                chain = chain.thenCompose(v -> move(s, MgmtClient.SERVICE_ID, mgmtNodes, q.getNodeId(), t));
            }
        }
        return chain.thenApply(v -> {
            for (PoolEntry p : moved) {
                Records.put(tx, POOLS, Records.key(Records.uuid(p.getUuid(), "pool uuid")), p);
            }
            return node;
        });
    }

    private static CompletableFuture<Void> move(Replica s, long serviceId, List<Long> nodes, long from, long to) {
        ServiceClient svc = s.node().client().service(serviceId, addresses(s.node(), nodes));
        CallOptions options = NodeClient.LIFECYCLE_OPTIONS;
        LOG.info("moving service {}'s replica from node {} to node {}", serviceId, from, to);
        // Both steps may be a retry's: an add finds its replica a voter already, and a removal
        // that finds none on the node is done (the first attempt removed it, and its reply or the
        // exclusion's own commit was lost to a leader change).
        return NodeClient.addReplica(svc, to, options).thenCompose(id -> NodeClient.removeReplica(svc, from, options)
                .exceptionallyCompose(e -> {
                    VostokException v = unwrap(e);
                    if (v != null && v.code() == ErrorCode.NONEXIST) {
                        LOG.info("service {} has no replica on node {} any more: moved already", serviceId, from);
                        return CompletableFuture.completedFuture(null);
                    }
                    return CompletableFuture.failedFuture(e);
                }));
    }

    private static List<NodeInfo> joinedNodes(Tx tx, long except) {
        List<NodeInfo> out = new ArrayList<>();
        for (NodeInfo n : listNodes(tx).getNodesList()) {
            if (n.getState() == NodeState.NODE_STATE_JOINED && n.getNodeId() != except) {
                out.add(n);
            }
        }
        return out;
    }

    /** How many service replicas each node holds, as mgmt knows it. */
    private static Map<Long, Integer> load(Tx tx, Replica s) {
        Map<Long, Integer> load = new HashMap<>();
        for (PoolEntry p : listPools(tx).getPoolsList()) {
            for (long n : p.getReplicaNodesList()) {
                load.merge(n, 1, Integer::sum);
            }
        }
        for (long n : mgmtNodes(s)) {
            load.merge(n, 1, Integer::sum);
        }
        return load;
    }

    private static Optional<Long> pick(List<NodeInfo> joined, List<Long> holding, Map<Long, Integer> load) {
        return joined.stream().map(NodeInfo::getNodeId).filter(n -> !holding.contains(n))
                .min(Comparator.<Long>comparingInt(n -> load.getOrDefault(n, 0)).thenComparing(n -> n));
    }

    /** The nodes holding this (the mgmt) service's voters and learners. */
    private static List<Long> mgmtNodes(Replica s) {
        List<Long> out = new ArrayList<>();
        var m = s.context().replica().status().membership();
        for (long v : m.voters()) {
            out.add(Integer.toUnsignedLong(ReplicaIds.rank(v)));
        }
        for (long l : m.learners()) {
            out.add(Integer.toUnsignedLong(ReplicaIds.rank(l)));
        }
        return out;
    }

    private static List<ReplicaAddress> addresses(NodeHandle node, List<Long> nodes) {
        List<ReplicaAddress> out = new ArrayList<>();
        for (long n : nodes) {
            node.address(n).ifPresent(a -> out.add(new ReplicaAddress(n, a)));
        }
        return out;
    }

    private static ServiceReplicas replicas(Replica s, CallContext ctx, ServiceReplicasRequest q) {
        List<Long> nodes;
        String cls;
        if (q.getServiceId() == MgmtClient.SERVICE_ID) {
            nodes = mgmtNodes(s);
            cls = NAME;
        } else {
            PoolEntry p = null;
            for (PoolEntry e : listPools(ctx.tx()).getPoolsList()) {
                if (e.getServiceId() == q.getServiceId()) {
                    p = e;
                    break;
                }
            }
            if (p == null) {
                throw new VostokException(ErrorCode.NONEXIST, "no service " + q.getServiceId() + " in this system");
            }
            nodes = p.getReplicaNodesList();
            cls = PoolService.NAME;
        }
        ServiceReplicas.Builder b = ServiceReplicas.newBuilder().setServiceId(q.getServiceId()).setClassName(cls);
        for (long n : nodes) {
            Optional<NodeInfo> info = Records.get(ctx.tx(), NODES, Key.of(n), NodeInfo::parseFrom);
            String address = info.map(NodeInfo::getAddress).orElse(s.node().address(n).map(HostPort::toString)
                    .orElse(""));
            b.addReplicas(ReplicaLocation.newBuilder().setNodeId(n).setAddress(address));
        }
        return b.build();
    }

    // ----------------------------------------------------------------------------------------
    // Pools

    /** A pool's service id, from its UUID: the same on every retry of its creation. */
    public static long poolServiceId(UUID uuid) {
        long id = (uuid.getMostSignificantBits() ^ Long.rotateLeft(uuid.getLeastSignificantBits(), 17))
                & 0x3FFF_FFFF_FFFF_FFFFL;
        return id < 1024 ? id + 1024 : id;
    }

    private static CompletionStage<MessageLite> createPool(Replica s, CallContext ctx, PoolCreateRequest q) {
        Tx tx = ctx.tx();
        UUID uuid = Records.uuid(q.getUuid(), "the pool's uuid");
        String label = Records.label(q.getLabel(), "the pool's");
        if (Records.get(tx, POOLS, Records.key(uuid), PoolEntry::parseFrom).isPresent()) {
            throw new VostokException(ErrorCode.EXIST, "pool " + uuid + " exists already");
        }
        if (tx.lookup(LABELS, Key.ofUtf8(label)).isPresent()) {
            throw new VostokException(ErrorCode.EXIST, "a pool labelled '" + label + "' exists already");
        }
        long serviceId = poolServiceId(uuid);
        for (PoolEntry e : listPools(tx).getPoolsList()) {
            if (e.getServiceId() == serviceId) {
                throw new VostokException(ErrorCode.EXIST, "pool " + uuid + " would take service id " + serviceId
                        + ", which pool '" + e.getLabel() + "' has; create it with another uuid");
            }
        }
        List<NodeInfo> joined = joinedNodes(tx, 0);
        List<Long> nodes = new ArrayList<>();
        if (q.getNodesCount() > 0) {
            for (long n : q.getNodesList()) {
                if (joined.stream().noneMatch(j -> j.getNodeId() == n)) {
                    throw new VostokException(ErrorCode.INVAL, "node " + n + " is not a joined node of the system;"
                            + " joined: " + joined.stream().map(NodeInfo::getNodeId).toList());
                }
                if (nodes.contains(n)) {
                    throw new VostokException(ErrorCode.INVAL, "node " + n + " is named twice");
                }
                nodes.add(n);
            }
        } else {
            int want = q.getReplicas() > 0 ? q.getReplicas() : Math.min(POOL_REPLICAS_DEFAULT, joined.size());
            if (want > joined.size()) {
                throw new VostokException(ErrorCode.INVAL, want + " replicas asked for, but only " + joined.size()
                        + " nodes are joined");
            }
            Map<Long, Integer> load = load(tx, s);
            for (int i = 0; i < want; i++) {
                nodes.add(pick(joined, nodes, load).orElseThrow());
            }
        }
        if (nodes.isEmpty()) {
            throw new VostokException(ErrorCode.INVAL, "no joined node to place the pool on");
        }
        long created = System.currentTimeMillis();
        Map<String, Integer> acl = new HashMap<>(q.getAclMap());
        if (!q.getOwner().isEmpty()) {
            acl.putIfAbsent(q.getOwner(), 7);
        }
        PoolBootstrap bootstrap = PoolBootstrap.newBuilder().setUuid(q.getUuid()).setLabel(label)
                .putAllProperties(q.getPropertiesMap()).putAllAcl(acl).setCreatedMs(created).build();
        Map<Long, String> peers = new HashMap<>();
        for (long n : nodes) {
            peers.put(n, s.node().address(n).map(HostPort::toString).orElseThrow(() -> new VostokException(
                    ErrorCode.UNREACHABLE, "no address known for node " + n)));
        }
        List<CompletableFuture<Void>> starts = new ArrayList<>();
        for (long n : nodes) {
            CreateReplicaRequest create = CreateReplicaRequest.newBuilder().setClassName(PoolService.NAME)
                    .setServiceId(serviceId).setReplicaId(ReplicaIds.of((int) n, 0)).addAllBootstrapVoters(nodes)
                    .setBootstrapArgs(bootstrap.toByteString()).putAllPeerAddresses(peers)
                    .setCallerTerm(ctx.term()).build();
            starts.add(s.node().createReplica(n, create).exceptionally(e -> {
                VostokException v = unwrap(e);
                if (v != null && v.code() == ErrorCode.EXIST) {
                    return null; // a retry of this creation made it already
                }
                throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
            }));
        }
        LOG.info("creating pool '{}' ({}) as service {} on nodes {}", label, uuid, serviceId, nodes);
        PoolEntry entry = PoolEntry.newBuilder().setUuid(q.getUuid()).setLabel(label).setServiceId(serviceId)
                .addAllReplicaNodes(nodes).setState(PoolState.POOL_STATE_READY).setCreatedMs(created).build();
        ServiceClient pool = s.node().client().service(serviceId, addresses(s.node(), nodes));
        return distributed(starts, "starting pool '" + label + "' on nodes " + nodes)
                .thenCompose(v -> PoolClient.awaitUp(pool, CallOptions.DEFAULTS.withDeadlineMillis(DIST_TIMEOUT_MILLIS)))
                .thenApply(v -> {
                    Records.put(tx, POOLS, Records.key(uuid), entry);
                    tx.update(LABELS, Key.ofUtf8(label), Records.bytes(uuid).toByteArray());
                    LOG.info("pool '{}' ({}) is ready on nodes {}", label, uuid, nodes);
                    return entry;
                });
    }

    /**
     * Every node's part of a distributed operation, within {@link #DIST_TIMEOUT_MILLIS}; a node
     * that does not answer fails it with UNREACHABLE saying which operation and what to do.
     */
    private static CompletableFuture<Void> distributed(List<CompletableFuture<Void>> parts, String what) {
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
                .orTimeout(DIST_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
                .exceptionally(e -> {
                    VostokException v = unwrap(e);
                    if (v != null) {
                        throw v;
                    }
                    throw new VostokException(ErrorCode.UNREACHABLE, what + " did not finish within "
                            + DIST_TIMEOUT_MILLIS + " ms (a node does not answer); nothing was recorded: retry once every"
                            + " node runs, or exclude the node that does not", java.util.Optional.empty(), false, e);
                });
    }

    private static VostokException unwrap(Throwable e) {
        Throwable c = e;
        while (c != null && !(c instanceof VostokException)) {
            c = c.getCause();
        }
        return (VostokException) c;
    }

    private static CompletionStage<MessageLite> destroyPool(Replica s, CallContext ctx, PoolRef q) {
        Tx tx = ctx.tx();
        PoolEntry p = findPool(tx, q);
        UUID uuid = Records.uuid(p.getUuid(), "pool uuid");
        List<CompletableFuture<Void>> destroys = new ArrayList<>();
        for (long n : p.getReplicaNodesList()) {
            destroys.add(s.node().destroyReplica(n, p.getServiceId(), 0, 0));
        }
        LOG.info("destroying pool '{}' ({}), service {} on nodes {}", p.getLabel(), uuid, p.getServiceId(),
                p.getReplicaNodesList());
        return distributed(destroys, "destroying pool '" + p.getLabel() + "' on nodes " + p.getReplicaNodesList())
                .thenApply(v -> {
                    tx.delete(POOLS, Records.key(uuid));
                    tx.delete(LABELS, Key.ofUtf8(p.getLabel()));
                    return p;
                });
    }

    static PoolList listPools(Tx tx) {
        PoolList.Builder b = PoolList.newBuilder();
        tx.iterate(POOLS, KvsScan.forward(), r -> {
            PoolEntry p = parse(r, PoolEntry::parseFrom);
            b.addPools(p);
            return true;
        });
        return b.build();
    }

    private static PoolEntry findPool(Tx tx, PoolRef q) {
        UUID uuid;
        if (!q.getUuid().isEmpty()) {
            uuid = Records.uuid(q.getUuid(), "the pool's uuid");
        } else if (!q.getLabel().isEmpty()) {
            byte[] id = tx.lookup(LABELS, Key.ofUtf8(q.getLabel())).orElseThrow(() -> new VostokException(
                    ErrorCode.NONEXIST, "no pool is labelled '" + q.getLabel() + "'"));
            uuid = Records.uuid(ByteString.copyFrom(id), "a stored pool uuid");
        } else {
            throw new VostokException(ErrorCode.INVAL, "name the pool by label or uuid");
        }
        return Records.get(tx, POOLS, Records.key(uuid), PoolEntry::parseFrom).orElseThrow(() ->
                new VostokException(ErrorCode.NONEXIST, "no pool " + uuid));
    }
}
