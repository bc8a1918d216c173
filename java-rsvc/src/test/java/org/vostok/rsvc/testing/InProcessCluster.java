package org.vostok.rsvc.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.vostok.client.ReplicaAddress;
import org.vostok.client.VostokClient;
import org.vostok.client.net.HostPort;
import org.vostok.client.node.NodeClient;
import org.vostok.client.proto.node.CreateReplicaRequest;
import org.vostok.rdb.RdbConfig;
import org.vostok.rsvc.RsvcClass;
import org.vostok.rsvc.RsvcHost;
import org.vostok.rsvc.RsvcHostConfig;
import org.vostok.rsvc.register.RegisterService;
import org.vostok.vos.PoolBackend;
import org.vostok.vos.VosProvider;

/**
 * Nodes of one cluster in this JVM, each listening on its own loopback port with its own data
 * directory: the network between them is real (Netty over TCP), only the processes are shared.
 * Nodes are stopped and started again on the same port and data directory.
 */
public final class InProcessCluster implements AutoCloseable {

    public static final String CLUSTER = "test-cluster";
    /** Each replica's pool, unless told otherwise. */
    public static final long POOL_BYTES_DEFAULT = 128L << 20;

    private final Path root;
    private final int size;
    private final RdbConfig rdb;
    private final PoolBackend backend;
    private final long poolBytes;
    private final Map<Long, RsvcHost> hosts = new TreeMap<>();
    private final Map<Long, HostPort> addresses = new TreeMap<>();
    private final List<VostokClient> clients = new ArrayList<>();

    public InProcessCluster(Path root, int size, RdbConfig rdb, PoolBackend backend) {
        this(root, size, rdb, backend, POOL_BYTES_DEFAULT);
    }

    /** The same with each replica's pool of {@code poolBytes} (the benchmark's are larger). */
    public InProcessCluster(Path root, int size, RdbConfig rdb, PoolBackend backend, long poolBytes) {
        this.root = root;
        this.size = size;
        this.rdb = rdb;
        this.backend = backend;
        this.poolBytes = poolBytes;
        for (long id = 1; id <= size; id++) {
            RsvcHost h = start(id, new HostPort("127.0.0.1", 0));
            hosts.put(id, h);
            addresses.put(id, h.address());
        }
        for (RsvcHost h : hosts.values()) {
            addresses.forEach(h::learnAddress);
        }
    }

    public static List<RsvcClass<?>> classes() {
        return List.of(new RegisterService());
    }

    private RsvcHost start(long id, HostPort listen) {
        RsvcHostConfig config = RsvcHostConfig.builder(id, CLUSTER, listen, root.resolve("node-" + id))
                .backend(backend).poolBytes(poolBytes).rdb(rdb).peers(addresses).handlerThreads(16).build();
        return RsvcHost.start(config, VosProvider.load(), classes());
    }

    public RsvcHost host(long id) {
        RsvcHost h = hosts.get(id);
        if (h == null) {
            throw new IllegalStateException("node " + id + " is stopped");
        }
        return h;
    }

    public boolean running(long id) {
        return hosts.containsKey(id);
    }

    public HostPort address(long id) {
        return addresses.get(id);
    }

    public List<ReplicaAddress> replicaAddresses() {
        List<ReplicaAddress> out = new ArrayList<>();
        addresses.forEach((id, a) -> out.add(new ReplicaAddress(0, a)));
        return out;
    }

    /** Creates service {@code serviceId} of {@code className} with a founding replica on every node. */
    public void createService(String className, long serviceId) throws Exception {
        List<Long> voters = new ArrayList<>(addresses.keySet());
        try (VostokClient admin = client()) {
            for (long id : voters) {
                NodeClient.of(admin, addresses.get(id)).createReplica(CreateReplicaRequest.newBuilder()
                        .setClassName(className).setServiceId(serviceId).setReplicaId(id).addAllBootstrapVoters(voters)
                        .build()).get(60, TimeUnit.SECONDS);
            }
        }
    }

    /** A client of this cluster that knows every node (closed with the cluster). */
    public VostokClient client() {
        VostokClient c = VostokClient.builder(CLUSTER).replicas(replicaAddresses()).build();
        clients.add(c);
        return c;
    }

    /** Stops node {@code id} (a clean stop: a leader hands over first). */
    public void stop(long id) {
        RsvcHost h = hosts.remove(id);
        if (h != null) {
            h.close();
        }
    }

    /** Starts node {@code id} again, on its port, from its data directory. */
    public void restart(long id) {
        if (hosts.containsKey(id)) {
            throw new IllegalStateException("node " + id + " runs");
        }
        hosts.put(id, start(id, addresses.get(id)));
    }

    public int size() {
        return size;
    }

    @Override
    public void close() {
        for (VostokClient c : clients) {
            c.close();
        }
        for (RsvcHost h : hosts.values()) {
            h.close();
        }
        hosts.clear();
    }
}
