package org.vostok.rsvc;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
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
import org.vostok.rsvc.net.NettyRaftTransport;
import org.vostok.rsvc.net.NodeDirectory;
import org.vostok.rsvc.net.NodeServer;
import org.vostok.rsvc.net.PeerLinks;
import org.vostok.rsvc.net.RaftRouter;
import org.vostok.rsvc.net.ServerCall;
import org.vostok.vos.Pool;
import org.vostok.vos.PoolBackend;
import org.vostok.vos.PoolInfo;
import org.vostok.vos.PoolOptions;
import org.vostok.vos.VosProvider;

/**
 * One node of a cluster of replicated services: its listening port, its connections to the
 * other nodes, and the replicas of services it holds (DAOS's {@code ds_rsvc} registry). It
 * answers the node service itself (service id 0: status and the replica life cycle) and hands
 * every other request to the replica of its service, or answers NOTREPLICA.
 *
 * <p>Replica life cycle, with DAOS's rules: creating a replica that exists is EXIST, unless the
 * new replica id is of a newer generation, which replaces the old replica; starting a running
 * one is ALREADY; a caller whose term is older than the replica knows is STALE; destroying is
 * idempotent. A node restarts every replica found in its data directory when it starts.
 *
 * <p>Threads: Netty's event loops ({@code vostok-io}), the handler pool ({@code vostok-handler})
 * and a timer; each replica adds rdb's own threads.
 */
public final class RsvcHost implements NodeHandle, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RsvcHost.class);

    private final RsvcHostConfig config;
    private final VosProvider vos;
    private final Map<String, RsvcClass<?>> classes = new HashMap<>();
    private final Map<Long, Running<?>> running = new ConcurrentHashMap<>();
    private final Object lifecycle = new Object();
    private final NodeDirectory directory;
    private final RaftRouter router = new RaftRouter();
    private final EventLoopGroup io;
    private final ThreadPoolExecutor handlers;
    private final ScheduledExecutorService timer;
    private final NodeServer server;
    private final PeerLinks links;
    private final VostokClient client;
    private final ReplicaMembership membership = new ReplicaMembership(this);
    private final long startedNanos = System.nanoTime();
    private final HostPort address;
    private volatile RequestObserver observer = RequestObserver.NONE;
    private volatile ReplicaEventsObserver replicaEvents = ReplicaEventsObserver.NONE;
    private volatile boolean closed;

    /** A started replica: its pool, its rsvc, its class's service object. */
    private record Running<S>(Pool pool, Rsvc<S> rsvc, Replica replica, Path directory) {
    }

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
    }

    /**
     * Starts a node: binds its port, then starts every replica found in its data directory.
     * {@link IllegalArgumentException} for a bad configuration, {@link IllegalStateException}
     * when the port cannot be bound or the data directory cannot be used.
     */
    public static RsvcHost start(RsvcHostConfig config, VosProvider vos, List<RsvcClass<?>> classes) {
        RsvcHost host = new RsvcHost(config, vos, classes);
        try {
            host.startAll();
        } catch (RuntimeException e) {
            host.close();
            throw e;
        }
        return host;
    }

    private void startAll() {
        Path services = config.dataDirectory().resolve("services");
        try {
            Files.createDirectories(services);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create the data directory " + services + ": " + e.getMessage()
                    + "; check the path and its permissions", e);
        }
        List<Path> dirs;
        try (Stream<Path> s = Files.list(services)) {
            dirs = s.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the data directory " + services + ": " + e.getMessage(), e);
        }
        for (Path dir : dirs) {
            ServiceRecord record;
            try {
                record = ServiceRecord.read(dir);
            } catch (IOException e) {
                LOG.warn("node {}: {} holds no usable service replica ({}); removing what an interrupted creation"
                        + " left", config.nodeId(), dir, e.getMessage());
                deleteQuietly(dir);
                continue;
            }
            try {
                startReplica(record, dir);
            } catch (RuntimeException e) {
                LOG.error("node {}: cannot start the replica of service {} in {}: {}", config.nodeId(),
                        record.serviceId(), dir, e.getMessage(), e);
            }
        }
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
            return CompletableFuture.runAsync(() -> createLocal(request), handlers);
        }
        return nodeClient(nodeId).createReplica(request);
    }

    @Override
    public CompletableFuture<Void> destroyReplica(long nodeId, long serviceId, long replicaId, long callerTerm) {
        if (nodeId == config.nodeId()) {
            return CompletableFuture.runAsync(() -> destroyLocal(serviceId, replicaId, callerTerm), handlers);
        }
        return nodeClient(nodeId).destroyReplica(serviceId, replicaId, callerTerm);
    }

    @Override
    public CompletableFuture<Void> startReplicas(List<Long> nodeIds, long serviceId, long callerTerm) {
        return CompletableFuture.allOf(nodeIds.stream().map(id -> id == config.nodeId()
                ? CompletableFuture.runAsync(() -> startLocal(serviceId, callerTerm), handlers)
                : nodeClient(id).startReplica(serviceId, callerTerm)).toArray(CompletableFuture[]::new));
    }

    @Override
    public CompletableFuture<Void> stopReplicas(List<Long> nodeIds, long serviceId, long callerTerm) {
        return CompletableFuture.allOf(nodeIds.stream().map(id -> id == config.nodeId()
                ? CompletableFuture.runAsync(() -> stopLocal(serviceId, callerTerm), handlers)
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
            Running<?> r = running.get(call.serviceId());
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
        if (call.serviceId() == NodeClient.SERVICE_ID) {
            handleNodeCall(call);
            return;
        }
        Running<?> r = running.get(call.serviceId());
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
                            createLocal(CreateReplicaRequest.parseFrom(call.request().getBody()));
                            yield Empty.getDefaultInstance();
                        }
                        case NodeClient.START_REPLICA -> {
                            StartReplicaRequest q = StartReplicaRequest.parseFrom(call.request().getBody());
                            startLocal(q.getServiceId(), q.getCallerTerm());
                            yield Empty.getDefaultInstance();
                        }
                        case NodeClient.STOP_REPLICA -> {
                            StopReplicaRequest q = StopReplicaRequest.parseFrom(call.request().getBody());
                            stopLocal(q.getServiceId(), q.getCallerTerm());
                            yield Empty.getDefaultInstance();
                        }
                        case NodeClient.DESTROY_REPLICA -> {
                            DestroyReplicaRequest q = DestroyReplicaRequest.parseFrom(call.request().getBody());
                            destroyLocal(q.getServiceId(), q.getReplicaId(), q.getCallerTerm());
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
    // Replica life cycle

    /** Creates and starts a replica here. */
    void createLocal(CreateReplicaRequest q) {
        RsvcClass<?> cls = classes.get(q.getClassName());
        if (cls == null) {
            throw new VostokException(ErrorCode.INVAL, "node " + config.nodeId() + " has no service class '"
                    + q.getClassName() + "' (it has " + classes.keySet() + ")");
        }
        long serviceId = q.getServiceId();
        if (serviceId == NodeClient.SERVICE_ID) {
            throw new VostokException(ErrorCode.INVAL, "service id 0 is the node service's");
        }
        if (ReplicaIds.rank(q.getReplicaId()) != (int) config.nodeId()) {
            throw new VostokException(ErrorCode.INVAL, "replica " + ReplicaIds.describe(q.getReplicaId())
                    + " does not belong on node " + config.nodeId() + " (its rank is its node's id)");
        }
        if (!q.getBootstrapVotersList().isEmpty() && !q.getBootstrapVotersList().contains(q.getReplicaId())) {
            throw new VostokException(ErrorCode.INVAL, "a founding replica must be one of the voters "
                    + q.getBootstrapVotersList());
        }
        q.getPeerAddressesMap().forEach((node, text) -> {
            if (node != config.nodeId()) {
                try {
                    directory.put(node, HostPort.parse(text));
                } catch (IllegalArgumentException e) {
                    throw new VostokException(ErrorCode.INVAL, "peer address of node " + node + ": " + e.getMessage());
                }
            }
        });
        synchronized (lifecycle) {
            checkOpen();
            Path dir = cls.locate(config.dataDirectory(), serviceId);
            Optional<ServiceRecord> existing = recordOf(serviceId);
            if (existing.isPresent()) {
                ServiceRecord e = existing.get();
                if (e.replicaId() == q.getReplicaId()) {
                    throw new VostokException(ErrorCode.EXIST, "node " + config.nodeId() + " holds replica "
                            + ReplicaIds.describe(e.replicaId()) + " of service " + serviceId + " already");
                }
                if (ReplicaIds.generation(q.getReplicaId()) <= ReplicaIds.generation(e.replicaId())) {
                    throw new VostokException(ErrorCode.STALE, "node " + config.nodeId() + " holds replica "
                            + ReplicaIds.describe(e.replicaId()) + " of service " + serviceId + ", newer than "
                            + ReplicaIds.describe(q.getReplicaId()));
                }
                checkCallerTerm(serviceId, q.getCallerTerm());
                LOG.info("node {}: {} of service {} replaces the older {}", config.nodeId(),
                        ReplicaIds.describe(q.getReplicaId()), serviceId, ReplicaIds.describe(e.replicaId()));
                destroyLocked(serviceId);
            }
            if (Files.exists(dir)) {
                LOG.warn("node {}: removing {}, left by an interrupted creation", config.nodeId(), dir);
                deleteQuietly(dir);
            }
            ServiceRecord record = new ServiceRecord(cls.name(), serviceId, q.getReplicaId(),
                    q.getBootstrapVotersList(), q.getBootstrapArgs());
            Pool pool = null;
            try {
                Files.createDirectories(dir);
                pool = createPool(ServiceRecord.pool(dir));
                if (record.bootstrapVoters().isEmpty()) {
                    Replica.formatJoining(pool, q.getReplicaId());
                } else {
                    Replica.bootstrap(pool, q.getReplicaId(), record.bootstrapVoters());
                }
                record.write(dir);
                ServiceRecord.syncDirectory(dir.getParent());
            } catch (IOException e) {
                closeQuietly(pool);
                deleteQuietly(dir);
                throw new UncheckedIOException("node " + config.nodeId() + " cannot create the replica of service "
                        + serviceId + " in " + dir + ": " + e.getMessage(), e);
            } catch (RuntimeException e) {
                closeQuietly(pool);
                deleteQuietly(dir);
                throw e;
            }
            startWithPool(record, dir, pool);
            LOG.info("node {}: created {} of service {} ({}){}", config.nodeId(),
                    ReplicaIds.describe(q.getReplicaId()), serviceId, cls.name(), record.bootstrapVoters().isEmpty()
                            ? ", joining" : ", founding with voters " + record.bootstrapVoters());
        }
    }

    private Pool createPool(Path file) {
        PoolOptions options = config.backend() == PoolBackend.WAL ? PoolOptions.wal() : PoolOptions.pmem();
        return vos.createPool(file, config.poolBytes(), options);
    }

    void startLocal(long serviceId, long callerTerm) {
        synchronized (lifecycle) {
            checkOpen();
            if (running.containsKey(serviceId)) {
                throw new VostokException(ErrorCode.ALREADY, "the replica of service " + serviceId + " runs on node "
                        + config.nodeId() + " already");
            }
            Optional<ServiceRecord> record = recordOf(serviceId);
            if (record.isEmpty()) {
                throw new VostokException(ErrorCode.NONEXIST, "node " + config.nodeId() + " holds no replica of"
                        + " service " + serviceId);
            }
            RsvcClass<?> cls = classes.get(record.get().className());
            startReplica(record.get(), cls.locate(config.dataDirectory(), serviceId));
        }
    }

    private void startReplica(ServiceRecord record, Path dir) {
        if (!classes.containsKey(record.className())) {
            throw new IllegalStateException("the replica in " + dir + " is of service class '" + record.className()
                    + "', which this node does not have");
        }
        Pool pool = vos.openPool(ServiceRecord.pool(dir));
        startWithPool(record, dir, pool);
    }

    @SuppressWarnings("unchecked")
    private <S> void startWithPool(ServiceRecord record, Path dir, Pool pool) {
        RsvcClass<S> cls = (RsvcClass<S>) classes.get(record.className());
        Rsvc<S> rsvc = new Rsvc<>(cls, record, this, config.requestsPendingMax());
        NettyRaftTransport transport = new NettyRaftTransport(record.serviceId(), links, router);
        Replica replica;
        try {
            long serviceId = record.serviceId();
            String className = cls.name();
            replica = Replica.start(pool, config.rdb(), transport, rsvc, new org.vostok.rdb.ReplicaObserver() {
                @Override
                public void persisted(int entries, long nanos) {
                    replicaEvents.persisted(serviceId, className, entries, nanos);
                }

                @Override
                public void committed(long nanos) {
                    replicaEvents.committed(serviceId, className, nanos);
                }
            });
        } catch (RuntimeException e) {
            closeQuietly(pool);
            throw e;
        }
        S svc;
        try {
            svc = cls.allocate(new ServiceContext(record.serviceId(), replica, dir, this));
        } catch (RuntimeException e) {
            replica.close();
            closeQuietly(pool);
            throw e;
        }
        rsvc.attach(replica, svc);
        running.put(record.serviceId(), new Running<>(pool, rsvc, replica, dir));
        LOG.info("node {}: started {} of service {} ({})", config.nodeId(),
                ReplicaIds.describe(record.replicaId()), record.serviceId(), cls.name());
    }

    void stopLocal(long serviceId, long callerTerm) {
        synchronized (lifecycle) {
            Running<?> r = running.get(serviceId);
            if (r == null) {
                if (recordOf(serviceId).isEmpty()) {
                    throw new VostokException(ErrorCode.NONEXIST, "node " + config.nodeId() + " holds no replica"
                            + " of service " + serviceId);
                }
                throw new VostokException(ErrorCode.ALREADY, "the replica of service " + serviceId + " on node "
                        + config.nodeId() + " is stopped already");
            }
            checkCallerTerm(serviceId, callerTerm);
            stop(serviceId, true);
        }
    }

    void destroyLocal(long serviceId, long replicaId, long callerTerm) {
        synchronized (lifecycle) {
            Optional<ServiceRecord> record = recordOf(serviceId);
            if (record.isEmpty()) {
                return; // idempotent
            }
            if (replicaId != 0 && record.get().replicaId() != replicaId) {
                throw new VostokException(ErrorCode.STALE, "node " + config.nodeId() + " holds replica "
                        + ReplicaIds.describe(record.get().replicaId()) + " of service " + serviceId + ", not "
                        + ReplicaIds.describe(replicaId));
            }
            checkCallerTerm(serviceId, callerTerm);
            destroyLocked(serviceId);
        }
    }

    private void destroyLocked(long serviceId) {
        Optional<ServiceRecord> record = recordOf(serviceId);
        if (running.containsKey(serviceId)) {
            stop(serviceId, false);
        }
        if (record.isPresent()) {
            Path dir = classes.get(record.get().className()).locate(config.dataDirectory(), serviceId);
            try {
                vos.destroyPool(ServiceRecord.pool(dir));
            } catch (RuntimeException e) {
                LOG.warn("node {}: destroying the pool of service {}: {}", config.nodeId(), serviceId, e.getMessage());
            }
            deleteQuietly(dir);
            LOG.info("node {}: destroyed its replica of service {}", config.nodeId(), serviceId);
        }
    }

    /** STALE when the local replica of {@code serviceId} knows a term newer than the caller's. */
    private void checkCallerTerm(long serviceId, long callerTerm) {
        Running<?> r = running.get(serviceId);
        if (callerTerm > 0 && r != null && r.replica().status().term() > callerTerm) {
            throw new VostokException(ErrorCode.STALE, "the replica of service " + serviceId + " on node "
                    + config.nodeId() + " knows term " + r.replica().status().term() + ", newer than the caller's "
                    + callerTerm);
        }
    }

    /**
     * Stops a running replica: when it leads and {@code handOver}, it first hands the
     * leadership to its most caught-up voter (bounded wait), so the service does not wait out
     * an election timeout.
     */
    private void stop(long serviceId, boolean handOver) {
        Running<?> r = running.remove(serviceId);
        if (r == null) {
            return;
        }
        if (handOver) {
            handOver(r.replica());
        }
        try {
            r.replica().close();
        } catch (RuntimeException e) {
            LOG.warn("node {}: closing the replica of service {}: {}", config.nodeId(), serviceId, e.getMessage());
        }
        free(r);
        closeQuietly(r.pool());
        LOG.info("node {}: stopped its replica of service {}", config.nodeId(), serviceId);
    }

    private static <S> void free(Running<S> r) {
        try {
            r.rsvc().serviceClass().free(r.rsvc().service());
        } catch (RuntimeException e) {
            LOG.warn("freeing the service object of service {} failed", r.rsvc().serviceId(), e);
        }
    }

    private void handOver(Replica replica) {
        ReplicaStatus s = replica.status();
        if (s.role() != Role.LEADER) {
            return;
        }
        long target = 0;
        for (long voter : s.membership().voters()) {
            if (voter != replica.id()) {
                target = voter;
                break;
            }
        }
        if (target == 0) {
            return;
        }
        try {
            replica.transferLeadership(target).get(2, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (replica.status().role() == Role.LEADER && System.nanoTime() - deadline < 0) {
                Thread.sleep(10);
            }
            if (replica.status().role() == Role.LEADER) {
                LOG.info("node {}: {} still leads after asking {} to take over; it stops as leader (the others"
                        + " elect one after their election timeout)", config.nodeId(), ReplicaIds.describe(replica.id()),
                        ReplicaIds.describe(target));
            } else {
                LOG.info("node {}: {} handed its leadership over (to {})", config.nodeId(),
                        ReplicaIds.describe(replica.id()), ReplicaIds.describe(target));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.info("node {}: could not hand the leadership of replica {} over: {}", config.nodeId(),
                    ReplicaIds.describe(replica.id()), e.toString());
        }
    }

    private Optional<ServiceRecord> recordOf(long serviceId) {
        Running<?> r = running.get(serviceId);
        if (r != null) {
            return Optional.of(r.rsvc().record());
        }
        for (RsvcClass<?> cls : classes.values()) {
            Path dir = cls.locate(config.dataDirectory(), serviceId);
            if (Files.isRegularFile(dir.resolve(ServiceRecord.FILE))) {
                try {
                    return Optional.of(ServiceRecord.read(dir));
                } catch (IOException e) {
                    LOG.warn("node {}: {}: {}", config.nodeId(), dir, e.getMessage());
                }
            }
        }
        return Optional.empty();
    }

    private void checkOpen() {
        if (closed) {
            throw new VostokException(ErrorCode.SHUTDOWN, "node " + config.nodeId() + " is shutting down");
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
        List<Running<?>> all = new ArrayList<>(running.values());
        all.sort(Comparator.comparingLong(r -> r.rsvc().serviceId()));
        for (Running<?> r : all) {
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
        Running<?> r = running.get(serviceId);
        return r == null ? Optional.empty() : Optional.of(r.replica());
    }

    /** The rsvc state of the service on this node, if its replica runs. */
    public Optional<RsvcState> state(long serviceId) {
        Running<?> r = running.get(serviceId);
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
        for (Running<?> r : running.values()) {
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
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            for (Long id : new ArrayList<>(running.keySet())) {
                stop(id, true);
            }
        }
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

    private static void closeQuietly(Pool pool) {
        if (pool != null) {
            try {
                pool.close();
            } catch (RuntimeException e) {
                LOG.warn("closing pool {} failed: {}", pool.path(), e.getMessage());
            }
        }
    }

    static void deleteQuietly(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.warn("could not remove {}: {}", dir, e.getMessage());
        }
    }
}
