package org.vostok.rsvc.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import org.vostok.client.net.HostPort;
import org.vostok.client.proto.node.CreateReplicaRequest;
import org.vostok.rdb.RdbConfig;
import org.vostok.rsvc.RsvcHost;
import org.vostok.rsvc.RsvcHostConfig;
import org.vostok.rsvc.register.RegisterService;
import org.vostok.testing.process.ParentWatch;
import org.vostok.vos.PoolBackend;
import org.vostok.vos.VosProvider;

/**
 * One node as a process, for the multi-process tests: a cluster of these on loopback ports is
 * killed, paused and restarted by the tests.
 *
 * <pre>
 * NodeMain --node N --cluster C --listen HOST:PORT --data DIR --peer ID=HOST:PORT ... \
 *          [--register SERVICE_ID --voters 1,2,3] [--backend wal|pmem] [--lease-reads true|false]
 *          [--election-timeout-ticks N]
 * </pre>
 *
 * On its first start with {@code --register} it founds its replica of the register service
 * with the given voters; later starts find it in the data directory. It prints
 * {@code READY port=<port>} once it listens, and stops cleanly on SIGTERM.
 */
public final class NodeMain {

    private NodeMain() {
    }

    public static void main(String[] args) throws Exception {
        ParentWatch.exitWhenParentDies();
        long node = 0;
        String cluster = InProcessCluster.CLUSTER;
        HostPort listen = null;
        Path data = null;
        Map<Long, HostPort> peers = new TreeMap<>();
        long register = 0;
        List<Long> voters = new ArrayList<>();
        PoolBackend backend = PoolBackend.WAL;
        boolean leaseReads = true;
        int electionTimeoutTicks = 20;
        for (int i = 0; i < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--node" -> node = Long.parseLong(v);
                case "--cluster" -> cluster = v;
                case "--listen" -> listen = HostPort.parse(v);
                case "--data" -> data = Path.of(v);
                case "--peer" -> {
                    int eq = v.indexOf('=');
                    peers.put(Long.parseLong(v.substring(0, eq)), HostPort.parse(v.substring(eq + 1)));
                }
                case "--register" -> register = Long.parseLong(v);
                case "--voters" -> {
                    for (String s : v.split(",")) {
                        voters.add(Long.parseLong(s.trim()));
                    }
                }
                case "--backend" -> backend = PoolBackend.valueOf(v.toUpperCase(java.util.Locale.ROOT));
                case "--lease-reads" -> leaseReads = Boolean.parseBoolean(v);
                case "--election-timeout-ticks" -> electionTimeoutTicks = Integer.parseInt(v);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        // A node started on port 0 keeps the port it got across restarts (the same command), so
        // that its peers and clients find it where it was.
        java.nio.file.Path portFile = data.resolve("listen.port");
        if (listen.port() == 0 && java.nio.file.Files.exists(portFile)) {
            listen = new HostPort(listen.host(), Integer.parseInt(java.nio.file.Files.readString(portFile).trim()));
        }
        RdbConfig rdb = RdbConfig.builder().leaseReads(leaseReads).electionTimeoutTicks(electionTimeoutTicks).build();
        RsvcHostConfig config = RsvcHostConfig.builder(node, cluster, listen, data).backend(backend)
                .poolBytes(128L << 20).rdb(rdb).peers(peers).build();
        RsvcHost host = RsvcHost.start(config, VosProvider.load(), List.of(new RegisterService()));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            host.close();
            stopped.countDown();
        }, "node-shutdown"));
        if (register != 0 && host.replica(register).isEmpty()) {
            host.createReplica(node, CreateReplicaRequest.newBuilder().setClassName(RegisterService.NAME)
                    .setServiceId(register).setReplicaId(node).addAllBootstrapVoters(voters).build()).get();
        }
        java.nio.file.Files.createDirectories(data);
        java.nio.file.Files.writeString(portFile, Integer.toString(host.address().port()));
        System.out.println("READY port=" + host.address().port());
        System.out.flush();
        stopped.await();
    }
}
