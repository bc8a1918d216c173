package org.vostok.server.metrics;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vostok.client.net.HostPort;
import org.vostok.rsvc.RequestObserver;
import org.vostok.rsvc.RsvcHost;

/**
 * A node's metrics in the Prometheus text format at {@code http://ADDRESS/metrics}: the node
 * and its replicas ({@link NodeCollector}), the requests it answered ({@link RequestMetrics}),
 * and the JVM's (memory, GC, threads, class loading). Its own registry, so that several nodes in
 * one JVM (tests) do not mix their metrics.
 */
public final class MetricsServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MetricsServer.class);

    private final RsvcHost host;
    private final HTTPServer server;
    private final HostPort address;

    private MetricsServer(RsvcHost host, HTTPServer server, HostPort listen) {
        this.host = host;
        this.server = server;
        this.address = new HostPort(listen.host(), server.getPort());
    }

    /** Starts serving {@code host}'s metrics on {@code listen} (port 0: any free port) and observes its requests. */
    public static MetricsServer start(RsvcHost host, HostPort listen) {
        PrometheusRegistry registry = new PrometheusRegistry();
        JvmMetrics.builder().register(registry);
        registry.register(new NodeCollector(host));
        RequestMetrics requests = new RequestMetrics(registry);
        ReplicaMetrics replicas = new ReplicaMetrics(registry);
        HTTPServer server;
        try {
            server = HTTPServer.builder().hostname(listen.host()).port(listen.port()).registry(registry)
                    .buildAndStart();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve metrics on " + listen + ": " + e.getMessage()
                    + " (is the port in use? change metrics.listen)", e);
        }
        host.observer(requests);
        host.replicaObserver(replicas);
        MetricsServer m = new MetricsServer(host, server, listen);
        LOG.info("node {}: metrics at http://{}/metrics", host.nodeId(), m.address());
        return m;
    }

    /** Where the metrics are served (with the port bound, when 0 was asked for). */
    public HostPort address() {
        return address;
    }

    @Override
    public void close() {
        host.observer(RequestObserver.NONE);
        host.replicaObserver(org.vostok.rsvc.ReplicaEventsObserver.NONE);
        server.close();
    }
}
