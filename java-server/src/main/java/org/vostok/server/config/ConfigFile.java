package org.vostok.server.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.vostok.client.net.HostPort;
import org.vostok.server.config.ServerConfig.Backend;
import org.vostok.server.config.ServerConfig.Logging;
import org.vostok.server.config.ServerConfig.Tuning;

/**
 * Reads a node's YAML configuration file into a checked {@link ServerConfig}. The file is
 * parsed by SnakeYAML Engine into a node tree (so every error can name its line), then each
 * setting is read and checked here: a missing or wrong setting, or one this version does not
 * know, is a {@link ConfigException} naming the setting, the value, the problem and the fix.
 * The first error found stops the reading; nothing is started before the whole file is good.
 */
public final class ConfigFile {

    /** The largest configuration file read: a node's settings fit in a few kilobytes. */
    static final int FILE_BYTES_MAX = 1 << 20;
    static final long NODE_ID_MAX = 0xFFFF_FFFFL;
    static final long ROTATE_BYTES_MIN = 64L << 10;
    static final long ROTATE_BYTES_DEFAULT = 64L << 20;
    static final int ROTATE_FILES_DEFAULT = 10;
    /** Logback's fixed-window rotation keeps at most 20 files. */
    static final int ROTATE_FILES_MAX = 20;
    static final long POOL_BYTES_DEFAULT = 256L << 20;
    static final int TICK_MILLIS_MAX = 1_000;
    static final int ELECTION_TIMEOUT_TICKS_MIN = 5;
    static final int ELECTION_TIMEOUT_MILLIS_MAX = 60_000;
    static final int HANDLER_THREADS_MAX = 1_024;

    private static final List<String> TOP_KEYS = List.of("cluster", "node_id", "listen", "advertise", "data_dir",
            "backend", "pool_size", "mgmt_nodes", "peers", "metrics", "logging", "tuning");
    private static final List<String> METRICS_KEYS = List.of("listen");
    private static final List<String> LOGGING_KEYS = List.of("level", "file", "rotate_size", "rotate_count");
    private static final List<String> TUNING_KEYS = List.of("tick", "election_timeout", "lease_reads",
            "handler_threads", "scrub_rate");
    private static final List<String> LEVELS = List.of("error", "warn", "info", "debug", "trace");
    private static final Pattern CLUSTER_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final String name;
    private final Path base;
    private final Map<String, String> locations = new HashMap<>();

    private ConfigFile(String name, Path base) {
        this.name = name;
        this.base = base;
    }

    /** Reads and checks {@code file}; relative paths in it are taken from the file's directory. */
    public static ServerConfig load(Path file) {
        Path absolute = file.toAbsolutePath().normalize();
        String text;
        try {
            if (Files.size(absolute) > FILE_BYTES_MAX) {
                throw new ConfigException("", "--config", file.toString(), "is larger than "
                        + ByteSize.format(FILE_BYTES_MAX), "give the path of the node's YAML configuration file");
            }
            text = Files.readString(absolute, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("", "--config", file.toString(), "cannot be read (" + describe(e) + ")",
                    "give the path of the node's YAML configuration file, e.g. --config /etc/vostok/vostok.yml");
        }
        return parse(text, absolute.getFileName().toString(), absolute.getParent());
    }

    /** Reads and checks {@code text}, named {@code name} in errors; relative paths are taken from {@code base}. */
    public static ServerConfig parse(String text, String name, Path base) {
        return new ConfigFile(name, base.toAbsolutePath().normalize()).read(text);
    }

    private static String describe(IOException e) {
        return e instanceof java.nio.file.NoSuchFileException ? "no such file"
                : e instanceof java.nio.file.AccessDeniedException ? "permission denied" : e.toString();
    }

    // ----------------------------------------------------------------------------------------
    // The settings

    private ServerConfig read(String text) {
        Section top = new Section("", topMapping(text), TOP_KEYS);

        String cluster = top.required("cluster", "cluster: vostok");
        if (!CLUSTER_NAME.matcher(cluster).matches()) {
            throw top.wrong("cluster", "is not a cluster name", "use 1 to 64 letters, digits, '.', '_' or '-'"
                    + " (e.g. vostok); every node and client of the system uses the same");
        }
        long nodeId = top.nodeId("node_id", top.required("node_id", "node_id: 1"));
        HostPort listen = top.address("listen", top.required("listen", "listen: 0.0.0.0:7100"), true);
        Optional<HostPort> advertise = top.optional("advertise").map(v -> top.address("advertise", v, false));
        Path dataDirectory = top.path("data_dir", top.required("data_dir", "data_dir: /var/lib/vostok"));
        if (Files.exists(dataDirectory) && !Files.isDirectory(dataDirectory)) {
            throw top.wrong("data_dir", "is not a directory", "name the directory where the node keeps its pools"
                    + " (it is created if it does not exist)");
        }
        Backend backend = top.optional("backend").map(v -> top.backend(v)).orElse(Backend.AUTO);
        long poolBytes = top.optional("pool_size").map(v -> top.size("pool_size", v, ServerConfig.POOL_BYTES_MIN))
                .orElse(POOL_BYTES_DEFAULT);
        Map<Long, HostPort> peers = top.peers(listen, nodeId);
        List<Long> mgmtNodes = top.mgmtNodes(nodeId, peers);
        HostPort advertised = advertise.orElseGet(() -> {
            HostPort self = peers.get(nodeId);
            if (self != null) {
                return self;
            }
            if (isWildcard(listen.host())) {
                throw top.wrong("listen", "is a wildcard address, and neither advertise nor this node's entry"
                        + " under peers says where the others reach this node", "add advertise: HOST:"
                        + listen.port() + " with an address the other nodes and the clients can reach");
            }
            return listen;
        });

        Optional<HostPort> metrics = top.section("metrics", METRICS_KEYS).map(m -> {
            HostPort a = m.address("listen", m.required("listen", "listen: 0.0.0.0:9464"), true, true);
            if (a.port() != 0 && a.port() == listen.port()) {
                throw m.wrong("listen", "uses the node's own port " + listen.port(), "give the metrics another"
                        + " port, e.g. " + a.host() + ":9464");
            }
            return a;
        });
        Logging logging = top.section("logging", LOGGING_KEYS).map(this::logging)
                .orElse(new Logging("info", Optional.empty(), ROTATE_BYTES_DEFAULT, ROTATE_FILES_DEFAULT));
        Tuning tuning = top.section("tuning", TUNING_KEYS).map(this::tuning).orElse(Tuning.DEFAULTS);

        return new ServerConfig(cluster, nodeId, listen, advertised, dataDirectory, backend, poolBytes, mgmtNodes,
                peers, metrics, logging, tuning, locations);
    }

    private Logging logging(Section s) {
        String level = s.optional("level").map(v -> v.toLowerCase(Locale.ROOT)).orElse("info");
        if (!LEVELS.contains(level)) {
            throw s.wrong("level", "is not a log level", "use one of " + String.join(", ", LEVELS));
        }
        Optional<Path> file = s.optional("file").map(v -> s.path("file", v));
        if (file.isPresent() && Files.isDirectory(file.get())) {
            throw s.wrong("file", "is a directory", "name the log file itself, e.g. " + file.get().resolve("vostok.log"));
        }
        long rotate = s.optional("rotate_size").map(v -> s.size("rotate_size", v, ROTATE_BYTES_MIN))
                .orElse(ROTATE_BYTES_DEFAULT);
        int files = s.optional("rotate_count").map(v -> (int) s.integer("rotate_count", v, 1, ROTATE_FILES_MAX))
                .orElse(ROTATE_FILES_DEFAULT);
        return new Logging(level, file, rotate, files);
    }

    private Tuning tuning(Section s) {
        Tuning d = Tuning.DEFAULTS;
        int tick = s.optional("tick").map(v -> (int) s.millis("tick", v, 1, TICK_MILLIS_MAX)).orElse(d.tickMillis());
        int election = s.optional("election_timeout").map(v -> (int) s.millis("election_timeout", v,
                (long) ELECTION_TIMEOUT_TICKS_MIN * tick, ELECTION_TIMEOUT_MILLIS_MAX))
                .orElse(Math.max(d.electionTimeoutMillis(), ELECTION_TIMEOUT_TICKS_MIN * tick));
        if (election % tick != 0) {
            throw s.wrong("election_timeout", "is not a whole number of ticks (tick: " + Durations.format(tick) + ")",
                    "make it a multiple of the tick, e.g. " + Durations.format((long) (election / tick + 1) * tick));
        }
        boolean lease = s.optional("lease_reads").map(v -> s.bool("lease_reads", v)).orElse(d.leaseReads());
        int handlers = s.optional("handler_threads").map(v -> (int) s.integer("handler_threads", v, 1,
                HANDLER_THREADS_MAX)).orElse(d.handlerThreads());
        long scrub = s.optional("scrub_rate").map(v -> s.size("scrub_rate", v, 0)).orElse(d.scrubBytesPerSecond());
        return new Tuning(tick, election, lease, handlers, scrub);
    }

    // ----------------------------------------------------------------------------------------
    // The YAML tree

    private MappingNode topMapping(String text) {
        LoadSettings settings = LoadSettings.builder().setLabel(name).setAllowDuplicateKeys(false)
                .setMaxAliasesForCollections(10).setCodePointLimit(FILE_BYTES_MAX).build();
        Optional<Node> root;
        try {
            root = new Compose(settings).composeString(text);
        } catch (MarkedYamlEngineException e) {
            String where = e.getProblemMark().map(this::at).orElse(name);
            throw new ConfigException(where, "the file", "", "is not valid YAML: " + e.getProblem(),
                    "fix the syntax there: settings are 'key: value' lines, nested ones indented with spaces");
        } catch (YamlEngineException e) {
            throw new ConfigException(name, "the file", "", "cannot be read as YAML: " + e.getMessage(),
                    "write the settings as 'key: value' lines");
        }
        if (root.isEmpty() || (root.get() instanceof ScalarNode s && s.getValue().isBlank())) {
            throw new ConfigException(name, "the file", "", "holds no settings",
                    "start from the example, conf/vostok.yml of the distribution");
        }
        if (!(root.get() instanceof MappingNode m)) {
            throw new ConfigException(at(root.get()), "the file", "", "is not a mapping of settings",
                    "write the settings as 'key: value' lines, as in conf/vostok.yml");
        }
        return m;
    }

    private String at(Mark m) {
        return name + ":" + (m.getLine() + 1);
    }

    private String at(Node n) {
        return n.getStartMark().map(this::at).orElse(name);
    }

    private static String kind(Node n) {
        return n instanceof MappingNode ? "a mapping" : n instanceof SequenceNode ? "a list" : "a single value";
    }

    /** A mapping of settings at {@code path}: its keys checked against the known ones, duplicates refused. */
    private final class Section {
        private final String path;
        private final Map<String, NodeTuple> entries = new LinkedHashMap<>();

        Section(String path, MappingNode node, List<String> known) {
            this.path = path;
            for (NodeTuple t : node.getValue()) {
                if (!(t.getKeyNode() instanceof ScalarNode k)) {
                    throw new ConfigException(at(t.getKeyNode()), path.isEmpty() ? "a key" : path + " has a key that",
                            "", "is " + kind(t.getKeyNode()), "keys are plain names, as in conf/vostok.yml");
                }
                String key = k.getValue();
                if (!known.contains(key)) {
                    throw new ConfigException(at(k), qualified(key), "", "is not a setting this version knows",
                            Suggestions.forKey(key, known));
                }
                if (entries.put(key, t) != null) {
                    throw new ConfigException(at(k), qualified(key), "", "is given twice", "keep one of them");
                }
                locations.put(qualified(key), at(t.getValueNode()));
            }
        }

        String qualified(String key) {
            return path.isEmpty() ? key : path + "." + key;
        }

        /** A scalar setting's text, or empty when it is absent or left empty. */
        Optional<String> optional(String key) {
            NodeTuple t = entries.get(key);
            if (t == null) {
                return Optional.empty();
            }
            if (!(t.getValueNode() instanceof ScalarNode v)) {
                throw new ConfigException(at(t.getValueNode()), qualified(key), "", "is " + kind(t.getValueNode())
                        + " where one value belongs", "write it as '" + key + ": VALUE'");
            }
            return v.getValue().isBlank() ? Optional.empty() : Optional.of(v.getValue().trim());
        }

        String required(String key, String example) {
            return optional(key).orElseThrow(() -> new ConfigException(entries.containsKey(key)
                    ? at(entries.get(key).getValueNode()) : name, qualified(key), "",
                    entries.containsKey(key) ? "is empty" : "is missing", "add it, e.g. '" + example + "'"));
        }

        Optional<Section> section(String key, List<String> known) {
            NodeTuple t = entries.get(key);
            if (t == null || (t.getValueNode() instanceof ScalarNode s && s.getValue().isBlank())) {
                return Optional.empty();
            }
            if (!(t.getValueNode() instanceof MappingNode m)) {
                throw new ConfigException(at(t.getValueNode()), qualified(key), "", "is " + kind(t.getValueNode())
                        + ", not a mapping of settings", "indent its settings under it: "
                        + String.join(", ", known));
            }
            return Optional.of(new Section(qualified(key), m, known));
        }

        ConfigException wrong(String key, String problem, String fix) {
            return new ConfigException(where(key), qualified(key), optional(key).orElse(""), problem, fix);
        }

        private String where(String key) {
            NodeTuple t = entries.get(key);
            return t == null ? name : at(t.getValueNode());
        }

        long integer(String key, String v, long min, long max) {
            long n;
            try {
                n = Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw wrong(key, "is not a whole number", "write a number from " + min + " to " + max);
            }
            if (n < min || n > max) {
                throw wrong(key, "is out of range", "write a number from " + min + " to " + max);
            }
            return n;
        }

        long nodeId(String key, String v) {
            return integer(key, v, 1, NODE_ID_MAX);
        }

        boolean bool(String key, String v) {
            return switch (v) {
                case "true" -> true;
                case "false" -> false;
                default -> throw wrong(key, "is not true or false", "write true or false");
            };
        }

        long size(String key, String v, long min) {
            OptionalLong n = ByteSize.parse(v);
            if (n.isEmpty()) {
                throw wrong(key, "is not a size", ByteSize.suggestion(v));
            }
            if (n.getAsLong() < min) {
                throw wrong(key, "is below the least of " + ByteSize.format(min), "write " + ByteSize.format(min)
                        .replace(" ", "") + " or more");
            }
            return n.getAsLong();
        }

        long millis(String key, String v, long min, long max) {
            OptionalLong n = Durations.parseMillis(v);
            if (n.isEmpty()) {
                throw wrong(key, "is not a duration", "write a whole number with a unit: ms, s or m (e.g. "
                        + Durations.format(Math.max(min, 50)) + ")");
            }
            if (n.getAsLong() < min || n.getAsLong() > max) {
                throw wrong(key, "is out of range", "write a duration from " + Durations.format(min) + " to "
                        + Durations.format(max));
            }
            return n.getAsLong();
        }

        Path path(String key, String v) {
            try {
                return base.resolve(v).normalize();
            } catch (java.nio.file.InvalidPathException e) {
                throw wrong(key, "is not a path (" + e.getReason() + ")", "write a file system path");
            }
        }

        HostPort address(String key, String v, boolean mayBeWildcard) {
            return address(key, v, mayBeWildcard, false);
        }

        HostPort address(String key, String v, boolean mayBeWildcard, boolean mayBeAnyPort) {
            HostPort a;
            try {
                a = HostPort.parse(v);
            } catch (IllegalArgumentException e) {
                throw wrong(key, "is not an address", "write HOST:PORT, e.g. 10.0.0.1:7100 ([ADDRESS]:PORT for"
                        + " IPv6, in quotes)");
            }
            if (a.port() == 0 && !mayBeAnyPort) {
                throw wrong(key, "has port 0", "give the port the node is reached at, e.g. " + a.host() + ":7100");
            }
            if (!mayBeWildcard && isWildcard(a.host())) {
                throw wrong(key, "is a wildcard address, which no one can connect to", "write an address the other"
                        + " nodes and the clients reach this node at");
            }
            return a;
        }

        Backend backend(String v) {
            try {
                return Backend.valueOf(v.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw wrong("backend", "is not a backend", "use pmem (a DAX mount), wal (NVMe/SSD) or auto (pmem on a"
                        + " DAX mount, wal elsewhere)");
            }
        }

        Map<Long, HostPort> peers(HostPort listen, long nodeId) {
            Map<Long, HostPort> out = new TreeMap<>();
            NodeTuple t = entries.get("peers");
            if (t == null || (t.getValueNode() instanceof ScalarNode blank && blank.getValue().isBlank())) {
                return out;
            }
            if (!(t.getValueNode() instanceof MappingNode m)) {
                throw new ConfigException(at(t.getValueNode()), "peers", "", "is " + kind(t.getValueNode())
                        + ", not a mapping of node ids to addresses", "write one 'NODE_ID: HOST:PORT' line per node,"
                        + " indented under peers");
            }
            for (NodeTuple p : m.getValue()) {
                if (!(p.getKeyNode() instanceof ScalarNode k) || !(p.getValueNode() instanceof ScalarNode a)) {
                    throw new ConfigException(at(p.getKeyNode()), "peers", "", "has an entry that is not"
                            + " 'NODE_ID: HOST:PORT'", "write one 'NODE_ID: HOST:PORT' line per node");
                }
                long id;
                try {
                    id = Long.parseLong(k.getValue().trim());
                } catch (NumberFormatException e) {
                    id = 0;
                }
                if (id < 1 || id > NODE_ID_MAX) {
                    throw new ConfigException(at(k), "peers", k.getValue(), "is not a node id", "key each peer by"
                            + " its node id, a number from 1 to " + NODE_ID_MAX);
                }
                String setting = "peers." + id;
                if (out.containsKey(id)) {
                    throw new ConfigException(at(k), setting, "", "is given twice", "keep one of them");
                }
                HostPort address;
                try {
                    address = HostPort.parse(a.getValue());
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(at(a), setting, a.getValue(), "is not an address", "write HOST:PORT,"
                            + " e.g. 10.0.0.1:7100");
                }
                if (address.port() == 0 || isWildcard(address.host())) {
                    throw new ConfigException(at(a), setting, a.getValue(), "is not an address a node can be reached"
                            + " at", "write the node's own host and its fixed port, e.g. 10.0.0.1:7100");
                }
                if (id == nodeId && address.port() != listen.port()) {
                    throw new ConfigException(at(a), setting, a.getValue(), "names this node at port "
                            + address.port() + ", but it listens on " + listen, "make the two ports the same");
                }
                locations.put(setting, at(a));
                out.put(id, address);
            }
            return out;
        }

        List<Long> mgmtNodes(long nodeId, Map<Long, HostPort> peers) {
            NodeTuple t = entries.get("mgmt_nodes");
            String example = "mgmt_nodes: [1, 2, 3]";
            if (t == null) {
                throw new ConfigException(name, "mgmt_nodes", "", "is missing", "add it, e.g. '" + example + "'"
                        + ": the nodes that found the management service, the same list on every node");
            }
            List<Node> items = new ArrayList<>();
            if (t.getValueNode() instanceof SequenceNode seq) {
                items.addAll(seq.getValue());
            } else if (t.getValueNode() instanceof ScalarNode one && !one.getValue().isBlank()) {
                items.add(one);
            }
            if (items.isEmpty()) {
                throw new ConfigException(at(t.getValueNode()), "mgmt_nodes", "", "is empty", "name 1, 3 or 5"
                        + " nodes, e.g. '" + example + "'");
            }
            List<Long> out = new ArrayList<>();
            for (Node n : items) {
                String text = n instanceof ScalarNode s ? s.getValue().trim() : "";
                long id;
                try {
                    id = Long.parseLong(text);
                } catch (NumberFormatException e) {
                    id = 0;
                }
                if (id < 1 || id > NODE_ID_MAX) {
                    throw new ConfigException(at(n), "mgmt_nodes", text, "is not a node id", "list node ids,"
                            + " numbers from 1 to " + NODE_ID_MAX + ", e.g. '" + example + "'");
                }
                if (out.contains(id)) {
                    throw new ConfigException(at(n), "mgmt_nodes", text, "is listed twice", "list each node once");
                }
                if (id != nodeId && !peers.containsKey(id)) {
                    throw new ConfigException(at(n), "mgmt_nodes", text, "is not this node and has no address under"
                            + " peers", "add '" + id + ": HOST:PORT' under peers");
                }
                out.add(id);
            }
            if (out.size() % 2 == 0) {
                throw new ConfigException(at(t.getValueNode()), "mgmt_nodes", out.toString(), "names an even"
                        + " number of nodes, which tolerates no more failures than one node fewer", "name 1, 3 or 5"
                        + " nodes");
            }
            return out;
        }
    }

    static boolean isWildcard(String host) {
        return host.equals("0.0.0.0") || host.equals("::") || host.equals("*");
    }
}
