package org.vostok.server.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import org.vostok.rsvc.ReplicaEventsObserver;

/**
 * What a node's replicas write and commit, timed: {@code vostok_replica_persist_seconds}
 * (one durable write of a batch, its fdatasync or persist included),
 * {@code vostok_replica_persist_entries} (entries per batch: how well commits are grouped) and
 * {@code vostok_replica_commit_seconds} (a transaction from its proposal on the leader to its
 * commit and apply there), each by {@code service_id} and {@code class}; and what the replicas'
 * background scrubs find: {@code vostok_scrub_damage_total} (damaged or inconsistent structures
 * found in a replica's pool, each counted once: above 0, replace that replica; the log says
 * where and what) and {@code vostok_scrub_passes_total} (passes over a pool completed: a rate of
 * 0 while the damage counter stays 0 means the scrub is off or stuck, not that the pool is sound).
 */
final class ReplicaMetrics implements ReplicaEventsObserver {

    /** From a PMEM persist (microseconds) to a disk that stalls. */
    private static final double[] PERSIST_SECONDS = {0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001,
            0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1};
    private static final double[] ENTRIES = {0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096};

    private final Histogram persist;
    private final Histogram entries;
    private final Histogram commit;
    private final Counter scrubDamage;
    private final Counter scrubPasses;

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
        this.scrubDamage = Counter.builder().name("vostok_scrub_damage_total")
                .help("Damaged or inconsistent structures a replica's background scrub found in its pool, each counted"
                        + " once; above 0, replace the replica")
                .labelNames("service_id", "class").register(registry);
        this.scrubPasses = Counter.builder().name("vostok_scrub_passes_total")
                .help("Passes of a replica's background scrub over its pool completed")
                .labelNames("service_id", "class").register(registry);
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

    @Override
    public void scrubDamageFound(long serviceId, String className, long count) {
        scrubDamage.labelValues(Long.toString(serviceId), className).inc(count);
    }

    @Override
    public void scrubPassCompleted(long serviceId, String className, long problems) {
        scrubPasses.labelValues(Long.toString(serviceId), className).inc();
    }
}
