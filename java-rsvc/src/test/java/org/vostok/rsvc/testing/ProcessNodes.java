package org.vostok.rsvc.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.vostok.client.CallOptions;
import org.vostok.client.ReplicaAddress;
import org.vostok.client.VostokClient;
import org.vostok.client.net.HostPort;
import org.vostok.client.node.NodeClient;
import org.vostok.client.proto.node.NodeStatus;
import org.vostok.client.proto.node.ReplicaInfo;
import org.vostok.testing.net.ProxyFaultTarget;
import org.vostok.testing.net.ProxyMesh;
import org.vostok.testing.process.JvmSpec;
import org.vostok.testing.process.ProcessCluster;

/**
 * Nodes as real processes ({@link NodeMain} in child JVMs), each on its own loopback port and
 * data directory, holding a replica of the register service. The nodes reach each other
 * through a {@link ProxyMesh} (one fault-injecting proxy per directed link), so tests cut,
 * delay and reset the links between processes; clients reach the nodes directly. Every child is
 * ended by PID when this closes, also when a test fails.
 */
public final class ProcessNodes implements AutoCloseable {

    public static final long SERVICE = 100;

    private final ProcessCluster processes;
    private final ProxyMesh mesh;
    private final Map<Long, HostPort> addresses = new TreeMap<>();
    private final Map<Long, JvmSpec> specs = new TreeMap<>();
    private final List<VostokClient> clients = new ArrayList<>();

    public ProcessNodes(Path dir, int size, boolean leaseReads) throws IOException {
        this(dir, size, leaseReads, 20);
    }

    /** Nodes whose election timeout is {@code electionTimeoutTicks} ticks of 50 ms. */
    public ProcessNodes(Path dir, int size, boolean leaseReads, int electionTimeoutTicks) throws IOException {
        List<Long> ids = new ArrayList<>();
        for (long id = 1; id <= size; id++) {
            ids.add(id);
        }
        this.processes = ProcessCluster.in(java.nio.file.Files.createDirectories(dir.resolve("processes")));
        this.mesh = ProxyMesh.start(ids);
        boolean ok = false;
        try {
            String voters = String.join(",", ids.stream().map(String::valueOf).toList());
            for (long id : ids) {
                // Port 0: the node takes a free port and keeps it across restarts (NodeMain).
                List<String> args = new ArrayList<>(List.of("--node", Long.toString(id), "--listen", "127.0.0.1:0",
                        "--data", dir.resolve("node-" + id).toString(), "--register", Long.toString(SERVICE),
                        "--voters", voters, "--lease-reads", Boolean.toString(leaseReads),
                        "--election-timeout-ticks", Integer.toString(electionTimeoutTicks)));
                mesh.peerAddresses(id).forEach((peer, a) -> {
                    args.add("--peer");
                    args.add(peer + "=127.0.0.1:" + a.getPort());
                });
                JvmSpec spec = JvmSpec.of("node-" + id, NodeMain.class)
                        .withJvmOptions("-Xmx384m", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED",
                                "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                                "-Dorg.slf4j.simpleLogger.showDateTime=true")
                        .withArgs(args.toArray(String[]::new))
                        .withReadyLine("READY port=(\\d+)");
                specs.put(id, spec);
            }
            for (long id : ids) {
                int port = Integer.parseInt(processes.start(id, specs.get(id)).readyMatch().group(1));
                addresses.put(id, new HostPort("127.0.0.1", port));
                mesh.target(id, new InetSocketAddress("127.0.0.1", port));
            }
            ok = true;
        } finally {
            if (!ok) {
                close();
            }
        }
    }

    public List<Long> ids() {
        return List.copyOf(addresses.keySet());
    }

    public HostPort address(long id) {
        return addresses.get(id);
    }

    public ProcessCluster processes() {
        return processes;
    }

    public ProxyMesh mesh() {
        return mesh;
    }

    /** The candidates a client starts with: every node, by id and address. */
    public List<ReplicaAddress> candidates() {
        List<ReplicaAddress> out = new ArrayList<>();
        addresses.forEach((id, a) -> out.add(new ReplicaAddress(id, a)));
        return out;
    }

    /** A client of the nodes (closed with them). */
    public VostokClient client(CallOptions options) {
        VostokClient c = VostokClient.builder(InProcessCluster.CLUSTER).replicas(candidates()).callOptions(options).build();
        clients.add(c);
        return c;
    }

    /** The node's replica of the register service as the node reports it; empty when it does not answer. */
    public java.util.Optional<ReplicaInfo> replicaInfo(VostokClient client, long id) {
        try {
            NodeStatus s = NodeClient.of(client, addresses.get(id)).withOptions(CallOptions.DEFAULTS
                    .withDeadlineMillis(2_000).withAttemptTimeoutMillis(1_000)).status().get(5, TimeUnit.SECONDS);
            return s.getReplicasList().stream().filter(r -> r.getServiceId() == SERVICE).findFirst();
        } catch (Exception e) {
            return java.util.Optional.empty();
        }
    }

    /** The node whose replica says it leads, among the running and unpaused ones. */
    public OptionalLong leader(VostokClient client) {
        for (long id : addresses.keySet()) {
            if (running(id)) {
                var info = replicaInfo(client, id);
                if (info.isPresent() && info.get().getRole().equals("leader") && info.get().getState().equals("up")) {
                    return OptionalLong.of(id);
                }
            }
        }
        return OptionalLong.empty();
    }

    public boolean running(long id) {
        var p = processes.process(id);
        return p.isAlive() && !p.isPaused();
    }

    /** Waits until node {@code id}'s replica has applied {@code index}. */
    public void awaitApplied(VostokClient client, long id, long index) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (true) {
            var info = replicaInfo(client, id);
            if (info.isPresent() && info.get().getAppliedIndex() >= index) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("node " + id + " did not apply index " + index + " within 90 s: " + info
                        + "\n" + processes.process(id).logTail());
            }
            Thread.sleep(20);
        }
    }

    /** A fault target for test-support's schedules: the mesh's links and these processes. */
    public ProxyFaultTarget faultTarget(VostokClient client) {
        return ProxyFaultTarget.forProcesses(mesh, processes, () -> leader(client));
    }

    @Override
    public void close() {
        clients.forEach(VostokClient::close);
        try {
            processes.close();
        } finally {
            mesh.close();
        }
    }
}
