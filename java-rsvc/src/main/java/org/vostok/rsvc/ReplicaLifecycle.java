package org.vostok.rsvc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vostok.client.ErrorCode;
import org.vostok.client.VostokException;
import org.vostok.client.net.HostPort;
import org.vostok.client.node.NodeClient;
import org.vostok.client.proto.node.CreateReplicaRequest;
import org.vostok.raft.Role;
import org.vostok.rdb.Replica;
import org.vostok.rdb.ReplicaStatus;
import org.vostok.rdb.model.ReplicaIds;
import org.vostok.rsvc.net.NettyRaftTransport;
import org.vostok.rsvc.net.PeerLinks;
import org.vostok.rsvc.net.RaftRouter;
import org.vostok.vos.Pool;
import org.vostok.vos.PoolBackend;
import org.vostok.vos.PoolOptions;
import org.vostok.vos.VosProvider;

/**
 * The replicas a node holds, and their life cycle with DAOS's rules: creating a replica that
 * exists is EXIST, unless the new replica id is of a newer generation, which replaces the old
 * replica; starting a running one is ALREADY; a caller whose term is older than the replica
 * knows is STALE; destroying is idempotent. Each replica lives in its own directory under the
 * node's data directory (its class {@link RsvcClass#locate locates} it), with its pool and its
 * {@link ServiceRecord}, written last so that a directory without one is a creation that did
 * not finish. Every change of the set is made under one lock.
 */
final class ReplicaLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(ReplicaLifecycle.class);

    /** A started replica: its pool, its rsvc, its class's service object. */
    record Running<S>(Pool pool, Rsvc<S> rsvc, Replica replica, Path directory) {
    }

    private final RsvcHost host;
    private final long nodeId;
    private final RsvcHostConfig config;
    private final VosProvider vos;
    private final Map<String, RsvcClass<?>> classes;
    private final PeerLinks links;
    private final RaftRouter router;
    private final Map<Long, Running<?>> running = new ConcurrentHashMap<>();
    private final Object lifecycle = new Object();
    private volatile boolean closed;

    ReplicaLifecycle(RsvcHost host, RsvcHostConfig config, VosProvider vos, Map<String, RsvcClass<?>> classes,
                     PeerLinks links, RaftRouter router) {
        this.host = host;
        this.nodeId = config.nodeId();
        this.config = config;
        this.vos = vos;
        this.classes = Map.copyOf(classes);
        this.links = links;
        this.router = router;
    }

    /** The running replica of {@code serviceId}, if any. */
    Optional<Running<?>> running(long serviceId) {
        return Optional.ofNullable(running.get(serviceId));
    }

    /** Every running replica. */
    Collection<Running<?>> all() {
        return new ArrayList<>(running.values());
    }

    /** Starts every replica found in the node's data directory; removes what an interrupted creation left. */
    void startAll() {
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
                        + " left", nodeId, dir, e.getMessage());
                deleteQuietly(dir);
                continue;
            }
            try {
                startReplica(record, dir);
            } catch (RuntimeException e) {
                LOG.error("node {}: cannot start the replica of service {} in {}: {}", nodeId,
                        record.serviceId(), dir, e.getMessage(), e);
            }
        }
    }

    /** Creates and starts a replica here. */
    void createLocal(CreateReplicaRequest q) {
        RsvcClass<?> cls = classes.get(q.getClassName());
        if (cls == null) {
            throw new VostokException(ErrorCode.INVAL, "node " + nodeId + " has no service class '"
                    + q.getClassName() + "' (it has " + classes.keySet() + ")");
        }
        long serviceId = q.getServiceId();
        if (serviceId == NodeClient.SERVICE_ID) {
            throw new VostokException(ErrorCode.INVAL, "service id 0 is the node service's");
        }
        if (ReplicaIds.rank(q.getReplicaId()) != (int) nodeId) {
            throw new VostokException(ErrorCode.INVAL, "replica " + ReplicaIds.describe(q.getReplicaId())
                    + " does not belong on node " + nodeId + " (its rank is its node's id)");
        }
        if (!q.getBootstrapVotersList().isEmpty() && !q.getBootstrapVotersList().contains(q.getReplicaId())) {
            throw new VostokException(ErrorCode.INVAL, "a founding replica must be one of the voters "
                    + q.getBootstrapVotersList());
        }
        q.getPeerAddressesMap().forEach((node, text) -> {
            if (node != nodeId) {
                try {
                    host.learnAddress(node, HostPort.parse(text));
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
                    throw new VostokException(ErrorCode.EXIST, "node " + nodeId + " holds replica "
                            + ReplicaIds.describe(e.replicaId()) + " of service " + serviceId + " already");
                }
                if (ReplicaIds.generation(q.getReplicaId()) <= ReplicaIds.generation(e.replicaId())) {
                    throw new VostokException(ErrorCode.STALE, "node " + nodeId + " holds replica "
                            + ReplicaIds.describe(e.replicaId()) + " of service " + serviceId + ", newer than "
                            + ReplicaIds.describe(q.getReplicaId()));
                }
                checkCallerTerm(serviceId, q.getCallerTerm());
                LOG.info("node {}: {} of service {} replaces the older {}", nodeId,
                        ReplicaIds.describe(q.getReplicaId()), serviceId, ReplicaIds.describe(e.replicaId()));
                destroyLocked(serviceId);
            }
            if (Files.exists(dir)) {
                LOG.warn("node {}: removing {}, left by an interrupted creation", nodeId, dir);
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
                throw new UncheckedIOException("node " + nodeId + " cannot create the replica of service "
                        + serviceId + " in " + dir + ": " + e.getMessage(), e);
            } catch (RuntimeException e) {
                closeQuietly(pool);
                deleteQuietly(dir);
                throw e;
            }
            startWithPool(record, dir, pool);
            LOG.info("node {}: created {} of service {} ({}){}", nodeId,
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
                        + nodeId + " already");
            }
            Optional<ServiceRecord> record = recordOf(serviceId);
            if (record.isEmpty()) {
                throw new VostokException(ErrorCode.NONEXIST, "node " + nodeId + " holds no replica of"
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
        Rsvc<S> rsvc = new Rsvc<>(cls, record, host, config.requestsPendingMax());
        NettyRaftTransport transport = new NettyRaftTransport(record.serviceId(), links, router);
        Replica replica;
        try {
            long serviceId = record.serviceId();
            String className = cls.name();
            replica = Replica.start(pool, config.rdb(), transport, rsvc, new org.vostok.rdb.ReplicaObserver() {
                @Override
                public void persisted(int entries, long nanos) {
                    host.replicaEvents().persisted(serviceId, className, entries, nanos);
                }

                @Override
                public void committed(long nanos) {
                    host.replicaEvents().committed(serviceId, className, nanos);
                }

                @Override
                public void scrubDamageFound(long count) {
                    host.replicaEvents().scrubDamageFound(serviceId, className, count);
                }

                @Override
                public void scrubPassCompleted(long problems) {
                    host.replicaEvents().scrubPassCompleted(serviceId, className, problems);
                }
            });
        } catch (RuntimeException e) {
            closeQuietly(pool);
            throw e;
        }
        S svc;
        try {
            svc = cls.allocate(new ServiceContext(record.serviceId(), replica, dir, host));
        } catch (RuntimeException e) {
            replica.close();
            closeQuietly(pool);
            throw e;
        }
        rsvc.attach(replica, svc);
        running.put(record.serviceId(), new Running<>(pool, rsvc, replica, dir));
        LOG.info("node {}: started {} of service {} ({})", nodeId,
                ReplicaIds.describe(record.replicaId()), record.serviceId(), cls.name());
    }

    void stopLocal(long serviceId, long callerTerm) {
        synchronized (lifecycle) {
            Running<?> r = running.get(serviceId);
            if (r == null) {
                if (recordOf(serviceId).isEmpty()) {
                    throw new VostokException(ErrorCode.NONEXIST, "node " + nodeId + " holds no replica"
                            + " of service " + serviceId);
                }
                throw new VostokException(ErrorCode.ALREADY, "the replica of service " + serviceId + " on node "
                        + nodeId + " is stopped already");
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
                throw new VostokException(ErrorCode.STALE, "node " + nodeId + " holds replica "
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
                LOG.warn("node {}: destroying the pool of service {}: {}", nodeId, serviceId, e.getMessage());
            }
            deleteQuietly(dir);
            LOG.info("node {}: destroyed its replica of service {}", nodeId, serviceId);
        }
    }

    /** STALE when the local replica of {@code serviceId} knows a term newer than the caller's. */
    private void checkCallerTerm(long serviceId, long callerTerm) {
        Running<?> r = running.get(serviceId);
        if (callerTerm > 0 && r != null && r.replica().status().term() > callerTerm) {
            throw new VostokException(ErrorCode.STALE, "the replica of service " + serviceId + " on node "
                    + nodeId + " knows term " + r.replica().status().term() + ", newer than the caller's "
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
            LOG.warn("node {}: closing the replica of service {}: {}", nodeId, serviceId, e.getMessage());
        }
        free(r);
        closeQuietly(r.pool());
        LOG.info("node {}: stopped its replica of service {}", nodeId, serviceId);
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
                        + " elect one after their election timeout)", nodeId, ReplicaIds.describe(replica.id()),
                        ReplicaIds.describe(target));
            } else {
                LOG.info("node {}: {} handed its leadership over (to {})", nodeId,
                        ReplicaIds.describe(replica.id()), ReplicaIds.describe(target));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.info("node {}: could not hand the leadership of replica {} over: {}", nodeId,
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
                    LOG.warn("node {}: {}: {}", nodeId, dir, e.getMessage());
                }
            }
        }
        return Optional.empty();
    }

    private void checkOpen() {
        if (closed) {
            throw new VostokException(ErrorCode.SHUTDOWN, "node " + nodeId + " is shutting down");
        }
    }

    /** Stops every replica (leaders hand over first); no replica is created or started after. */
    void closeAll() {
        synchronized (lifecycle) {
            closed = true;
            for (Long id : new ArrayList<>(running.keySet())) {
                stop(id, true);
            }
        }
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
