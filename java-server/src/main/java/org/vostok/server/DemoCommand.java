package org.vostok.server;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.vostok.client.ReplicaAddress;
import org.vostok.client.VostokClient;
import org.vostok.client.VostokException;
import org.vostok.client.mgmt.MgmtClient;
import org.vostok.client.net.HostPort;
import org.vostok.client.node.NodeClient;
import org.vostok.client.pool.PoolClient;
import org.vostok.client.proto.mgmt.NodeInfo;
import org.vostok.client.proto.mgmt.PoolEntry;
import org.vostok.client.proto.node.NodeStatus;
import org.vostok.client.proto.node.ReplicaInfo;
import org.vostok.server.demo.LocalCluster;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vostok demo}: the whole system on this machine in under a minute. Three node
 * processes on loopback ports with their pools in a temporary directory; a client creates a
 * pool (its own replicated service on the three nodes) and containers, writes, then the pool
 * service's leader process is killed with {@code kill -9}; the client finds the new leader by
 * itself (the demo says how long that took), every acknowledged write is checked, the killed
 * node is started again and seen to catch up, and everything is removed, also on Ctrl-C.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start three nodes on this machine, create a pool, write, kill -9 the leader, and show the"
                + " client finding the new leader with no acknowledged write lost and the killed node catching up.")
final class DemoCommand implements Callable<Integer> {

    private static final String CLUSTER = "demo";
    private static final long READY_MILLIS = 60_000;

    @Spec
    private CommandSpec spec;

    @Option(names = "--dir", description = "Where to put the nodes' data (default: a new temporary directory, removed at the end).")
    private Optional<Path> directory = Optional.empty();

    @Option(names = "--keep", description = "Keep the data and the nodes' logs at the end.")
    private boolean keep;

    @Option(names = "--writes", description = "Writes before the leader is killed, and as many after (default: ${DEFAULT-VALUE}).")
    private int writes = 200;

    private PrintWriter out;
    private final long started = System.nanoTime();

    private void say(String format, Object... args) {
        out.printf("[%5.1f s] %s%n", (System.nanoTime() - started) / 1e9, String.format(format, args));
        out.flush();
    }

    @Override
    public Integer call() throws Exception {
        if (writes < 1 || writes > 100_000) {
            throw new IllegalArgumentException("--writes must be 1 .. 100000, not " + writes);
        }
        out = spec.commandLine().getOut();
        Path dir = directory.isPresent() ? Files.createDirectories(directory.get())
                : Files.createTempDirectory("vostok-demo-");
        LocalCluster cluster = new LocalCluster(CLUSTER);
        Thread cleanup = new Thread(() -> {
            cluster.close();
            if (!keep) {
                delete(dir);
            }
        }, "vostok-demo-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            return run(dir, cluster);
        } finally {
            cluster.stop(15_000);
            if (!keep) {
                delete(dir);
                say("stopped the nodes and removed %s; no process or file is left", dir);
            } else {
                say("stopped the nodes; their data and logs are in %s", dir);
            }
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException e) {
                // shutting down: the hook runs
            }
        }
    }

    private int run(Path dir, LocalCluster cluster) throws Exception {
        say("starting three nodes on loopback ports; data in %s", dir);
        cluster.launch(dir, List.of("-Xmx512m", "-XX:+UseSerialGC"), 256, true);
        say("nodes 1, 2, 3 run as processes %d, %d, %d, on %s, %s and %s", cluster.pid(1), cluster.pid(2),
                cluster.pid(3), cluster.address(1), cluster.address(2), cluster.address(3));
        Map<Long, HostPort> addresses = new LinkedHashMap<>();
        for (long id : cluster.nodeIds()) {
            addresses.put(id, cluster.address(id));
        }

        List<String> seeds = addresses.values().stream().map(HostPort::toString).toList();
        try (VostokClient client = MgmtClient.connect(CLUSTER, seeds)) {
            MgmtClient mgmt = MgmtClient.of(client);
            awaitJoined(mgmt);
            long t = System.nanoTime();
            PoolEntry pool = MgmtClient.join(mgmt.createPool(MgmtClient.PoolSpec.of("demo-pool", "demo@")));
            say("created pool 'demo-pool' (%s): its own replicated service, on nodes %s, in %d ms",
                    MgmtClient.uuid(pool.getUuid()), pool.getReplicaNodesList(), millisSince(t));
            PoolClient poolClient = MgmtClient.join(mgmt.openPool("demo-pool"));
            PoolClient.Handle handle = MgmtClient.join(poolClient.connect("demo@",
                    PoolClient.READ | PoolClient.WRITE | PoolClient.ADMIN));
            MgmtClient.join(handle.createContainer("orders", Map.of("owner", "demo")));
            MgmtClient.join(handle.createContainer("invoices", Map.of()));
            PoolClient.Handle.Container orders = MgmtClient.join(handle.openContainer("orders",
                    PoolClient.READ | PoolClient.WRITE));
            say("created containers 'orders' and 'invoices'");

            Map<String, String> acknowledged = new LinkedHashMap<>();
            t = System.nanoTime();
            write(orders, acknowledged, 0, writes);
            say("wrote %d entries to 'orders' (each acknowledged once committed on a majority) in %d ms", writes,
                    millisSince(t));

            long victim = poolClient.service().leader().orElseThrow().nodeId();
            say("the pool service's leader is node %d: kill -9 of its process %d", victim, cluster.pid(victim));
            long killed = System.nanoTime();
            cluster.kill(victim);
            write(orders, acknowledged, writes, writes + 1);
            long failoverMillis = millisSince(killed);
            ReplicaAddress next = poolClient.service().leader().orElseThrow();
            say("the client found the new leader by itself: node %d answered the first write %d ms after the kill",
                    next.nodeId(), failoverMillis);
            write(orders, acknowledged, writes + 1, 2 * writes);
            say("wrote %d more entries through node %d", writes - 1, next.nodeId());

            Map<String, com.google.protobuf.ByteString> stored = MgmtClient.join(orders.listAttrs());
            int found = 0;
            for (Map.Entry<String, String> e : acknowledged.entrySet()) {
                com.google.protobuf.ByteString v = stored.get(e.getKey());
                if (v != null && v.toStringUtf8().equals(e.getValue())) {
                    found++;
                }
            }
            boolean noneLost = found == acknowledged.size();
            say("%s: %d of %d acknowledged writes read back", noneLost ? "no acknowledged write was lost"
                    : "ACKNOWLEDGED WRITES ARE MISSING", found, acknowledged.size());

            t = System.nanoTime();
            cluster.restart(victim);
            say("restarted node %d (process %d) from its data directory", victim, cluster.pid(victim));
            long commit = status(client, addresses.get(next.nodeId()), pool.getServiceId()).getCommitIndex();
            ReplicaInfo caught = cluster.awaitCaughtUp(victim, pool.getServiceId(), commit, READY_MILLIS);
            say("node %d caught up: its replica of the pool service applied index %d (the leader's commit was %d)"
                    + " %d ms after the restart", victim, caught.getAppliedIndex(), commit, millisSince(t));
            MgmtClient.join(orders.close());

            say("summary: 3 nodes, 1 pool, 2 containers, %d writes acknowledged and %d read back, failover %d ms"
                    + " (kill -9 of the leader → the client's first successful write), node %d caught up after its"
                    + " restart", acknowledged.size(), found, failoverMillis, victim);
            out.printf("demo finished: %s%n", noneLost ? "no acknowledged write lost" : "WRITES LOST");
            return noneLost ? 0 : 1;
        }
    }

    private void awaitJoined(MgmtClient mgmt) throws InterruptedException {
        long t = System.nanoTime();
        while (true) {
            try {
                List<NodeInfo> joined = MgmtClient.join(mgmt.listNodes());
                if (joined.size() == 3) {
                    say("the management service elected a leader and the three nodes joined, in %d ms",
                            millisSince(t));
                    return;
                }
            } catch (VostokException e) {
                if (millisSince(t) > READY_MILLIS) {
                    throw e;
                }
            }
            Thread.sleep(50);
        }
    }

    private static void write(PoolClient.Handle.Container c, Map<String, String> acknowledged, int from, int to) {
        for (int i = from; i < to; i++) {
            String key = String.format("order-%05d", i);
            String value = "item " + i + ", qty " + (i % 7 + 1);
            MgmtClient.join(c.setAttr(key, value.getBytes(StandardCharsets.UTF_8)));
            acknowledged.put(key, value);
        }
    }

    private static ReplicaInfo status(VostokClient client, HostPort node, long serviceId) {
        NodeStatus s = MgmtClient.join(NodeClient.of(client, node).status());
        return s.getReplicasList().stream().filter(r -> r.getServiceId() == serviceId).findFirst().orElseThrow(() ->
                new IllegalStateException("node at " + node + " holds no replica of service " + serviceId));
    }

    private static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }

    private static void delete(Path dir) {
        try {
            LocalCluster.removeTree(dir);
        } catch (IOException e) {
            System.err.println("vostok demo: could not remove " + dir + ": " + e.getMessage());
        }
    }
}
