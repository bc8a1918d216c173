package org.vostok.server.metrics;

import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import org.vostok.rsvc.ReplicaEventsObserver;

/**
 * What a node's replicas write and commit, timed: {@code vostok_replica_persist_seconds}
 * (one durable write of a batch, its fdatasync or persist included),
 * {@code vostok_replica_persist_entries} (entries per batch: how well commits are grouped) and
 * {@code vostok_replica_commit_seconds} (a transaction from its proposal on the leader to its
 * commit and apply there), each by {@code service_id} and {@code class}.
 */
final class ReplicaMetrics implements ReplicaEventsObserver {

    /** From a PMEM persist (microseconds) to a disk that stalls. */
    private static final double[] PERSIST_SECONDS = {0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001,
            0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1};
    private static final double[] ENTRIES = {0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096};

    private final Histogram persist;
    private final Histogram entries;
    private final Histogram commit;

    ReplicaMetrics(PrometheusRegistry registry) {
        this.persist = Histogram.builder().name("vostok_replica_persist_seconds").unit(Unit.SECONDS)
                .help("How long a replica took to write a batch of entries durably (fdatasync or persist included)")
                .labelNames("service_id", "class").classicOnly().classicUpperBounds(PERSIST_SECONDS)
                .register(registry);
        this.entries = Histogram.builder().name("vostok_replica_persist_entries")
                .help("Entries per durable write of a replica (0: the hard state alone)")
                .labelNames("service_id", "class").classicOnly().classicUpperBounds(ENTRIES).register(registry);
        this.commit = Histogram.builder().name("vostok_replica_commit_seconds").unit(Unit.SECONDS)
                .help("How long a transaction took from its proposal on the leader to its commit and apply there")
                .labelNames("service_id", "class").classicOnly().classicUpperBounds(RequestMetrics.BUCKETS_SECONDS)
                .register(registry);
    }

    @Override
    public void persisted(long serviceId, String className, int n, long nanos) {
        String id = Long.toString(serviceId);
        persist.labelValues(id, className).observe(Unit.nanosToSeconds(nanos));
        entries.labelValues(id, className).observe(n);
    }

    @Override
    public void committed(long serviceId, String className, long nanos) {
        commit.labelValues(Long.toString(serviceId), className).observe(Unit.nanosToSeconds(nanos));
    }
}
