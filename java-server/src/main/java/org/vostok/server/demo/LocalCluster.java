package org.vostok.server.demo;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.vostok.client.CallOptions;
import org.vostok.client.ReplicaAddress;
import org.vostok.client.VostokClient;
import org.vostok.client.net.HostPort;
import org.vostok.client.node.NodeClient;
import org.vostok.client.proto.node.CreateReplicaRequest;
import org.vostok.client.proto.node.NodeStatus;
import org.vostok.client.proto.node.ReplicaInfo;
import org.vostok.rsvc.register.RegisterService;

/**
 * Three node processes on this machine ({@code vostok _node}, each with its own loopback port
 * and data directory, durable WAL pools, the management service founded on all three), as the
 * demo and the benchmark run them; the benchmark adds a register service with a replica on each,
 * made as an administrator makes one: by asking each node's node service to create a founding
 * replica. It kills, pauses, resumes and restarts nodes by PID, and ends every process it started
 * on {@link #close()}, which is safe to call from a shutdown hook while a run is still going.
 */
public final class LocalCluster implements AutoCloseable {

    private static final int NODES = 3;
    /** How long a node may take to start listening (a JVM start and a pool recovery, on a busy machine). */
    private static final long READY_MILLIS = 120_000;
    /** A status call to a node that may be paused or dead: one short attempt. */
    private static final CallOptions STATUS_OPTIONS = CallOptions.DEFAULTS.withDeadlineMillis(1_000)
            .withAttemptTimeoutMillis(1_000).withAttemptsMax(1);

    private final Map<Long, ChildNode> nodes = new LinkedHashMap<>();
    private final Map<Long, HostPort> addresses = new LinkedHashMap<>();
    private final Set<Long> paused = ConcurrentHashMap.newKeySet();
    private final Set<Long> down = ConcurrentHashMap.newKeySet();
    private final List<Long> pidsStarted = new ArrayList<>();
    private volatile VostokClient client;
    private volatile boolean closed;

    private final String cluster;

    /** A cluster named {@code cluster} with nothing started yet: hand it to whatever must close it, then {@link #launch}. */
    public LocalCluster(String cluster) {
        this.cluster = cluster;
    }

    /** The options of {@code vostok _node} that {@link #launch} passes besides the node's identity and peers. */
    public static List<String> nodeOptions(long poolMib, boolean leaseReads) {
        return List.of("--pool-mib=" + poolMib, "--backend=WAL", "--lease-reads=" + leaseReads);
    }

    /**
     * Starts three node processes with data under {@code dir} and waits until they listen. On a
     * failure the processes started stay for {@link #close()} to end.
     *
     * @param jvmOptions the nodes' JVM options
     * @param poolMib each replica's pool, in MiB
     * @param leaseReads reads from the leader's lease (the nodes' default), or by ReadIndex
     */
    public void launch(Path dir, List<String> jvmOptions, long poolMib, boolean leaseReads) throws IOException,
            InterruptedException, TimeoutException {
        for (long id = 1; id <= NODES; id++) {
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                addresses.put(id, new HostPort("127.0.0.1", s.getLocalPort()));
            }
        }
        List<Long> ids = List.copyOf(addresses.keySet());
        for (long id : ids) {
            List<String> peers = new ArrayList<>();
            addresses.forEach((p, a) -> {
                if (p != id) {
                    peers.add(p + "=" + a);
                }
            });
            synchronized (this) {
                nodes.put(id, new ChildNode(id, addresses.get(id), dir.resolve("node-" + id), cluster, peers, ids,
                        jvmOptions, nodeOptions(poolMib, leaseReads)));
            }
        }
        for (ChildNode n : nodes.values()) {
            synchronized (this) {
                if (closed) {
                    throw new InterruptedException("the run is stopping");
                }
                n.launch();
                pidsStarted.add(n.pid());
            }
        }
        for (ChildNode n : nodes.values()) {
            n.awaitReady(READY_MILLIS);
        }
        List<ReplicaAddress> replicas = new ArrayList<>();
        addresses.forEach((id, a) -> replicas.add(new ReplicaAddress(id, a)));
        client = VostokClient.builder(cluster).name("vostok-" + cluster).replicas(replicas).build();
    }

    /** Creates register service {@code serviceId} with a founding replica on every node (replica id = node id). */
    public void createRegister(long serviceId) throws InterruptedException, ExecutionException, TimeoutException {
        List<Long> voters = List.copyOf(addresses.keySet());
        List<CompletableFuture<Void>> created = new ArrayList<>();
        for (long id : voters) {
            created.add(NodeClient.of(client, addresses.get(id)).createReplica(CreateReplicaRequest.newBuilder()
                    .setClassName(RegisterService.NAME).setServiceId(serviceId).setReplicaId(id)
                    .addAllBootstrapVoters(voters).build()));
        }
        for (CompletableFuture<Void> f : created) {
            f.get(READY_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    public VostokClient client() {
        return client;
    }

    public List<Long> nodeIds() {
        return List.copyOf(addresses.keySet());
    }

    public HostPort address(long id) {
        return addresses.get(id);
    }

    public synchronized long pid(long id) {
        return node(id).pid();
    }

    /** Every process this cluster started, restarts included, in order. */
    public synchronized List<Long> pidsStarted() {
        return List.copyOf(pidsStarted);
    }

    private synchronized ChildNode node(long id) {
        ChildNode n = nodes.get(id);
        if (n == null) {
            throw new IllegalArgumentException("no node " + id + " (nodes are " + addresses.keySet() + ")");
        }
        return n;
    }

    /** SIGKILL of node {@code id}'s process; returns once the process is gone. */
    public void kill(long id) throws InterruptedException {
        down.add(id);
        node(id).killNow();
    }

    /** SIGSTOP of node {@code id}'s process. */
    public void pause(long id) throws IOException, InterruptedException {
        paused.add(id);
        node(id).pause();
    }

    /** SIGCONT of node {@code id}'s process. */
    public void resume(long id) throws IOException, InterruptedException {
        node(id).resume();
        paused.remove(id);
    }

    /** Starts node {@code id}'s process again from its data directory and waits until it listens. */
    public void restart(long id) throws IOException, InterruptedException, TimeoutException {
        ChildNode n = node(id);
        synchronized (this) {
            if (closed) {
                throw new InterruptedException("the run is stopping");
            }
            n.launch();
            pidsStarted.add(n.pid());
        }
        n.awaitReady(READY_MILLIS);
        down.remove(id);
    }

    /** Whether node {@code id} is neither killed nor paused (its status can be asked). */
    public boolean answering(long id) {
        return !down.contains(id) && !paused.contains(id);
    }

    /** Node {@code id}'s replica of service {@code serviceId}, as the node reports it (one short attempt). */
    public CompletableFuture<Optional<ReplicaInfo>> replicaStatus(long id, long serviceId) {
        return NodeClient.of(client, addresses.get(id)).withOptions(STATUS_OPTIONS).status()
                .thenApply(s -> replica(s, serviceId));
    }

    private static Optional<ReplicaInfo> replica(NodeStatus s, long serviceId) {
        return s.getReplicasList().stream().filter(r -> r.getServiceId() == serviceId).findFirst();
    }

    /**
     * Waits until node {@code id}'s replica of service {@code serviceId} is a follower that has
     * applied {@code index}, at most {@code timeoutMillis}; returns what it reported then.
     */
    public ReplicaInfo awaitCaughtUp(long id, long serviceId, long index, long timeoutMillis)
            throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                Optional<ReplicaInfo> r = replicaStatus(id, serviceId).get(5, TimeUnit.SECONDS);
                if (r.isPresent()) {
                    ReplicaInfo info = r.get();
                    last = info.getRole() + " in term " + info.getTerm() + ", applied " + info.getAppliedIndex();
                    if (info.getAppliedIndex() >= index && info.getRole().equals("follower")) {
                        return info;
                    }
                } else {
                    last = "no replica of service " + serviceId;
                }
            } catch (ExecutionException | TimeoutException e) {
                last = String.valueOf(e.getCause() == null ? e : e.getCause());
            }
            Thread.sleep(20);
        }
        throw new TimeoutException("node " + id + " did not catch up to index " + index + " in " + timeoutMillis
                + " ms (last: " + last + "); its log: " + node(id).log());
    }

    /**
     * Stops every node cleanly: SIGTERM to all at once (a leader hands its leadership over), then
     * SIGKILL to any still running after {@code graceMillis}.
     */
    public void stop(long graceMillis) throws InterruptedException {
        List<ChildNode> all;
        synchronized (this) {
            all = List.copyOf(nodes.values());
        }
        all.forEach(ChildNode::terminate);
        for (ChildNode n : all) {
            n.stop(graceMillis);
        }
    }

    /** Kills every process still running (SIGCONT first is not needed: SIGKILL ends a stopped process). */
    @Override
    public void close() {
        List<ChildNode> all;
        synchronized (this) {
            closed = true;
            all = List.copyOf(nodes.values());
        }
        if (client != null) {
            client.close();
        }
        for (ChildNode n : all) {
            n.close();
        }
    }

    /** Removes {@code dir} and everything under it (the nodes' data and logs); nothing when it is gone already. */
    public static void removeTree(Path dir) throws IOException {
        if (!java.nio.file.Files.exists(dir)) {
            return;
        }
        try (java.util.stream.Stream<Path> s = java.nio.file.Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.deleteIfExists(p);
            }
        }
    }
}
