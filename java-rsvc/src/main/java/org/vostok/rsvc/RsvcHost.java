package org.vostok.rsvc;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import io.netty.channel.EventLoopGroup;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vostok.client.CallOptions;
import org.vostok.client.ErrorCode;
import org.vostok.client.VostokClient;
import org.vostok.client.VostokException;
import org.vostok.client.net.Connector;
import org.vostok.client.net.HostPort;
import org.vostok.client.net.NettyIo;
import org.vostok.client.node.NodeClient;
import org.vostok.client.proto.node.CreateReplicaRequest;
import org.vostok.client.proto.node.DestroyReplicaRequest;
import org.vostok.client.proto.node.Empty;
import org.vostok.client.proto.node.NodeStatus;
import org.vostok.client.proto.node.ReplicaInfo;
import org.vostok.client.proto.node.StartReplicaRequest;
import org.vostok.client.proto.node.StopReplicaRequest;
import org.vostok.raft.Role;
import org.vostok.rdb.Replica;
import org.vostok.rdb.model.ReplicaIds;
import org.vostok.rdb.ReplicaStatus;
import org.vostok.rsvc.net.NodeDirectory;
import org.vostok.rsvc.net.NodeServer;
import org.vostok.rsvc.net.PeerLinks;
import org.vostok.rsvc.net.RaftRouter;
import org.vostok.rsvc.net.ServerCall;
import org.vostok.vos.PoolInfo;
import org.vostok.vos.VosProvider;

/**
 * One node of a cluster of replicated services: its listening port, its connections to the
 * other nodes, and the replicas of services it holds (DAOS's {@code ds_rsvc} registry). It
 * answers the node service itself (service id 0: status and the replica life cycle) and hands
 * every other request to the replica of its service, or answers NOTREPLICA.
 *
 * <p>The replicas it holds and their life cycle (create, start, stop, destroy, with DAOS's
 * rules) are {@link ReplicaLifecycle}'s; a node restarts every replica found in its data
 * directory when it starts.
 *
 * <p>Threads: Netty's event loops ({@code vostok-io}), the handler pool ({@code vostok-handler})
 * and a timer; each replica adds rdb's own threads.
 */
public final class RsvcHost implements NodeHandle, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RsvcHost.class);

    private final RsvcHostConfig config;
    private final VosProvider vos;
    private final Map<String, RsvcClass<?>> classes = new HashMap<>();
    private final NodeDirectory directory;
    private final RaftRouter router = new RaftRouter();
    private final EventLoopGroup io;
    private final ThreadPoolExecutor handlers;
    private final ScheduledExecutorService timer;
    private final NodeServer server;
    private final PeerLinks links;
    private final ReplicaLifecycle replicas;
    private final VostokClient client;
    private final ReplicaMembership membership = new ReplicaMembership(this);
    private final long startedNanos = System.nanoTime();
    private final HostPort address;
    private volatile RequestObserver observer = RequestObserver.NONE;
    private volatile ReplicaEventsObserver replicaEvents = ReplicaEventsObserver.NONE;
    private volatile boolean closed;

    private RsvcHost(RsvcHostConfig config, VosProvider vos, List<RsvcClass<?>> serviceClasses) {
        this.config = config.validate();
        this.vos = Objects.requireNonNull(vos, "vos");
        for (RsvcClass<?> c : serviceClasses) {
            if (classes.putIfAbsent(c.name(), c) != null) {
                throw new IllegalArgumentException("two service classes are named " + c.name());
            }
        }
        this.io = NettyIo.newGroup(config.ioThreads(), "vostok-io-" + config.nodeId());
        AtomicInteger n = new AtomicInteger();
        this.handlers = new ThreadPoolExecutor(config.handlerThreads(), config.handlerThreads(), 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(config.handlerQueueMax()), r -> {
                    Thread t = new Thread(r, "vostok-handler-" + config.nodeId() + "-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.handlers.allowCoreThreadTimeOut(true);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vostok-timer-" + config.nodeId());
            t.setDaemon(true);
            return t;
        });
        this.server = new NodeServer(config.clusterId(), config.nodeId(), config.payloadBytesMax(),
                config.requestsPerConnectionMax(), this::handle, router);
        this.server.answerListener(this::answered);
        HostPort bound;
        try {
            bound = server.bind(config.listen(), io);
        } catch (RuntimeException e) {
            shutdownThreads();
            throw e;
        }
        this.address = bound;
        this.directory = new NodeDirectory(config.nodeId(), bound);
        config.peers().forEach((id, a) -> {
            if (id != config.nodeId()) {
                directory.put(id, a);
            }
        });
        this.links = new PeerLinks(new Connector(io, config.payloadBytesMax(), config.connectTimeoutMillis()), io,
                directory, config.clusterId(), this::nodeGone, config.reconnectBackoffBaseMillis(),
                config.reconnectBackoffMaxMillis());
        this.client = VostokClient.builder(config.clusterId()).eventLoopGroup(io).nodeId(config.nodeId())
                .name("node-" + config.nodeId()).payloadBytesMax(config.payloadBytesMax())
                .connectTimeoutMillis(config.connectTimeoutMillis())
                .callbackExecutor(handlers)
                .callOptions(CallOptions.DEFAULTS.withDeadlineMillis(30_000))
                .build();
        this.replicas = new ReplicaLifecycle(this, config, vos, classes, links, router);
    }

    /**
     * Starts a node: binds its port, then starts every replica found in its data directory.
     * {@link IllegalArgumentException} for a bad configuration, {@link IllegalStateException}
     * when the port cannot be bound or the data directory cannot be used.
     */
    public static RsvcHost start(RsvcHostConfig config, VosProvider vos, List<RsvcClass<?>> classes) {
        RsvcHost host = new RsvcHost(config, vos, classes);
        try {
            host.replicas.startAll();
        } catch (RuntimeException e) {
            host.close();
            throw e;
        }
        return host;
    }

    // ----------------------------------------------------------------------------------------
    // NodeHandle

    @Override
    public long nodeId() {
        return config.nodeId();
    }

    @Override
    public String clusterId() {
        return config.clusterId();
    }

    /** Where this node listens (with the port it actually bound). */
    public HostPort address() {
        return address;
    }

    @Override
    public Optional<HostPort> address(long nodeId) {
        return directory.address(nodeId);
    }

    @Override
    public void learnAddress(long nodeId, HostPort a) {
        directory.put(nodeId, a);
    }

    String addressText(long nodeId) {
        return directory.addressText(nodeId);
    }

    @Override
    public VostokClient client() {
        return client;
    }

    private NodeClient nodeClient(long nodeId) {
        HostPort a = directory.address(nodeId).orElseThrow(() -> new VostokException(ErrorCode.UNREACHABLE,
                "node " + config.nodeId() + " knows no address for node " + nodeId));
        return NodeClient.of(client, a);
    }

    @Override
    public CompletableFuture<Void> createReplica(long nodeId, CreateReplicaRequest request) {
        if (nodeId == config.nodeId()) {
            return CompletableFuture.runAsync(() -> replicas.createLocal(request), handlers);
        }
        return nodeClient(nodeId).createReplica(request);
    }

    @Override
    public CompletableFuture<Void> destroyReplica(long nodeId, long serviceId, long replicaId, long callerTerm) {
        if (nodeId == config.nodeId()) {
            return CompletableFuture.runAsync(() -> replicas.destroyLocal(serviceId, replicaId, callerTerm), handlers);
        }
        return nodeClient(nodeId).destroyReplica(serviceId, replicaId, callerTerm);
    }

    @Override
    public CompletableFuture<Void> startReplicas(List<Long> nodeIds, long serviceId, long callerTerm) {
        return CompletableFuture.allOf(nodeIds.stream().map(id -> id == config.nodeId()
                ? CompletableFuture.runAsync(() -> replicas.startLocal(serviceId, callerTerm), handlers)
                : nodeClient(id).startReplica(serviceId, callerTerm)).toArray(CompletableFuture[]::new));
    }

    @Override
    public CompletableFuture<Void> stopReplicas(List<Long> nodeIds, long serviceId, long callerTerm) {
        return CompletableFuture.allOf(nodeIds.stream().map(id -> id == config.nodeId()
                ? CompletableFuture.runAsync(() -> replicas.stopLocal(serviceId, callerTerm), handlers)
                : nodeClient(id).stopReplica(serviceId, callerTerm)).toArray(CompletableFuture[]::new));
    }

    @Override
    public CompletableFuture<NodeStatus> status(long nodeId) {
        if (nodeId == config.nodeId()) {
            return CompletableFuture.completedFuture(status());
        }
        return nodeClient(nodeId).status();
    }

    ExecutorService handlers() {
        return handlers;
    }

    ScheduledExecutorService timer() {
        return timer;
    }

    ReplicaMembership membership() {
        return membership;
    }

    ReplicaEventsObserver replicaEvents() {
        return replicaEvents;
    }

    // ----------------------------------------------------------------------------------------
    // Requests

    /** Where every answered request is reported (metrics); {@link RequestObserver#NONE} by default. */
    public void observer(RequestObserver o) {
        this.observer = java.util.Objects.requireNonNull(o, "observer");
    }

    /** Where every replica's writes and commits are reported (metrics); {@link ReplicaEventsObserver#NONE} by default. */
    public void replicaObserver(ReplicaEventsObserver o) {
        this.replicaEvents = java.util.Objects.requireNonNull(o, "observer");
    }

    private void answered(ServerCall call, int errorCode, long nanos) {
        String cls;
        if (call.serviceId() == NodeClient.SERVICE_ID) {
            cls = "node";
        } else {
            ReplicaLifecycle.Running<?> r = replicas.running(call.serviceId()).orElse(null);
            cls = r == null ? "" : r.rsvc().serviceClass().name();
        }
        observer.answered(call.serviceId(), cls, call.method(), errorCode == 0 ? null
                : ErrorCode.ofCodeOrInternal(errorCode), nanos);
    }

    private void handle(ServerCall call) {
        if (closed) {
            call.error(ErrorCode.SHUTDOWN, "node " + config.nodeId() + " is shutting down", null);
            return;
        }
        if (replicas == null) {
            call.error(ErrorCode.BUSY, "node " + config.nodeId() + " is starting; retry shortly", null);
            return;
        }
        if (call.serviceId() == NodeClient.SERVICE_ID) {
            handleNodeCall(call);
            return;
        }
        ReplicaLifecycle.Running<?> r = replicas.running(call.serviceId()).orElse(null);
        if (r == null) {
            call.error(ErrorCode.NOTREPLICA, "node " + config.nodeId() + " holds no replica of service "
                    + call.serviceId(), null);
            return;
        }
        r.rsvc().dispatch(call);
    }

    private void handleNodeCall(ServerCall call) {
        try {
            handlers.execute(() -> {
                try {
                    MessageLite reply = switch (call.method()) {
                        case NodeClient.STATUS -> status();
                        case NodeClient.CREATE_REPLICA -> {
                            replicas.createLocal(CreateReplicaRequest.parseFrom(call.request().getBody()));
                            yield Empty.getDefaultInstance();
                        }
                        case NodeClient.START_REPLICA -> {
                            StartReplicaRequest q = StartReplicaRequest.parseFrom(call.request().getBody());
                            replicas.startLocal(q.getServiceId(), q.getCallerTerm());
                            yield Empty.getDefaultInstance();
                        }
                        case NodeClient.STOP_REPLICA -> {
                            StopReplicaRequest q = StopReplicaRequest.parseFrom(call.request().getBody());
                            replicas.stopLocal(q.getServiceId(), q.getCallerTerm());
                            yield Empty.getDefaultInstance();
                        }
                        case NodeClient.DESTROY_REPLICA -> {
                            DestroyReplicaRequest q = DestroyReplicaRequest.parseFrom(call.request().getBody());
                            replicas.destroyLocal(q.getServiceId(), q.getReplicaId(), q.getCallerTerm());
                            yield Empty.getDefaultInstance();
                        }
                        default -> throw new VostokException(ErrorCode.UNKNOWN_METHOD, "the node service has no"
                                + " method '" + call.method() + "'");
                    };
                    call.ok(reply, null);
                } catch (InvalidProtocolBufferException e) {
                    call.error(ErrorCode.PROTOCOL, "a malformed " + call.method() + " request: " + e.getMessage(), null);
                } catch (VostokException e) {
                    call.error(e.code(), e.detail(), null);
                } catch (RuntimeException e) {
                    VostokException known = Errors.known(e);
                    if (known != null) {
                        call.error(known.code(), known.detail(), null);
                    } else {
                        LOG.error("node {}: {} failed", config.nodeId(), call, e);
                        call.error(ErrorCode.INTERNAL, "node " + config.nodeId() + " failed: " + e, null);
                    }
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            call.error(ErrorCode.BUSY, "node " + config.nodeId() + " has too much work queued; retry later", null);
        }
    }

    // ----------------------------------------------------------------------------------------
    // Status and failover

    /** What this node holds, for the node service's status and for tools. */
    public NodeStatus status() {
        NodeStatus.Builder b = NodeStatus.newBuilder().setNodeId(config.nodeId()).setClusterId(config.clusterId())
                .setAddress(address.toString()).setVersion(RsvcHost.class.getPackage().getImplementationVersion() == null
                        ? "dev" : RsvcHost.class.getPackage().getImplementationVersion())
                .setUptimeMs(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos));
        List<ReplicaLifecycle.Running<?>> all = new ArrayList<>(replicas.all());
        all.sort(Comparator.comparingLong(r -> r.rsvc().serviceId()));
        for (ReplicaLifecycle.Running<?> r : all) {
            ReplicaStatus s = r.replica().status();
            ReplicaInfo.Builder i = ReplicaInfo.newBuilder().setServiceId(r.rsvc().serviceId())
                    .setClassName(r.rsvc().serviceClass().name()).setReplicaId(r.replica().id())
                    .setRole(s.role().name().toLowerCase(java.util.Locale.ROOT))
                    .setState(r.rsvc().state().name().toLowerCase(java.util.Locale.ROOT))
                    .setTerm(s.term())
                    .setLeaderNodeId(s.leader() == 0 ? 0 : Integer.toUnsignedLong(ReplicaIds.rank(s.leader())))
                    .setCommitIndex(s.commitIndex()).setAppliedIndex(s.appliedIndex()).setLastIndex(s.lastIndex())
                    .setSpaceBlocked(s.spaceBlocked());
            for (long v : s.membership().voters()) {
                i.addVoters(v);
            }
            for (long l : s.membership().learners()) {
                i.addLearners(l);
            }
            try {
                PoolInfo p = r.pool().query();
                i.setPoolFreeBytes(p.freeBytes()).setPoolTotalBytes(p.totalBytes());
            } catch (RuntimeException e) {
                LOG.debug("pool query failed", e);
            }
            b.addReplicas(i);
        }
        return b.build();
    }

    /** The replica of {@code serviceId} on this node, if it runs. */
    public Optional<Replica> replica(long serviceId) {
        ReplicaLifecycle.Running<?> r = replicas.running(serviceId).orElse(null);
        return r == null ? Optional.empty() : Optional.of(r.replica());
    }

    /** The rsvc state of the service on this node, if its replica runs. */
    public Optional<RsvcState> state(long serviceId) {
        ReplicaLifecycle.Running<?> r = replicas.running(serviceId).orElse(null);
        return r == null ? Optional.empty() : Optional.of(r.rsvc().state());
    }

    /** Connections closed for bad bytes since the start (the protocol fuzz test reads it). */
    public long badFrames() {
        return server.badFrames();
    }

    public int connections() {
        return server.connections();
    }

    /**
     * Node {@code nodeId}'s process is gone (it refuses connections after its connection to us
     * closed): every replica here that follows a leader on it stops waiting for that leader.
     */
    private void nodeGone(long nodeId) {
        for (ReplicaLifecycle.Running<?> r : replicas.all()) {
            ReplicaStatus s = r.replica().status();
            if (s.role() != Role.LEADER && s.leader() != 0
                    && Integer.toUnsignedLong(ReplicaIds.rank(s.leader())) == nodeId) {
                LOG.info("node {}: service {}'s leader (replica {}) was on node {}, which is gone",
                        config.nodeId(), r.rsvc().serviceId(), ReplicaIds.describe(s.leader()), nodeId);
                LeaderGone.tell(r.replica(), s.leader());
            }
        }
    }

    // ----------------------------------------------------------------------------------------
    // Close

    /**
     * Stops the node: no new requests, every replica stopped (a leader first hands its
     * leadership over), connections closed, threads ended.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        replicas.closeAll();
        try {
            client.close();
        } catch (RuntimeException e) {
            LOG.debug("closing the node's client", e);
        }
        if (links != null) {
            links.close();
        }
        server.close();
        shutdownThreads();
        LOG.info("node {} stopped", config.nodeId());
    }

    private void shutdownThreads() {
        timer.shutdownNow();
        handlers.shutdown();
        try {
            handlers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        handlers.shutdownNow();
        io.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
