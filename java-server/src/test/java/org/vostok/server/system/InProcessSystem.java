package org.vostok.server.system;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.vostok.client.VostokClient;
import org.vostok.client.mgmt.MgmtClient;
import org.vostok.client.net.HostPort;
import org.vostok.rdb.RdbConfig;
import org.vostok.rsvc.RsvcHostConfig;
import org.vostok.server.daemon.NodeDaemon;
import org.vostok.vos.PoolBackend;
import org.vostok.vos.VosProvider;

/**
 * A Vostok system of nodes in this JVM, each on its own loopback port and data directory, the
 * management service founded on the first three: the daemons the tests of the built-in services
 * run against (the multi-process tests run the same daemon in child JVMs).
 */
public final class InProcessSystem implements AutoCloseable {

    public static final String CLUSTER = "system-test";

    private final Path root;
    private final Map<Long, HostPort> addresses = new TreeMap<>();
    private final Map<Long, NodeDaemon> nodes = new TreeMap<>();
    private final List<Long> mgmtNodes;
    private final List<VostokClient> clients = new ArrayList<>();

    public InProcessSystem(Path root, int size) throws IOException {
        this.root = root;
        for (long id = 1; id <= size; id++) {
            try (ServerSocket s = new ServerSocket(0)) {
                addresses.put(id, new HostPort("127.0.0.1", s.getLocalPort()));
            }
        }
        List<Long> m = new ArrayList<>();
        for (long id = 1; id <= Math.min(3, size); id++) {
            m.add(id);
        }
        this.mgmtNodes = List.copyOf(m);
        for (long id = 1; id <= size; id++) {
            start(id);
        }
    }

    public void start(long id) {
        RsvcHostConfig host = RsvcHostConfig.builder(id, CLUSTER, addresses.get(id), root.resolve("node-" + id))
                .backend(PoolBackend.WAL).poolBytes(96L << 20).rdb(RdbConfig.defaults()).peers(addresses)
                .handlerThreads(8).build();
        nodes.put(id, NodeDaemon.start(new NodeDaemon.Settings(host, addresses.get(id), mgmtNodes),
                VosProvider.load()));
    }

    public void stop(long id) {
        NodeDaemon d = nodes.remove(id);
        if (d != null) {
            d.close();
        }
    }

    public NodeDaemon node(long id) {
        return nodes.get(id);
    }

    public HostPort address(long id) {
        return addresses.get(id);
    }

    /** A client that reaches the system through every node's address (closed with the system). */
    public VostokClient client() {
        List<String> a = new ArrayList<>();
        addresses.values().forEach(h -> a.add(h.toString()));
        VostokClient c = MgmtClient.connect(CLUSTER, a);
        clients.add(c);
        return c;
    }

    /** Waits until every running node has joined. */
    public void awaitJoined() throws InterruptedException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (nodes.values().stream().anyMatch(n -> !n.joined())) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("nodes did not join within two minutes");
            }
            Thread.sleep(20);
        }
    }

    /** Waits until {@code condition} holds, for at most a minute; fails naming {@code what}. */
    public static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("within a minute: " + what);
            }
            Thread.sleep(20);
        }
    }

    @Override
    public void close() {
        clients.forEach(VostokClient::close);
        for (NodeDaemon d : nodes.values()) {
            d.close();
        }
        nodes.clear();
    }
}
