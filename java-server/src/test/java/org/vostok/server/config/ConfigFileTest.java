package org.vostok.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vostok.client.net.HostPort;
import org.vostok.rdb.RdbConfig;
import org.vostok.rsvc.RsvcHostConfig;
import org.vostok.server.daemon.NodeDaemon;
import org.vostok.vos.PoolBackend;

/**
 * The node's configuration file: a good file gives the settings NodeDaemon starts with, and
 * every setting wrong in turn (missing, malformed, out of range, inconsistent, unknown) is
 * refused with an error that names the setting, the value, the line and the fix.
 */
class ConfigFileTest {

    @TempDir
    Path dir;

    /** A good file: node 2 of three, every setting given. */
    static final String GOOD = """
            cluster: prod-1
            node_id: 2
            listen: 0.0.0.0:7100
            advertise: 10.0.0.2:7100
            data_dir: data
            backend: wal
            pool_size: 1GiB
            mgmt_nodes: [1, 2, 3]
            peers:
              1: 10.0.0.1:7100
              2: 10.0.0.2:7100
              3: 10.0.0.3:7100
            metrics:
              listen: 127.0.0.1:9464
            logging:
              level: debug
              file: log/vostok.log
              rotate_size: 16MiB
              rotate_count: 5
            tuning:
              tick: 20ms
              election_timeout: 600ms
              lease_reads: true
              handler_threads: 8
              scrub_rate: 1MiB
            """;

    private ServerConfig parse(String text) {
        return ConfigFile.parse(text, "vostok.yml", dir);
    }

    private ConfigException refused(String text) {
        return assertThrows(ConfigException.class, () -> parse(text));
    }

    /** GOOD with the line that starts with {@code prefix} replaced by {@code line} (or removed when empty). */
    static String with(String prefix, String line) {
        StringBuilder b = new StringBuilder();
        boolean found = false;
        for (String l : GOOD.split("\n")) {
            if (!found && l.startsWith(prefix)) {
                found = true;
                if (!line.isEmpty()) {
                    b.append(line).append('\n');
                }
            } else {
                b.append(l).append('\n');
            }
        }
        if (!found) {
            throw new AssertionError("no line starts with '" + prefix + "'");
        }
        return b.toString();
    }

    @Test
    void aGoodFileGivesTheSettingsTheDaemonStartsWith() {
        ServerConfig c = parse(GOOD);
        NodeDaemon.Settings s = c.daemonSettings(PoolBackend.WAL);

        RdbConfig rdb = RdbConfig.builder().tickMillis(20).electionTimeoutTicks(30).leaseReads(true)
                .scrubBytesPerSecond(1L << 20).randomSeed(s.host().rdb().randomSeed()).build();
        RsvcHostConfig host = RsvcHostConfig.builder(2, "prod-1", new HostPort("0.0.0.0", 7100), dir.resolve("data"))
                .backend(PoolBackend.WAL).poolBytes(1L << 30).rdb(rdb).handlerThreads(8)
                .peer(1, new HostPort("10.0.0.1", 7100)).peer(2, new HostPort("10.0.0.2", 7100))
                .peer(3, new HostPort("10.0.0.3", 7100)).build();
        assertEquals(new NodeDaemon.Settings(host, new HostPort("10.0.0.2", 7100), List.of(1L, 2L, 3L)), s);

        assertEquals(ServerConfig.Backend.WAL, c.backend());
        assertEquals(Optional.of(new HostPort("127.0.0.1", 9464)), c.metricsListen());
        assertEquals(new ServerConfig.Logging("debug", Optional.of(dir.resolve("log/vostok.log")), 16L << 20, 5),
                c.logging());
        assertEquals("vostok.yml:5", c.where("data_dir"));
    }

    @Test
    void defaultsFillWhatIsLeftOutAndTheAdvertisedAddressComesFromThePeers() {
        ServerConfig c = parse("""
                cluster: vostok
                node_id: 1
                listen: 0.0.0.0:7100
                data_dir: /var/lib/vostok
                mgmt_nodes: [1]
                peers:
                  1: node1.example:7100
                """);
        assertEquals(new HostPort("node1.example", 7100), c.advertise());
        assertEquals(ServerConfig.Backend.AUTO, c.backend());
        assertEquals(256L << 20, c.poolBytes());
        assertEquals(Optional.empty(), c.metricsListen());
        assertEquals(new ServerConfig.Logging("info", Optional.empty(), 64L << 20, 10), c.logging());
        assertEquals(ServerConfig.Tuning.DEFAULTS, c.tuning());
        assertEquals(RdbConfig.defaults().electionTimeoutTicks(), c.rdb().electionTimeoutTicks());
        assertEquals(RdbConfig.defaults().tickMillis(), c.rdb().tickMillis());

        ServerConfig alone = parse("cluster: c\nnode_id: 7\nlisten: 127.0.0.1:7000\ndata_dir: d\nmgmt_nodes: 7\n");
        assertEquals(new HostPort("127.0.0.1", 7000), alone.advertise(), "a specific listen address is advertised");
        assertEquals(List.of(7L), alone.mgmtNodes());
        assertEquals(Map.of(), alone.peers());
    }

    /** Each case: the line changed, the setting the error must name, and words it must contain. */
    static Stream<Arguments> wrongSettings() {
        return Stream.of(
                Arguments.of(with("cluster:", "cluster: 'two words'"), "cluster", "letters, digits"),
                Arguments.of(with("node_id:", "node_id: 0"), "node_id", "from 1 to 4294967295"),
                Arguments.of(with("node_id:", "node_id: two"), "node_id", "not a whole number"),
                Arguments.of(with("node_id:", "node_id: 4294967296"), "node_id", "out of range"),
                Arguments.of(with("listen:", "listen: 7100"), "listen", "HOST:PORT"),
                Arguments.of(with("listen:", "listen: 0.0.0.0:70000"), "listen", "HOST:PORT"),
                Arguments.of(with("listen:", "listen: 0.0.0.0:0"), "listen", "port 0"),
                Arguments.of(with("advertise:", "advertise: 0.0.0.0:7100"), "advertise", "wildcard"),
                Arguments.of(with("advertise:", "advertise: [1, 2]"), "advertise", "a list where one value"),
                Arguments.of(with("backend:", "backend: nvme"), "backend", "pmem (a DAX mount), wal"),
                Arguments.of(with("pool_size:", "pool_size: 1GB"), "pool_size", "e.g. 1GiB"),
                Arguments.of(with("pool_size:", "pool_size: lots"), "pool_size", "KiB, MiB, GiB or TiB"),
                Arguments.of(with("pool_size:", "pool_size: 32MiB"), "pool_size", "64MiB or more"),
                Arguments.of(with("mgmt_nodes:", "mgmt_nodes: [1, 2]"), "mgmt_nodes", "1, 3 or 5"),
                Arguments.of(with("mgmt_nodes:", "mgmt_nodes: [1, 2, 4]"), "mgmt_nodes", "'4: HOST:PORT' under peers"),
                Arguments.of(with("mgmt_nodes:", "mgmt_nodes: [1, 1, 2]"), "mgmt_nodes", "listed twice"),
                Arguments.of(with("mgmt_nodes:", "mgmt_nodes: [1, x, 3]"), "mgmt_nodes", "not a node id"),
                Arguments.of(with("mgmt_nodes:", "mgmt_nodes: []"), "mgmt_nodes", "is empty"),
                Arguments.of(GOOD.replace("peers:\n  1: 10.0.0.1:7100\n  2: 10.0.0.2:7100\n  3: 10.0.0.3:7100\n",
                        "peers: [10.0.0.1:7100]\n"), "peers", "not a mapping of node ids"),
                Arguments.of(with("  1:", "  one: 10.0.0.1:7100"), "peers", "not a node id"),
                Arguments.of(with("  3:", "  3: 10.0.0.3"), "peers.3", "HOST:PORT"),
                Arguments.of(with("  3:", "  3: 0.0.0.0:7100"), "peers.3", "can be reached at"),
                Arguments.of(with("  2:", "  2: 10.0.0.2:7200"), "peers.2", "Make the two ports the same"),
                Arguments.of(with("  listen: 127", "  listen: 127.0.0.1:7100"), "metrics.listen", "node's own port"),
                Arguments.of(with("  listen: 127", "  listen: here"), "metrics.listen", "HOST:PORT"),
                Arguments.of(with("  level:", "  level: loud"), "logging.level", "error, warn, info, debug, trace"),
                Arguments.of(with("  file:", "  file: ."), "logging.file", "is a directory"),
                Arguments.of(with("  rotate_size:", "  rotate_size: 1KiB"), "logging.rotate_size", "64KiB or more"),
                Arguments.of(with("  rotate_count:", "  rotate_count: 0"), "logging.rotate_count", "from 1 to 20"),
                Arguments.of(with("  rotate_count:", "  rotate_count: 50"), "logging.rotate_count", "from 1 to 20"),
                Arguments.of(with("  tick:", "  tick: 20"), "tuning.tick", "ms, s or m"),
                Arguments.of(with("  tick:", "  tick: 2s"), "tuning.tick", "from 1ms to 1s"),
                Arguments.of(with("  election_timeout:", "  election_timeout: 610ms"), "tuning.election_timeout",
                        "multiple of the tick"),
                Arguments.of(with("  election_timeout:", "  election_timeout: 60ms"), "tuning.election_timeout",
                        "from 100ms"),
                Arguments.of(with("  lease_reads:", "  lease_reads: yes"), "tuning.lease_reads", "true or false"),
                Arguments.of(with("  handler_threads:", "  handler_threads: 0"), "tuning.handler_threads",
                        "from 1 to 1024"),
                Arguments.of(with("  scrub_rate:", "  scrub_rate: fast"), "tuning.scrub_rate", "is not a size"),
                Arguments.of(GOOD.substring(0, GOOD.indexOf("tuning:")) + "tuning: fast\n", "tuning",
                        "not a mapping of settings"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("wrongSettings")
    void everyWrongSettingIsRefusedByName(String text, String setting, String words) throws IOException {
        Files.writeString(dir.resolve("log"), "");
        Files.createDirectories(dir.resolve("log.d"));
        ConfigException e = refused(text);
        assertEquals(setting, e.setting(), e.getMessage());
        assertTrue(e.getMessage().contains(words), e.getMessage());
        assertTrue(e.getMessage().startsWith("vostok.yml:"), "the line is named: " + e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requiredSettings")
    void aMissingSettingIsNamedWithAnExample(String key, String example) {
        ConfigException e = refused(with(key + ":", ""));
        assertEquals(key, e.setting());
        assertTrue(e.getMessage().contains("is missing"), e.getMessage());
        assertTrue(e.getMessage().contains(example), e.getMessage());
    }

    static Stream<Arguments> requiredSettings() {
        return Stream.of(Arguments.of("cluster", "cluster: vostok"), Arguments.of("node_id", "node_id: 1"),
                Arguments.of("listen", "listen: 0.0.0.0:7100"), Arguments.of("data_dir", "data_dir: /var/lib/vostok"),
                Arguments.of("mgmt_nodes", "mgmt_nodes: [1, 2, 3]"));
    }

    @Test
    void unknownKeysAreRefusedWithTheNearestKnownOne() {
        ConfigException top = refused(with("pool_size:", "pool_sise: 1GiB"));
        assertEquals("pool_sise", top.setting());
        assertTrue(top.getMessage().contains("Did you mean 'pool_size'?"), top.getMessage());
        assertEquals("vostok.yml:7: pool_sise is not a setting this version knows. Did you mean 'pool_size'?",
                top.getMessage());

        ConfigException nested = refused(with("  level:", "  lvl: info"));
        assertEquals("logging.lvl", nested.setting());
        assertTrue(nested.getMessage().contains("'level'"), nested.getMessage());

        ConfigException far = refused(GOOD + "colour: blue\n");
        assertTrue(far.getMessage().contains("The settings here are: cluster, node_id"), far.getMessage());

        ConfigException twice = refused(GOOD + "node_id: 3\n");
        assertEquals("node_id", twice.setting());
        assertTrue(twice.getMessage().contains("given twice"), twice.getMessage());
    }

    @Test
    void aWildcardListenAddressNeedsToBeAdvertised() {
        ConfigException e = refused("cluster: c\nnode_id: 1\nlisten: 0.0.0.0:7100\ndata_dir: d\nmgmt_nodes: [1]\n");
        assertEquals("listen", e.setting());
        assertTrue(e.getMessage().contains("Add advertise: HOST:7100"), e.getMessage());
    }

    @Test
    void filesThatAreNotSettingsSayWhereTheyGoWrong() throws IOException {
        ConfigException syntax = refused("cluster: c\nnode_id: [1\n");
        assertTrue(syntax.getMessage().startsWith("vostok.yml:"), syntax.getMessage());
        assertTrue(syntax.getMessage().contains("not valid YAML"), syntax.getMessage());
        assertTrue(refused("").getMessage().contains("holds no settings"));
        assertTrue(refused("- a\n- b\n").getMessage().contains("not a mapping of settings"));

        Path file = dir.resolve("data");
        Files.writeString(file, "");
        ConfigException notDir = refused(with("data_dir:", "data_dir: data"));
        assertEquals("data_dir", notDir.setting());
        assertTrue(notDir.getMessage().contains("is not a directory"), notDir.getMessage());

        ConfigException missing = assertThrows(ConfigException.class, () -> ConfigFile.load(dir.resolve("no.yml")));
        assertEquals("--config", missing.setting());
        assertTrue(missing.getMessage().contains("no such file"), missing.getMessage());
    }

    @Test
    void theShippedExampleIsAGoodFile() {
        ServerConfig c = ConfigFile.load(Path.of("src/main/dist/conf/vostok.yml"));
        assertEquals("vostok", c.clusterId());
        assertEquals(1, c.nodeId());
        assertEquals(new HostPort("10.0.0.1", 7100), c.advertise());
        assertEquals(List.of(1L, 2L, 3L), c.mgmtNodes());
        assertEquals(Path.of("/var/lib/vostok"), c.dataDirectory());
        assertEquals(Optional.of(Path.of("/var/log/vostok/vostok.log")), c.logging().file());
        assertEquals(ServerConfig.Tuning.DEFAULTS, c.tuning(), "the example shows the defaults");
    }

    @Test
    void autoChoosesPmemOnlyOnADaxMountAndPmemElsewhereIsRefused() {
        Mounts mounts = Mounts.parse("""
                /dev/vda1 / ext4 rw,relatime 0 0
                /dev/pmem0 /mnt/pmem ext4 rw,relatime,dax 0 0
                /dev/pmem1 /mnt/pm\\040two xfs rw,dax=always 0 0
                /dev/pmem2 /mnt/inode xfs rw,dax=inode 0 0
                tmpfs /mnt/pmem/tmp tmpfs rw 0 0
                """);
        assertEquals("/mnt/pm two", mounts.mounts().get(2).mountPoint().toString(), "\\040 is a space");
        assertEquals(PoolBackend.PMEM, choose("auto", "/mnt/pmem/vostok", mounts).backend());
        assertEquals(PoolBackend.PMEM, choose("auto", "/mnt/pm two/vostok", mounts).backend());
        assertEquals(PoolBackend.WAL, choose("auto", "/mnt/inode/vostok", mounts).backend());
        assertEquals(PoolBackend.WAL, choose("auto", "/mnt/pmem/tmp/v", mounts).backend(),
                "the deepest mount holds the directory");
        BackendChoice wal = choose("auto", "/var/lib/vostok", mounts);
        assertEquals(PoolBackend.WAL, wal.backend());
        assertTrue(wal.reason().contains("auto chose wal, as /var/lib/vostok is on / (ext4 on /dev/vda1, without the"
                + " dax option)"), wal.reason());
        assertEquals(PoolBackend.PMEM, choose("pmem", "/mnt/pmem/v", mounts).backend());
        assertEquals(PoolBackend.WAL, choose("wal", "/mnt/pmem/v", mounts).backend());

        ConfigException e = assertThrows(ConfigException.class, () -> choose("pmem", "/var/lib/vostok", mounts));
        assertEquals("backend", e.setting());
        assertTrue(e.getMessage().contains("Mount the persistent memory with -o dax"), e.getMessage());
        assertFalse(Mounts.read(Mounts.PROC_MOUNTS).mounts().isEmpty(), "this machine's mounts are read");
    }

    private BackendChoice choose(String backend, String dataDir, Mounts mounts) {
        return BackendChoice.choose(parse(with("backend:", "backend: " + backend)
                .replace("data_dir: data", "data_dir: '" + dataDir + "'")), mounts);
    }

    @Test
    void sizesAndDurationsAreReadWithTheirUnits() {
        assertEquals(256L << 20, ByteSize.parse("256MiB").orElseThrow());
        assertEquals(1L << 30, ByteSize.parse("1 GiB").orElseThrow());
        assertEquals(4096, ByteSize.parse("4096").orElseThrow());
        assertTrue(ByteSize.parse("1.5GiB").isEmpty());
        assertTrue(ByteSize.parse("99999999999999TiB").isEmpty(), "an overflow is not a size");
        assertEquals("1 GiB", ByteSize.format(1L << 30));
        assertEquals(1_500, Durations.parseMillis("1500ms").orElseThrow());
        assertEquals(120_000, Durations.parseMillis("2m").orElseThrow());
        assertTrue(Durations.parseMillis("1h").isEmpty());
    }
}
