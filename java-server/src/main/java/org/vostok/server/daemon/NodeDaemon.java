package org.vostok.server.daemon;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vostok.client.CallOptions;
import org.vostok.client.ReplicaAddress;
import org.vostok.client.ServiceClient;
import org.vostok.client.mgmt.MgmtClient;
import org.vostok.client.net.HostPort;
import org.vostok.client.proto.mgmt.JoinReply;
import org.vostok.client.proto.mgmt.NodeInfo;
import org.vostok.client.proto.mgmt.NodeRequest;
import org.vostok.client.proto.node.CreateReplicaRequest;
import org.vostok.rsvc.RsvcClass;
import org.vostok.rsvc.RsvcHost;
import org.vostok.rsvc.RsvcHostConfig;
import org.vostok.rsvc.register.RegisterService;
import org.vostok.server.mgmt.MgmtService;
import org.vostok.server.pool.PoolService;
import org.vostok.vos.VosProvider;

/**
 * One node of a Vostok system, as the {@code vostok server} daemon runs it: the node's
 * {@link RsvcHost} with the built-in service classes (management, pool, and the example
 * register), the founding of the management service on the nodes named for it, and the node's
 * membership: it joins the management service when it starts (retrying until a management
 * leader answers), keeps its address book of the other nodes fresh from there, and says it
 * stops when it stops.
 */
public final class NodeDaemon implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NodeDaemon.class);
    /** How often the node refreshes its address book from the management service. */
    private static final long REFRESH_MILLIS = 5_000;

    private final RsvcHost host;
    private final long nodeId;
    private final HostPort advertise;
    private final List<Long> mgmtNodes;
    private final ScheduledExecutorService membership;
    private volatile boolean joined;
    private volatile boolean closed;

    /**
     * What a node needs beyond its host's settings.
     *
     * @param host the node's host settings (its id, cluster, port, data, peers, limits)
     * @param advertise the address other nodes and clients reach it at (its listen address
     *     when that is a specific one)
     * @param mgmtNodes the node ids of the management service's founding replicas; their
     *     addresses must be among the host's peers (or be this node)
     */
    public record Settings(RsvcHostConfig host, HostPort advertise, List<Long> mgmtNodes) {
        public Settings {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(advertise, "advertise");
            mgmtNodes = List.copyOf(mgmtNodes);
            if (mgmtNodes.isEmpty()) {
                throw new IllegalArgumentException("name at least one node for the management service");
            }
            for (long n : mgmtNodes) {
                if (n != host.nodeId() && !host.peers().containsKey(n)) {
                    throw new IllegalArgumentException("management node " + n + " has no address among the peers "
                            + host.peers().keySet());
                }
            }
        }
    }

    /** The service classes every node serves. */
    public static List<RsvcClass<?>> serviceClasses() {
        return List.of(new MgmtService(), new PoolService(), new RegisterService());
    }

    private NodeDaemon(RsvcHost host, Settings s) {
        this.host = host;
        this.nodeId = s.host().nodeId();
        this.advertise = s.advertise().port() == 0 ? host.address() : s.advertise();
        this.mgmtNodes = s.mgmtNodes();
        this.membership = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vostok-membership-" + nodeId);
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts the node: its replicas come back from its data directory, then it joins the system. */
    public static NodeDaemon start(Settings s, VosProvider vos) {
        RsvcHost host = RsvcHost.start(s.host(), vos, serviceClasses());
        NodeDaemon d = new NodeDaemon(host, s);
        try {
            d.foundMgmt();
        } catch (RuntimeException e) {
            host.close();
            throw e;
        }
        d.membership.execute(d::join);
        return d;
    }

    public RsvcHost host() {
        return host;
    }

    public long nodeId() {
        return nodeId;
    }

    /** True once the management service has recorded this node as joined (since this start). */
    public boolean joined() {
        return joined;
    }

    /** On a founding management node, the first start creates its management replica. */
    private void foundMgmt() {
        if (!mgmtNodes.contains(nodeId) || host.replica(MgmtClient.SERVICE_ID).isPresent()) {
            return;
        }
        CreateReplicaRequest.Builder q = CreateReplicaRequest.newBuilder().setClassName(MgmtService.NAME)
                .setServiceId(MgmtClient.SERVICE_ID).setReplicaId(nodeId).addAllBootstrapVoters(mgmtNodes);
        try {
            host.createReplica(nodeId, q.build()).get(120, TimeUnit.SECONDS);
            LOG.info("node {}: founded its replica of the management service (voters {})", nodeId, mgmtNodes);
        } catch (Exception e) {
            throw new IllegalStateException("node " + nodeId + " could not create its management replica: "
                    + e.getMessage(), e);
        }
    }

    private ServiceClient mgmtService() {
        List<ReplicaAddress> candidates = new ArrayList<>();
        for (long n : mgmtNodes) {
            host.address(n).ifPresent(a -> candidates.add(new ReplicaAddress(n, a)));
        }
        return host.client().service(MgmtClient.SERVICE_ID, candidates);
    }

    private void join() {
        if (closed) {
            return;
        }
        mgmtService(); // the management service's candidates, before its first call
        MgmtClient mgmt = MgmtClient.of(host.client());
        mgmt.join(nodeId, advertise).whenComplete((reply, error) -> {
            if (error != null) {
                LOG.info("node {}: could not join the system yet ({}); trying again", nodeId, error.getMessage());
                schedule(this::join, 1_000);
                return;
            }
            learn(reply);
            if (!joined) {
                joined = true;
                LOG.info("node {} joined the system at {} ({} nodes known)", nodeId, advertise,
                        reply.getNodesCount());
            }
            schedule(this::refresh, REFRESH_MILLIS);
        });
    }

    private void learn(JoinReply reply) {
        learn(reply.getNodesList());
    }

    private void learn(List<NodeInfo> nodes) {
        for (NodeInfo n : nodes) {
            if (n.getNodeId() != nodeId && !n.getAddress().isEmpty()) {
                try {
                    host.learnAddress(n.getNodeId(), HostPort.parse(n.getAddress()));
                } catch (IllegalArgumentException e) {
                    LOG.warn("node {}: the management service lists node {} at a bad address '{}'", nodeId,
                            n.getNodeId(), n.getAddress());
                }
            }
        }
    }

    private void refresh() {
        if (closed) {
            return;
        }
        MgmtClient.of(host.client()).listNodes().whenComplete((nodes, error) -> {
            if (error == null) {
                learn(nodes);
            }
            schedule(this::refresh, REFRESH_MILLIS);
        });
    }

    private void schedule(Runnable r, long millis) {
        if (!closed) {
            try {
                membership.schedule(r, millis, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closing
            }
        }
    }

    /**
     * Stops the node cleanly: it tells the management service it stops (briefly: a node that
     * cannot reach it stops anyway), then its replicas hand their leadership over and stop.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        membership.shutdownNow();
        if (joined) {
            try {
                mgmtService().call(MgmtClient.STOP_NODE, NodeRequest.newBuilder().setNodeId(nodeId).build(), true,
                        CallOptions.DEFAULTS.withDeadlineMillis(3_000)).get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.info("node {}: could not tell the management service it stops: {}", nodeId, e.getMessage());
            }
        }
        host.close();
    }
}
