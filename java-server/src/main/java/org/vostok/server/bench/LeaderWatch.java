package org.vostok.server.bench;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.vostok.server.demo.LocalCluster;

/**
 * Asks every node that answers (neither killed nor paused) for its replica's status every
 * {@link #PERIOD_MILLIS}, and tells the {@link LeaderLog} which replica says it leads, in which
 * term: together with the leaders the replies name, no leader change goes unseen, even one
 * that the load's own replies would miss (a brief leader between two others).
 */
final class LeaderWatch implements AutoCloseable {

    static final long PERIOD_MILLIS = 250;

    private final ScheduledExecutorService timer;

    LeaderWatch(LocalCluster cluster, LeaderLog leaders) {
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vostok-bench-leader-watch");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(() -> {
            for (long id : cluster.nodeIds()) {
                if (!cluster.answering(id)) {
                    continue;
                }
                try {
                    cluster.replicaStatus(id, Benchmark.SERVICE_ID).whenComplete((r, error) -> {
                        if (error == null && r.isPresent() && r.get().getRole().equals("leader")) {
                            leaders.observe(r.get().getTerm(), id, "the status of node " + id);
                        }
                    });
                } catch (RuntimeException e) {
                    // The client is closing: the run is over.
                    return;
                }
            }
        }, PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
