package org.vostok.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.schema.JsonSchema;
import org.vostok.client.net.HostPort;
import org.vostok.server.cli.ExitCodes;
import org.vostok.server.metrics.MetricsServer;
import org.vostok.server.system.InProcessSystem;

/**
 * The admin commands against three in-process nodes, as a script would use them: the JSON they
 * print is parsed and checked, every kind of failure gives its exit code and a message without a
 * stack trace, and the nodes' metrics count the requests the commands made. The tests run in
 * order on one system: a pool is created, used, and destroyed, and a node stopped last.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AdminCommandsTest {

    @TempDir
    static Path dir;

    private InProcessSystem system;
    private final List<MetricsServer> metrics = new ArrayList<>();
    private String address;

    /** What one command did. */
    record Run(int exit, String out, String err) {
        Object json() {
            return new Load(LoadSettings.builder().setSchema(new JsonSchema()).build()).loadFromString(out);
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> object() {
            return (Map<String, Object>) json();
        }

        @Override
        public String toString() {
            return "exit " + exit + "\nout: " + out + "\nerr: " + err;
        }
    }

    @BeforeAll
    void start() throws Exception {
        system = new InProcessSystem(dir, 3);
        system.awaitJoined();
        for (long id = 1; id <= 3; id++) {
            metrics.add(MetricsServer.start(system.node(id).host(), new HostPort("127.0.0.1", 0)));
        }
        address = system.address(2).toString();
    }

    @AfterAll
    void stop() {
        metrics.forEach(MetricsServer::close);
        if (system != null) {
            system.close();
        }
    }

    private Run vostok(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    /** A command against the system, through node 2's address. */
    private Run admin(String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--address", address, "--cluster", InProcessSystem.CLUSTER));
        return vostok(a.toArray(String[]::new));
    }

    private Run ok(String... args) {
        Run r = admin(args);
        assertEquals(0, r.exit(), r.toString());
        return r;
    }

    private Run fails(int exit, String... args) {
        Run r = admin(args);
        assertEquals(exit, r.exit(), r.toString());
        assertTrue(r.err().startsWith("vostok " + args[0]), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace without VOSTOK_DEBUG=1: " + r.err());
        return r;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> m, String key) {
        return (List<Map<String, Object>>) m.get(key);
    }

    @Test
    @Order(1)
    void statusShowsEveryNodeUpWithOneManagementLeader() {
        Map<String, Object> s = ok("status", "--json").object();
        assertEquals(InProcessSystem.CLUSTER, s.get("cluster"));
        List<Map<String, Object>> nodes = list(s, "nodes");
        assertEquals(3, nodes.size());
        int leaders = 0;
        for (Map<String, Object> n : nodes) {
            assertEquals(true, n.get("up"), n.toString());
            assertEquals("joined", n.get("state"));
            Map<String, Object> mgmt = list(n, "replicas").stream().filter(r -> r.get("class").equals("mgmt"))
                    .findFirst().orElseThrow();
            assertEquals("mgmt", mgmt.get("name"));
            assertTrue(((Number) mgmt.get("commit_index")).longValue() >= 1, mgmt.toString());
            assertTrue(((Number) mgmt.get("pool_total_bytes")).longValue() > 0, mgmt.toString());
            assertEquals(List.of(1, 2, 3), mgmt.get("voters"));
            leaders += mgmt.get("role").equals("leader") ? 1 : 0;
        }
        assertEquals(1, leaders, s.toString());

        String text = ok("status").out();
        assertTrue(text.startsWith("3 nodes, 3 up"), text);
        assertTrue(text.contains("SERVICE  NAME  ROLE"), text);

        List<Map<String, Object>> listed = list(ok("node", "list", "--json").object(), "nodes");
        assertEquals(List.of(1, 2, 3), listed.stream().map(n -> n.get("node_id")).toList());
    }

    @Test
    @Order(2)
    void aPoolIsCreatedListedQueriedAndItsAttributesAndAclChanged() {
        Map<String, Object> created = ok("pool", "create", "tank", "--nodes", "1,2,3", "--prop", "redundancy=3",
                "--acl", "reader@=r", "--principal", "admin@", "--json").object();
        assertEquals("tank", created.get("label"));
        assertEquals(List.of(1, 2, 3), created.get("replica_nodes"));
        assertEquals("ready", created.get("state"));

        Run again = fails(ExitCodes.EXISTS, "pool", "create", "tank", "--principal", "admin@");
        assertTrue(again.err().contains("exists already"), again.err());

        List<Map<String, Object>> pools = list(ok("pool", "list", "--json").object(), "pools");
        assertEquals(1, pools.size());
        assertEquals(created.get("uuid"), pools.get(0).get("uuid"));

        Map<String, Object> q = ok("pool", "query", (String) created.get("uuid"), "--principal", "reader@",
                "--json").object();
        assertEquals(Map.of("redundancy", "3"), q.get("properties"));
        assertEquals(0, q.get("containers"));

        ok("pool", "set-prop", "tank", "tier", "gold", "--principal", "admin@");
        ok("pool", "set-attr", "tank", "owner", "ops team", "--principal", "admin@");
        assertEquals("ops team\n", ok("pool", "get-attr", "tank", "owner", "--principal", "reader@").out());
        Map<String, Object> attr = ok("pool", "get-attr", "tank", "owner", "--principal", "reader@", "--json")
                .object();
        assertEquals("b3BzIHRlYW0=", attr.get("value_base64"));
        assertEquals(1, list(ok("pool", "list-attrs", "tank", "--principal", "admin@", "--json").object(),
                "attributes").size());
        ok("pool", "del-attr", "tank", "owner", "--principal", "admin@");
        Run gone = fails(ExitCodes.NOT_FOUND, "pool", "get-attr", "tank", "owner", "--principal", "admin@");
        assertTrue(gone.err().contains("has no attribute owner"), gone.err());

        ok("pool", "set-acl", "tank", "writer@", "rw", "--principal", "admin@");
        List<Map<String, Object>> acl = list(ok("pool", "get-acl", "tank", "--principal", "admin@", "--json")
                .object(), "entries");
        assertTrue(acl.contains(Map.of("principal", "writer@", "permissions", "rw", "bits", 3)), acl.toString());
        assertTrue(acl.contains(Map.of("principal", "reader@", "permissions", "r", "bits", 1)), acl.toString());
        assertEquals("gold", ((Map<?, ?>) ok("pool", "query", "tank", "--principal", "writer@", "--json").object()
                .get("properties")).get("tier"));
    }

    @Test
    @Order(3)
    void containersTheirAttributesAndSnapshots() {
        Map<String, Object> c = ok("cont", "create", "tank", "c1", "--prop", "layout=flat", "--principal",
                "writer@", "--json").object();
        assertEquals("c1", c.get("label"));
        assertEquals(Map.of("layout", "flat"), c.get("properties"));
        fails(ExitCodes.EXISTS, "cont", "create", "tank", "c1", "--principal", "writer@");

        ok("cont", "set-prop", "tank", "c1", "tier", "hot", "--principal", "writer@");
        ok("cont", "set-attr", "tank", "c1", "k", "v", "--principal", "writer@");
        assertEquals("v\n", ok("cont", "get-attr", "tank", "c1", "k", "--principal", "reader@").out());
        assertEquals(List.of(Map.of("name", "k", "value", "v", "value_base64", "dg==")),
                list(ok("cont", "list-attrs", "tank", "c1", "--principal", "reader@", "--json").object(),
                        "attributes"));
        ok("cont", "del-attr", "tank", "c1", "k", "--principal", "writer@");
        fails(ExitCodes.NOT_FOUND, "cont", "get-attr", "tank", "c1", "k", "--principal", "reader@");

        Map<String, Object> snap = ok("cont", "snap-create", "tank", "c1", "before", "--principal", "writer@",
                "--json").object();
        assertTrue(((Number) snap.get("epoch")).longValue() > 0, snap.toString());
        List<Map<String, Object>> snaps = list(ok("cont", "snap-list", "tank", "c1", "--principal", "reader@",
                "--json").object(), "snapshots");
        assertEquals(List.of("before"), snaps.stream().map(s -> s.get("name")).toList());
        ok("cont", "snap-destroy", "tank", "c1", "before", "--principal", "writer@");

        Map<String, Object> q = ok("cont", "query", "tank", "c1", "--principal", "reader@", "--json").object();
        assertEquals(0, q.get("snapshots"));
        assertEquals(0, q.get("open_handles"), "every command closes the container it opened");
        assertEquals("hot", ((Map<?, ?>) q.get("properties")).get("tier"));
        assertEquals(List.of("c1"), list(ok("cont", "list", "tank", "--principal", "reader@", "--json").object(),
                "containers").stream().map(x -> x.get("label")).toList());

        ok("cont", "destroy", "tank", "c1", "--principal", "writer@");
        assertTrue(ok("cont", "list", "tank", "--principal", "reader@").out().contains("no containers"));
    }

    @Test
    @Order(4)
    void everyKindOfFailureHasItsExitCode() throws IOException {
        Run noWrite = fails(ExitCodes.PERMISSION, "pool", "set-attr", "tank", "k", "v", "--principal", "reader@");
        assertTrue(noWrite.err().contains("reader@") && noWrite.err().contains("--principal"), noWrite.err());
        fails(ExitCodes.PERMISSION, "cont", "create", "tank", "c2", "--principal", "mallory@");

        Run noPool = fails(ExitCodes.NOT_FOUND, "pool", "query", "nope", "--principal", "admin@");
        assertTrue(noPool.err().contains("'nope'") && noPool.err().contains("vostok pool list"), noPool.err());
        fails(ExitCodes.NOT_FOUND, "cont", "query", "tank", "nope", "--principal", "admin@");
        fails(ExitCodes.NOT_FOUND, "node", "exclude", "9");

        Run badPerms = fails(ExitCodes.USAGE, "pool", "set-acl", "tank", "x@", "rx", "--principal", "admin@");
        assertTrue(badPerms.err().contains("r (read), w (write) and a (admin)"), badPerms.err());
        assertEquals(ExitCodes.USAGE, vostok("pool", "list", "--no-such-option").exit());
        assertEquals(ExitCodes.USAGE, vostok("pool").exit(), "a group without a command is a usage error");
        if (System.getenv("VOSTOK_ADDRESS") == null) {
            Run which = vostok("pool", "list");
            assertEquals(ExitCodes.USAGE, which.exit(), which.toString());
            assertTrue(which.err().contains("--address HOST:PORT"), which.err());
        }

        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        Run down = vostok("pool", "list", "--address", "127.0.0.1:" + closed, "--timeout", "2");
        assertEquals(ExitCodes.UNREACHABLE, down.exit(), down.toString());
        assertTrue(down.err().contains("cannot reach the system at 127.0.0.1:" + closed), down.err());
        assertTrue(down.err().contains("connection refused"), down.err());
        assertFalse(down.err().contains("\tat "), down.err());

        Run other = vostok("pool", "list", "--address", address, "--cluster", "another", "--timeout", "2");
        assertEquals(ExitCodes.USAGE, other.exit(), other.toString());
        assertTrue(other.err().contains("--cluster"), other.err());
    }

    @Test
    @Order(5)
    void theNodesMetricsCountTheRequestsAndShowTheReplicas() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long poolLists = 0;
        int leaders = 0;
        int leaderCounts = 0;
        int localReadCounts = 0;
        boolean noperm = false;
        for (MetricsServer m : metrics) {
            String text = http.send(HttpRequest.newBuilder(URI.create("http://" + m.address() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            for (String line : text.split("\n")) {
                if (line.startsWith("vostok_requests_total{class=\"mgmt\",code=\"ok\",method=\"mgmt.pool_list\"}")) {
                    poolLists += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
                if (line.startsWith("vostok_replica_role{class=\"mgmt\",service_id=\"1\",vostok_replica_role=\"leader\"}")
                        && line.endsWith(" 1")) {
                    leaders++;
                }
                if (line.startsWith("vostok_replica_lease_reads_local_total{class=\"mgmt\",service_id=\"1\"}")) {
                    localReadCounts++;
                }
                if (line.startsWith("vostok_replica_leader_changes_total{class=\"mgmt\",service_id=\"1\"}")) {
                    assertTrue(Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)) >= 1,
                            "every replica of the management service knows a leader: " + line);
                    leaderCounts++;
                }
            }
            assertTrue(text.contains("vostok_requests_total{class=\"node\",code=\"ok\",method=\"node.status\"}"),
                    "status asked every node");
            assertTrue(text.contains("vostok_request_duration_seconds_bucket{class=\"node\",method=\"node.status\","),
                    "latencies");
            noperm |= text.contains("code=\"noperm\"");
            assertTrue(text.contains("vostok_replica_pool_free_bytes{class=\"mgmt\",service_id=\"1\"}"), text);
            assertTrue(text.contains("vostok_replica_commit_index{class=\"pool\""), "the pool's replica too");
            assertTrue(text.contains("vostok_replica_incoming_snapshot_bytes{"), text);
            assertTrue(text.contains("jvm_memory_used_bytes"), "JVM metrics");
            assertTrue(text.contains("vostok_replica_persist_seconds_bucket{class=\"mgmt\""), "write latencies");
            assertTrue(text.contains("vostok_replica_persist_entries_bucket{class=\"pool\""), "entries per batch");
            if (text.contains("vostok_replica_role{class=\"mgmt\",service_id=\"1\",vostok_replica_role=\"leader\"} 1")) {
                assertTrue(text.contains("vostok_replica_commit_seconds_bucket{class=\"mgmt\""),
                        "the management leader's commit latencies");
                long lags = text.lines().filter(line -> line.startsWith(
                        "vostok_replica_follower_lag_entries{class=\"mgmt\",follower_node=")).count();
                assertEquals(metrics.size() - 1, lags, "the management leader's lag of each other node: " + text);
            }
        }
        assertTrue(poolLists >= 2, "pool list ran at least twice: " + poolLists);
        assertEquals(1, leaders, "one node leads the management service");
        assertEquals(metrics.size(), leaderCounts, "every node counts its management replica's leader changes");
        assertEquals(metrics.size(), localReadCounts, "every node counts its management replica's lease reads"
                + " taken off the replica's thread");
        assertTrue(noperm, "the refused calls are counted by their code");

        // Every node's management replica scrubs its pool in the background: its passes are
        // counted once one ends after the metrics were started, and the sound pools show no damage.
        String passes = "vostok_scrub_passes_total{class=\"mgmt\",service_id=\"1\"}";
        long deadline = System.nanoTime() + METRIC_WAIT_MILLIS * 1_000_000L;
        for (MetricsServer m : metrics) {
            String text = "";
            while (!text.contains(passes)) {
                assertTrue(System.nanoTime() - deadline < 0, () -> "no scrub pass counted on " + m.address()
                        + " after " + METRIC_WAIT_MILLIS + " ms");
                Thread.sleep(50);
                text = http.send(HttpRequest.newBuilder(URI.create("http://" + m.address() + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
            }
            assertFalse(text.contains("vostok_scrub_damage_total{"), "a sound pool's scrub counted damage: " + text);
        }
    }

    /** How long a metric that some background work produces is waited for (generous: a loaded machine). */
    private static final long METRIC_WAIT_MILLIS = 120_000;

    @Test
    @Order(6)
    void aPoolIsDestroyedAndAStoppedNodeIsShownDown() {
        ok("pool", "destroy", "tank");
        assertTrue(list(ok("pool", "list", "--json").object(), "pools").isEmpty());
        fails(ExitCodes.NOT_FOUND, "pool", "destroy", "tank");

        system.stop(3);
        Map<String, Object> s = ok("status", "--json", "--node-timeout", "2").object();
        Map<String, Object> three = list(s, "nodes").stream().filter(n -> n.get("node_id").equals(3)).findFirst()
                .orElseThrow();
        assertEquals(false, three.get("up"), three.toString());
        assertEquals("stopped", three.get("state"), "it told the management service it stopped");
        assertNotNull(three.get("error"));
        assertTrue(ok("status", "--node-timeout", "2").out().contains("DOWN (cannot connect to " + system.address(3)),
                "the text says why it is down");
    }
}
