package org.vostok.server.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot.InfoDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.StateSetSnapshot;
import io.prometheus.metrics.model.snapshots.StateSetSnapshot.StateSetDataPointSnapshot;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.vostok.client.proto.node.NodeStatus;
import org.vostok.client.proto.node.ReplicaInfo;
import org.vostok.raft.Role;
import org.vostok.rdb.Replica;
import org.vostok.rdb.ReplicaStatus;
import org.vostok.rdb.model.ReplicaIds;
import org.vostok.rsvc.RsvcHost;
import org.vostok.rsvc.RsvcState;

/**
 * The state of a node and of each service replica it holds, read from its {@link RsvcHost} at
 * every scrape (once per scrape: one {@link RsvcHost#status()} for every metric), and, from each
 * replica that leads, how far each other member's log trails (asked of the replica's thread and
 * waited for a second at most, {@link PendingLags}). Each replica's metrics carry
 * {@code service_id} and {@code class} labels.
 */
public final class NodeCollector implements MultiCollector {

    /** How long a scrape waits for a leader's view of its followers. */
    private static final long PROGRESS_WAIT_MILLIS = 1000;

    private final RsvcHost host;

    public NodeCollector(RsvcHost host) {
        this.host = host;
    }

    /** Gauges and counters by name, in the order they are first met. */
    private static final class Family {
        final String help;
        final boolean counter;
        final List<Object> points = new ArrayList<>();

        Family(String help, boolean counter) {
            this.help = help;
            this.counter = counter;
        }
    }

    private final class Scrape {
        final Map<String, Family> families = new LinkedHashMap<>();
        final StateSetSnapshot.Builder roles = StateSetSnapshot.builder().name("vostok_replica_role")
                .help("The replica's Raft role");
        final StateSetSnapshot.Builder states = StateSetSnapshot.builder().name("vostok_service_state")
                .help("Where the service is in its leadership on this node (up: this node leads and serves)");

        void gauge(String name, String help, Labels labels, double value) {
            families.computeIfAbsent(name, n -> new Family(help, false)).points
                    .add(GaugeDataPointSnapshot.builder().labels(labels).value(value).build());
        }

        void counter(String name, String help, Labels labels, double value) {
            families.computeIfAbsent(name, n -> new Family(help, true)).points
                    .add(CounterDataPointSnapshot.builder().labels(labels).value(value).build());
        }

        MetricSnapshots build(NodeStatus status) {
            List<MetricSnapshot> out = new ArrayList<>();
            out.add(InfoSnapshot.builder().name("vostok_node").help("This node: its id, cluster and version")
                    .dataPoint(InfoDataPointSnapshot.builder().labels(Labels.of("node_id",
                            Long.toString(status.getNodeId()), "cluster", status.getClusterId(), "version",
                            status.getVersion())).build()).build());
            out.add(roles.build());
            out.add(states.build());
            families.forEach((name, f) -> {
                if (f.counter) {
                    CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(f.help);
                    f.points.forEach(p -> b.dataPoint((CounterDataPointSnapshot) p));
                    out.add(b.build());
                } else {
                    GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(f.help);
                    f.points.forEach(p -> b.dataPoint((GaugeDataPointSnapshot) p));
                    out.add(b.build());
                }
            });
            return new MetricSnapshots(out);
        }
    }

    @Override
    public MetricSnapshots collect() {
        NodeStatus status = host.status();
        Scrape s = new Scrape();
        Labels none = Labels.EMPTY;
        List<PendingLags> lags = new ArrayList<>();
        s.gauge("vostok_node_replicas", "Service replicas running on this node", none, status.getReplicasCount());
        s.gauge("vostok_node_connections", "Connections open to this node's port", none, host.connections());
        s.counter("vostok_node_bad_frames", "Connections closed for bad bytes (wrong magic, version, checksum or"
                + " length)", none, host.badFrames());
        s.gauge("vostok_node_uptime_seconds", "Seconds since this node started", none, status.getUptimeMs() / 1e3);
        for (ReplicaInfo r : status.getReplicasList()) {
            Labels l = Labels.of("service_id", Long.toString(r.getServiceId()), "class", r.getClassName());
            StateSetDataPointSnapshot.Builder role = StateSetDataPointSnapshot.builder().labels(l);
            for (Role x : Role.values()) {
                role.state(x.name().toLowerCase(Locale.ROOT), x.name().equalsIgnoreCase(r.getRole()));
            }
            s.roles.dataPoint(role.build());
            StateSetDataPointSnapshot.Builder state = StateSetDataPointSnapshot.builder().labels(l);
            for (RsvcState x : RsvcState.values()) {
                state.state(x.name().toLowerCase(Locale.ROOT), x.name().equalsIgnoreCase(r.getState()));
            }
            s.states.dataPoint(state.build());
            s.gauge("vostok_replica_term", "The latest Raft term the replica knows", l, r.getTerm());
            s.gauge("vostok_replica_leader_node", "The node of the leader the replica knows in its term (0: none)",
                    l, r.getLeaderNodeId());
            s.gauge("vostok_replica_commit_index", "The highest log index the replica knows committed", l,
                    r.getCommitIndex());
            s.gauge("vostok_replica_applied_index", "The highest log index applied to the replica's database", l,
                    r.getAppliedIndex());
            s.gauge("vostok_replica_last_index", "The replica's last log index", l, r.getLastIndex());
            s.gauge("vostok_replica_voters", "Voters in the replica's membership", l, r.getVotersCount());
            s.gauge("vostok_replica_learners", "Learners in the replica's membership", l, r.getLearnersCount());
            s.gauge("vostok_replica_pool_free_bytes", "Free bytes in the replica's pool", l, r.getPoolFreeBytes());
            s.gauge("vostok_replica_pool_total_bytes", "The size of the replica's pool", l, r.getPoolTotalBytes());
            s.gauge("vostok_replica_space_blocked", "1 while the replica's pool is too full to take the log", l,
                    r.getSpaceBlocked() ? 1 : 0);
            Optional<Replica> replica = host.replica(r.getServiceId());
            if (replica.isPresent()) {
                ReplicaStatus x = replica.get().status();
                s.gauge("vostok_replica_base_index", "The index the replica's log is compacted up to (its snapshot)",
                        l, x.baseIndex());
                s.gauge("vostok_replica_incoming_snapshot_index", "The snapshot the replica is receiving (0: none)",
                        l, x.incomingSnapshotIndex());
                s.gauge("vostok_replica_incoming_snapshot_bytes", "Bytes of the incoming snapshot written so far",
                        l, x.incomingSnapshotBytes());
                s.counter("vostok_replica_full_pool_writes", "Writes that found the replica's pool full", l,
                        x.fullPoolWrites());
                s.counter("vostok_replica_leader_changes", "Times the replica came to know a new leader since it"
                        + " started (elections and transfers; the first leader it learns of counts)", l,
                        x.leaderChanges());
                s.counter("vostok_replica_lease_reads_local", "Transactions that took their read epoch from the"
                        + " leader's lease on their own thread, without the replica's thread", l,
                        replica.get().localReads());
                if (x.role() == Role.LEADER) {
                    lags.add(new PendingLags(r, replica.get().followerLags()));
                }
            }
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PROGRESS_WAIT_MILLIS);
        for (PendingLags p : lags) {
            p.addTo(s, deadline);
        }
        return s.build(status);
    }

    /**
     * A leader's view of its followers asked of the replica's thread during a scrape: how far each
     * other member's log trails its own, by the member's node. All are asked before any is waited
     * for, and the scrape waits {@link #PROGRESS_WAIT_MILLIS} at most for all of them together; a
     * replica that does not answer by then (stalled, stopping, or too busy) is left out of this
     * scrape rather than holding it up.
     */
    private record PendingLags(ReplicaInfo r, CompletableFuture<Map<Long, Long>> lags) {

        void addTo(Scrape s, long deadline) {
            Map<Long, Long> members;
            try {
                members = lags.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException | TimeoutException e) {
                return;
            }
            members.forEach((member, lag) -> s.gauge("vostok_replica_follower_lag_entries", "On the leader: how"
                    + " many entries its log runs ahead of what it knows the member on follower_node holds (its"
                    + " last index less the member's match index)", Labels.of("service_id",
                    Long.toString(r.getServiceId()), "class", r.getClassName(), "follower_node",
                    Integer.toUnsignedString(ReplicaIds.rank(member))), lag));
        }
    }
}
