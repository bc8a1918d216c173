package org.vostok.server;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.vostok.client.net.HostPort;
import org.vostok.rdb.RdbConfig;
import org.vostok.rsvc.RsvcHostConfig;
import org.vostok.server.daemon.NodeDaemon;
import org.vostok.vos.PoolBackend;
import org.vostok.vos.VosProvider;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code vostok _node}: one node process with its settings on the command line, as the demo
 * and the benchmark start their nodes (hidden; a deployment uses {@code vostok server}). It
 * prints {@code READY port=<port>} once it listens, and stops cleanly on SIGTERM.
 */
@Command(name = "_node", hidden = true, description = "Run one node with settings from the command line (for the demo and the benchmark).")
final class NodeProcessCommand implements Callable<Integer> {

    @Option(names = "--node", required = true)
    private long node;

    @Option(names = "--cluster", required = true)
    private String cluster;

    @Option(names = "--listen", required = true)
    private String listen;

    @Option(names = "--data", required = true)
    private Path data;

    @Option(names = "--peer", description = "ID=HOST:PORT, one per other node")
    private List<String> peers = new ArrayList<>();

    @Option(names = "--mgmt", split = ",", required = true, description = "The management service's founding node ids")
    private List<Long> mgmt = new ArrayList<>();

    @Option(names = "--backend")
    private PoolBackend backend = PoolBackend.WAL;

    @Option(names = "--pool-mib")
    private long poolMib = 256;

    // A value, not a negatable flag: picocli toggles a negatable option's default when its
    // positive form is given, so "--lease-reads" on a field that starts true turned lease reads
    // off, and "--no-lease-reads" on.
    @Option(names = "--lease-reads", arity = "1", paramLabel = "true|false", description = "Lease reads (default:"
            + " ${DEFAULT-VALUE}; false: every read confirmed by a heartbeat round).")
    private boolean leaseReads = true;

    @Override
    public Integer call() throws Exception {
        RsvcHostConfig host = hostConfig();
        HostPort address = host.listen();
        NodeDaemon daemon = NodeDaemon.start(new NodeDaemon.Settings(host, address, mgmt), VosProvider.load());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            daemon.close();
            stopped.countDown();
        }, "vostok-shutdown"));
        System.out.println("READY port=" + daemon.host().address().port());
        System.out.flush();
        stopped.await();
        return 0;
    }

    /** The node's settings as the options give them. */
    RsvcHostConfig hostConfig() {
        Map<Long, HostPort> peerMap = new TreeMap<>();
        for (String p : peers) {
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--peer takes ID=HOST:PORT, got '" + p + "'");
            }
            peerMap.put(Long.parseLong(p.substring(0, eq)), HostPort.parse(p.substring(eq + 1)));
        }
        return RsvcHostConfig.builder(node, cluster, HostPort.parse(listen), data).backend(backend)
                .poolBytes(poolMib << 20).rdb(RdbConfig.builder().leaseReads(leaseReads).build()).peers(peerMap).build();
    }
}
