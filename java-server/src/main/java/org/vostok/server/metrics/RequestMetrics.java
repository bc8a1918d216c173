package org.vostok.server.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.vostok.client.ErrorCode;
import org.vostok.rsvc.RequestObserver;

/**
 * Counts the requests a node answered, by service class, method and outcome, and times them:
 * {@code vostok_requests_total{class, method, code}} and
 * {@code vostok_request_duration_seconds{class, method}}. It is the node's
 * {@link RequestObserver}.
 *
 * <p>Method names come from the requests, so a client could send any: the first
 * {@value #METHODS_MAX} names seen are labelled as they are, any others (and every name a
 * service did not know) as {@value #OTHER}, so that a misbehaving client cannot grow the
 * metrics without bound.
 */
public final class RequestMetrics implements RequestObserver {

    /** Distinct method labels at most. */
    static final int METHODS_MAX = 256;
    static final String OTHER = "other";
    /** From a lease read on the loopback (about 100 µs) to a request that waited out a deadline. */
    static final double[] BUCKETS_SECONDS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
            0.25, 0.5, 1, 2.5, 5, 10, 30};

    private final Counter requests;
    private final Histogram duration;
    private final Set<String> methods = ConcurrentHashMap.newKeySet();

    public RequestMetrics(PrometheusRegistry registry) {
        this.requests = Counter.builder().name("vostok_requests_total")
                .help("Requests this node answered, by service class, method and outcome (ok or the error code)")
                .labelNames("class", "method", "code").register(registry);
        this.duration = Histogram.builder().name("vostok_request_duration_seconds").unit(Unit.SECONDS)
                .help("How long this node took to answer a request, from its arrival to its answer")
                .labelNames("class", "method").classicOnly().classicUpperBounds(BUCKETS_SECONDS).register(registry);
    }

    @Override
    public void answered(long serviceId, String className, String method, ErrorCode error, long nanos) {
        String m = error == ErrorCode.UNKNOWN_METHOD ? OTHER : label(method);
        String cls = className.isEmpty() ? "none" : className;
        requests.labelValues(cls, m, error == null ? "ok" : error.name().toLowerCase(Locale.ROOT)).inc();
        duration.labelValues(cls, m).observe(Unit.nanosToSeconds(nanos));
    }

    private String label(String method) {
        if (methods.contains(method)) {
            return method;
        }
        if (methods.size() < METHODS_MAX && methods.add(method)) {
            return method;
        }
        return methods.contains(method) ? method : OTHER;
    }
}
