package org.vostok.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.schema.JsonSchema;

/**
 * The distribution as an administrator meets it: the tarball that {@code ./mvnw package} made is
 * unpacked in a temporary directory, three nodes are started from it with its launcher and the
 * example configuration adapted to loopback ports and temporary data directories, and the
 * command line is run against them ({@code vostok status}, {@code vostok pool create}). A node
 * stopped with SIGTERM exits cleanly (143, "stopped cleanly" in its log) and comes back from its
 * data directory with the same command; a bad configuration stops a node with exit code 78.
 *
 * <p>Every process started here is ended by its PID on every path (SIGTERM, then SIGKILL after a
 * minute). The process harness of test-support is not on main yet, so the little process
 * handling needed is here.
 */
class DistributionIT {

    private static final String CLUSTER = "vostok";
    private static final long WAIT_SECONDS = 180;

    @TempDir
    Path dir;

    private Path home;
    private final Map<Integer, Node> nodes = new TreeMap<>();

    /** A node process started from the distribution, with its ports and files. */
    private record Node(int id, Process process, int port, int metricsPort, Path log, Path output) {
    }

    /** What a command printed and returned. */
    private record Run(int exit, String out, String err) {
        @SuppressWarnings("unchecked")
        Map<String, Object> json() {
            return (Map<String, Object>) new Load(LoadSettings.builder().setSchema(new JsonSchema()).build())
                    .loadFromString(out);
        }

        @Override
        public String toString() {
            return "exit " + exit + "\nout: " + out + "\nerr: " + err;
        }
    }

    @AfterEach
    void endEveryProcess() throws InterruptedException {
        for (Node n : nodes.values()) {
            end(n.process());
        }
    }

    private static void end(Process p) throws InterruptedException {
        if (p.isAlive()) {
            p.destroy();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(60, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void threeNodesFromTheTarballServeTheCommandLineAndStopCleanly() throws Exception {
        unpack();
        String example = Files.readString(home.resolve("conf/vostok.yml"));
        int[] ports = freePorts(6);
        for (int id = 1; id <= 3; id++) {
            Path config = dir.resolve("node" + id + ".yml");
            Files.writeString(config, adapt(example, id, ports));
            nodes.put(id, start(id, config, ports[id - 1], ports[id + 2]));
        }
        String address = "127.0.0.1:" + ports[0];

        Map<String, Object> status = await(() -> vostok("status", "--json", "--address", address, "--timeout", "5"),
                r -> r.exit() == 0 && allUp(r.json(), 3) && hasLeader(r.json(), "mgmt"));
        assertEquals(CLUSTER, status.get("cluster"));

        Run created = vostok("pool", "create", "tank", "--json", "--address", "127.0.0.1:" + ports[1]);
        assertEquals(0, created.exit(), created.toString());
        assertEquals("tank", created.json().get("label"));
        assertEquals(3, ((List<?>) created.json().get("replica_nodes")).size());

        Run text = vostok("status", "--address", address);
        assertEquals(0, text.exit(), text.toString());
        assertTrue(text.out().startsWith("3 nodes, 3 up"), text.out());
        assertEquals(3, count(text.out(), "pool tank"), "each node holds a replica of the pool: " + text.out());
        assertTrue(text.out().contains("version 0.1.0"), "the version is in the jars' manifests: " + text.out());

        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + ports[3] + "/metrics")).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers
                .ofString()).body();
        assertTrue(metrics.contains("vostok_replica_term{class=\"pool\""), metrics);
        assertTrue(metrics.contains("vostok_node_info{cluster=\"vostok\",node_id=\"1\""), metrics);

        // SIGTERM: a clean stop, then a restart from the data directory with the same command.
        Node three = nodes.get(3);
        stopCleanly(three);
        nodes.put(3, start(3, dir.resolve("node3.yml"), three.port(), three.metricsPort()));
        await(() -> vostok("status", "--json", "--address", address, "--timeout", "5"),
                r -> r.exit() == 0 && allUp(r.json(), 3) && hasLeader(r.json(), "pool tank")
                        && incarnation(r.json(), 3) == 2);
        String log3 = Files.readString(three.log());
        assertTrue(log3.contains("backend: auto chose wal"), "the log says which backend auto chose");
        assertTrue(log3.contains("node 3 joined the system"), log3);

        for (Node n : nodes.values()) {
            stopCleanly(n);
        }
    }

    @Test
    void aBadSettingStopsTheNodeAtStartWithExitCode78() throws Exception {
        unpack();
        String example = Files.readString(home.resolve("conf/vostok.yml"));
        Path config = dir.resolve("bad.yml");
        Files.writeString(config, replace(adapt(example, 1, freePorts(6)), "(?m)^pool_size: 64MiB$", "pool_size: 1GB"));
        Run r = run(List.of(home.resolve("bin/vostok").toString(), "server", "--config", config.toString()));
        assertEquals(78, r.exit(), r.toString());
        assertTrue(r.err().contains("bad.yml:") && r.err().contains("pool_size: '1GB' is not a size. Write it with a"
                + " binary unit, e.g. 1GiB"), r.err());
    }

    private void unpack() throws Exception {
        Path archive = Path.of(System.getProperty("vostok.dist.archive", "target/vostok-"
                + System.getProperty("vostok.version", "0.1.0-SNAPSHOT") + ".tar.gz"));
        assertTrue(Files.isRegularFile(archive), "the package phase made " + archive);
        Run tar = run(List.of("tar", "xzf", archive.toString(), "-C", dir.toString()));
        assertEquals(0, tar.exit(), tar.toString());
        String name = archive.getFileName().toString();
        home = dir.resolve(name.substring(0, name.length() - ".tar.gz".length()));
        assertTrue(Files.isExecutable(home.resolve("bin/vostok")));
        assertTrue(Files.isRegularFile(home.resolve("lib/native/libvostok-vos.so")));
        try (var jars = Files.list(home.resolve("lib"))) {
            assertTrue(jars.anyMatch(p -> p.getFileName().toString().startsWith("vostok-server-")));
        }
        String unit = Files.readString(home.resolve("systemd/vostok.service"));
        for (String line : List.of("KillSignal=SIGTERM", "Restart=on-failure", "TimeoutStopSec=90",
                "SuccessExitStatus=143", "RestartPreventExitStatus=78")) {
            assertTrue(unit.contains("\n" + line + "\n"), "the unit has " + line);
        }
    }

    /** The example configuration as node {@code id} of a loopback system in {@link #dir}. */
    private String adapt(String example, int id, int[] ports) {
        String c = example;
        c = replace(c, "(?m)^node_id: 1$", "node_id: " + id);
        c = replace(c, "(?m)^listen: 0\\.0\\.0\\.0:7100$", "listen: 127.0.0.1:" + ports[id - 1]);
        c = replace(c, "(?m)^data_dir: /var/lib/vostok$", "data_dir: " + dir.resolve("data" + id));
        c = replace(c, "(?m)^pool_size: 256MiB$", "pool_size: 64MiB");
        for (int peer = 1; peer <= 3; peer++) {
            c = replace(c, "(?m)^  " + peer + ": 10\\.0\\.0\\." + peer + ":7100$", "  " + peer + ": 127.0.0.1:"
                    + ports[peer - 1]);
        }
        c = replace(c, "(?m)^  listen: 0\\.0\\.0\\.0:9464$", "  listen: 127.0.0.1:" + ports[id + 2]);
        c = replace(c, "(?m)^  file: /var/log/vostok/vostok\\.log$", "  file: " + dir.resolve("node" + id + ".log"));
        return c;
    }

    private static String replace(String text, String regex, String replacement) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), "the example configuration has a line matching " + regex);
        return m.replaceFirst(Matcher.quoteReplacement(replacement));
    }

    private Node start(int id, Path config, int port, int metricsPort) throws IOException {
        Path output = dir.resolve("node" + id + ".out");
        ProcessBuilder b = new ProcessBuilder(home.resolve("bin/vostok").toString(), "server", "--config",
                config.toString()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(
                output.toFile()));
        environment(b);
        b.environment().put("VOSTOK_JAVA_OPTS", "-Xmx256m -XX:+UseSerialGC");
        return new Node(id, b.start(), port, metricsPort, dir.resolve("node" + id + ".log"), output);
    }

    private void environment(ProcessBuilder b) {
        b.environment().put("JAVA_HOME", System.getProperty("java.home"));
        b.environment().put("VOSTOK_CLUSTER", CLUSTER);
        b.environment().remove("VOSTOK_ADDRESS");
        b.environment().remove("VOSTOK_JAVA_OPTS");
        b.environment().remove("VOSTOK_DEBUG");
    }

    private void stopCleanly(Node n) throws Exception {
        n.process().destroy(); // SIGTERM
        assertTrue(n.process().waitFor(WAIT_SECONDS, TimeUnit.SECONDS), "node " + n.id() + " stops on SIGTERM");
        assertEquals(143, n.process().exitValue(), "node " + n.id() + " exits as the JVM does after SIGTERM; output: "
                + Files.readString(n.output()));
        String log = Files.readString(n.log());
        assertTrue(log.contains("node " + n.id() + " stopped cleanly in "), log);
    }

    private Run vostok(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(home.resolve("bin/vostok").toString()));
        command.addAll(List.of(args));
        return run(command);
    }

    private Run run(List<String> command) throws Exception {
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        ProcessBuilder b = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        environment(b);
        Process p = b.start();
        try {
            assertTrue(p.waitFor(WAIT_SECONDS, TimeUnit.SECONDS), "finished: " + command);
        } finally {
            end(p);
        }
        return new Run(p.exitValue(), Files.readString(out, UTF_8), Files.readString(err, UTF_8));
    }

    /** Runs {@code command} until {@code done} holds (bounded); its last JSON output. */
    private Map<String, Object> await(Command command, Predicate<Run> done) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        Run last = null;
        while (System.nanoTime() < deadline) {
            last = command.run();
            if (done.test(last)) {
                return last.json();
            }
            Thread.sleep(500);
        }
        throw new AssertionError("not reached in " + WAIT_SECONDS + " s; last: " + last + "\nnode outputs: "
                + outputs());
    }

    private String outputs() throws IOException {
        StringBuilder b = new StringBuilder();
        for (Node n : nodes.values()) {
            b.append("\n--- node ").append(n.id()).append(": ").append(Files.readString(n.output()));
        }
        return b.toString();
    }

    @FunctionalInterface
    private interface Command {
        Run run() throws Exception;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Object o) {
        return (List<Map<String, Object>>) o;
    }

    private static boolean allUp(Map<String, Object> status, int n) {
        List<Map<String, Object>> nodes = list(status.get("nodes"));
        return nodes.size() == n && nodes.stream().allMatch(x -> Boolean.TRUE.equals(x.get("up")));
    }

    private static boolean hasLeader(Map<String, Object> status, String name) {
        return list(status.get("nodes")).stream().flatMap(n -> list(n.get("replicas")).stream())
                .anyMatch(r -> name.equals(r.get("name")) && "leader".equals(r.get("role")));
    }

    private static long incarnation(Map<String, Object> status, int node) {
        return list(status.get("nodes")).stream().filter(n -> ((Number) n.get("node_id")).intValue() == node)
                .map(n -> ((Number) n.get("incarnation")).longValue()).findFirst().orElse(0L);
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    private static int[] freePorts(int n) throws IOException {
        int[] ports = new int[n];
        List<ServerSocket> open = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0);
                open.add(s);
                ports[i] = s.getLocalPort();
            }
        } finally {
            for (ServerSocket s : open) {
                s.close();
            }
        }
        return ports;
    }
}
