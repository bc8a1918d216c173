package org.vostok.server.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.vostok.client.CallOptions;
import org.vostok.client.Replies;
import org.vostok.client.VostokException;
import org.vostok.client.net.HostPort;
import org.vostok.client.node.NodeClient;
import org.vostok.client.proto.mgmt.NodeInfo;
import org.vostok.client.proto.mgmt.PoolEntry;
import org.vostok.client.proto.node.NodeStatus;
import org.vostok.client.proto.node.ReplicaInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code vostok status}: every node the management service knows, whether it answers, and the
 * service replicas it holds with their role, leader, term, commit and applied index and free
 * space, each asked of the node itself.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show every node of the system: whether it is up, and each service replica it holds (role,"
                + " leader, term, commit and applied index, free pool space). A node that does not answer within"
                + " --node-timeout is shown as down."},
        exitCodeListHeading = ExitCodes.HEADING,
        exitCodeList = {ExitCodes.LINE_OK, ExitCodes.LINE_OTHER, ExitCodes.LINE_USAGE, ExitCodes.LINE_UNREACHABLE})
public final class StatusCommand implements java.util.concurrent.Callable<Integer> {

    @Mixin
    ConnectionOptions conn;

    @Mixin
    OutputOptions out;

    @picocli.CommandLine.Option(names = "--node-timeout", paramLabel = "SECONDS", defaultValue = "3",
            description = "How long to wait for each node's own answer (default: ${DEFAULT-VALUE}).")
    int nodeTimeoutSeconds;

    /** A node as status shows it. */
    private record Row(NodeInfo node, NodeStatus status, String error) {
    }

    @Override
    public Integer call() {
        if (nodeTimeoutSeconds < 1 || nodeTimeoutSeconds > 600) {
            throw new CliFailure(ExitCodes.USAGE, "--node-timeout must be 1 .. 600 seconds");
        }
        try (Admin a = conn.connect()) {
            List<NodeInfo> nodes = a.join(a.mgmt().listNodes(), "asking the management service for the nodes");
            Map<Long, String> names = new HashMap<>();
            names.put(org.vostok.client.mgmt.MgmtClient.SERVICE_ID, "mgmt");
            for (PoolEntry p : a.join(a.mgmt().listPools(), "listing the pools")) {
                names.put(p.getServiceId(), "pool " + p.getLabel());
            }
            CallOptions quick = CallOptions.DEFAULTS.withDeadlineMillis(nodeTimeoutSeconds * 1_000L)
                    .withAttemptTimeoutMillis(nodeTimeoutSeconds * 1_000L);
            List<CompletableFuture<NodeStatus>> asked = new ArrayList<>();
            for (NodeInfo n : nodes) {
                CompletableFuture<NodeStatus> f;
                try {
                    f = NodeClient.of(a.client(), HostPort.parse(n.getAddress())).withOptions(quick).status();
                } catch (IllegalArgumentException e) {
                    f = CompletableFuture.failedFuture(e);
                }
                asked.add(f);
            }
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < nodes.size(); i++) {
                try {
                    rows.add(new Row(nodes.get(i), Replies.join(asked.get(i)), ""));
                } catch (VostokException e) {
                    rows.add(new Row(nodes.get(i), null, Admin.cause(e)));
                } catch (RuntimeException e) {
                    rows.add(new Row(nodes.get(i), null, e.getMessage()));
                }
            }
            out.print(json(a, rows, names), () -> text(rows, names));
        }
        return ExitCodes.OK;
    }

    private Map<String, Object> json(Admin a, List<Row> rows, Map<Long, String> names) {
        List<Object> nodes = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> n = Views.node(r.node());
            n.put("up", r.status() != null);
            n.put("error", r.status() == null ? r.error() : null);
            n.put("version", r.status() == null ? null : r.status().getVersion());
            n.put("uptime_ms", r.status() == null ? null : r.status().getUptimeMs());
            List<Object> replicas = new ArrayList<>();
            if (r.status() != null) {
                for (ReplicaInfo i : r.status().getReplicasList()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("service_id", i.getServiceId());
                    m.put("class", i.getClassName());
                    m.put("name", names.getOrDefault(i.getServiceId(), i.getClassName() + " " + i.getServiceId()));
                    m.put("replica_id", i.getReplicaId());
                    m.put("role", i.getRole());
                    m.put("state", i.getState());
                    m.put("term", i.getTerm());
                    m.put("leader_node_id", i.getLeaderNodeId());
                    m.put("commit_index", i.getCommitIndex());
                    m.put("applied_index", i.getAppliedIndex());
                    m.put("last_index", i.getLastIndex());
                    m.put("voters", new ArrayList<>(i.getVotersList()));
                    m.put("learners", new ArrayList<>(i.getLearnersList()));
                    m.put("pool_free_bytes", i.getPoolFreeBytes());
                    m.put("pool_total_bytes", i.getPoolTotalBytes());
                    m.put("space_blocked", i.getSpaceBlocked());
                    replicas.add(m);
                }
            }
            n.put("replicas", replicas);
            nodes.add(n);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cluster", a.client().clusterId());
        m.put("nodes", nodes);
        return m;
    }

    private void text(List<Row> rows, Map<Long, String> names) {
        var w = out.out();
        long up = rows.stream().filter(r -> r.status() != null).count();
        w.println(rows.size() + " nodes, " + up + " up");
        for (Row r : rows) {
            NodeInfo n = r.node();
            w.println();
            if (r.status() == null) {
                w.println("node " + n.getNodeId() + "  " + n.getAddress() + "  " + Views.nodeState(n) + "  DOWN ("
                        + r.error() + ")");
                continue;
            }
            w.println("node " + n.getNodeId() + "  " + n.getAddress() + "  " + Views.nodeState(n) + "  up "
                    + uptime(r.status().getUptimeMs()) + "  version " + r.status().getVersion());
            Table t = new Table("  ", "SERVICE", "NAME", "ROLE", "LEADER", "TERM", "COMMIT", "APPLIED", "POOL FREE");
            for (ReplicaInfo i : r.status().getReplicasList()) {
                t.row(i.getServiceId(), names.getOrDefault(i.getServiceId(), i.getClassName()), i.getRole(),
                        i.getLeaderNodeId() == 0 ? "-" : "node " + i.getLeaderNodeId(), i.getTerm(),
                        i.getCommitIndex(), i.getAppliedIndex(), Views.bytes(i.getPoolFreeBytes()) + " of "
                                + Views.bytes(i.getPoolTotalBytes()) + (i.getSpaceBlocked() ? " FULL" : ""));
            }
            if (t.isEmpty()) {
                w.println("  no service replicas");
            } else {
                t.print(w);
            }
        }
    }

    private static String uptime(long millis) {
        long s = millis / 1_000;
        if (s < 120) {
            return s + "s";
        }
        if (s < 7_200) {
            return s / 60 + "m";
        }
        if (s < 172_800) {
            return s / 3_600 + "h";
        }
        return s / 86_400 + "d";
    }
}
