package org.vostok.server.daemon;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vostok.server.config.BackendChoice;
import org.vostok.server.config.ByteSize;
import org.vostok.server.config.ConfigException;
import org.vostok.server.config.ConfigFile;
import org.vostok.server.config.Mounts;
import org.vostok.server.config.ServerConfig;
import org.vostok.server.logging.DaemonLogging;
import org.vostok.server.metrics.MetricsServer;
import org.vostok.vos.VosProvider;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vostok server --config FILE}: one node of a Vostok system, as long as the process runs.
 * It reads and checks the whole configuration first (a bad setting stops it with exit code
 * {@value ConfigException#EXIT_CODE} and a message naming the setting), sets up its log, starts
 * the node from its data directory (a restart needs nothing more than the first start did), and
 * serves its metrics. SIGTERM (or Ctrl-C) stops it cleanly: the node tells the management service
 * it stops, each replica that leads hands its leadership over, and the pools are closed.
 */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = {"Run one node of a Vostok system, as its configuration file says (see conf/vostok.yml).",
                "SIGTERM or Ctrl-C stops it cleanly: the replicas it leads hand their leadership over first.",
                "Started again with the same file, it comes back from its data directory."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:--check found the configuration good",
                "1:the node could not start (the message says why: port in use, data directory, native library)",
                "78:the configuration file is missing a setting or has a wrong one (the message names it)",
                "143:stopped by SIGTERM, cleanly (130 for Ctrl-C)"})
public final class ServerCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(ServerCommand.class);
    static final int START_FAILED = 1;

    @Spec
    CommandSpec spec;

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE",
            description = "The node's configuration file (YAML), e.g. /etc/vostok/vostok.yml.")
    Path config;

    @Option(names = "--check", description = "Check the configuration file and the directories it names, print"
            + " what the node would be, and exit.")
    boolean check;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        ServerConfig c;
        BackendChoice backend;
        try {
            c = ConfigFile.load(config);
            backend = BackendChoice.choose(c, mounts());
            prepareDirectories(c);
        } catch (ConfigException e) {
            err.println("vostok server: " + e.getMessage());
            err.flush();
            return ConfigException.EXIT_CODE;
        }
        if (check) {
            spec.commandLine().getOut().println("vostok server: " + config + " is good: " + describe(c, backend));
            return 0;
        }
        try {
            DaemonLogging.configure(c.logging());
        } catch (RuntimeException e) {
            err.println("vostok server: " + e.getMessage());
            return START_FAILED;
        }
        return run(c, backend, err);
    }

    private static Mounts mounts() {
        try {
            return Mounts.read(Mounts.PROC_MOUNTS);
        } catch (UncheckedIOException e) {
            // Not Linux, or /proc not mounted: no DAX mount can be seen, so auto chooses wal.
            return new Mounts(List.of());
        }
    }

    private int run(ServerConfig c, BackendChoice backend, PrintWriter err) throws InterruptedException {
        LOG.info("vostok {} starting {}", version(), describe(c, backend));
        // The hook is there before the node starts: a SIGTERM during start-up (founding the
        // management service may take a while) waits for the start to finish, then stops the
        // node cleanly instead of ending the JVM under it.
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicReference<NodeDaemon> running = new AtomicReference<>();
        AtomicReference<MetricsServer> metricsServer = new AtomicReference<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                started.await(180, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            NodeDaemon d = running.getAndSet(null);
            if (d != null) {
                stop(c.nodeId(), d, metricsServer.get());
            }
            stopped.countDown();
        }, "vostok-shutdown"));
        NodeDaemon daemon;
        try {
            daemon = NodeDaemon.start(c.daemonSettings(backend.backend()), VosProvider.load());
        } catch (RuntimeException e) {
            LOG.error("node {} could not start: {}", c.nodeId(), e.getMessage(), e);
            err.println("vostok server: node " + c.nodeId() + " could not start: " + e.getMessage());
            err.flush();
            started.countDown();
            DaemonLogging.stop();
            return START_FAILED;
        }
        if (c.metricsListen().isPresent()) {
            try {
                metricsServer.set(MetricsServer.start(daemon.host(), c.metricsListen().get()));
            } catch (RuntimeException e) {
                LOG.error("node {} could not start: {}", c.nodeId(), e.getMessage());
                err.println("vostok server: node " + c.nodeId() + " could not start: " + e.getMessage());
                err.flush();
                daemon.close();
                started.countDown();
                DaemonLogging.stop();
                return START_FAILED;
            }
        }
        running.set(daemon);
        started.countDown();
        LOG.info("node {} is running at {}; SIGTERM stops it cleanly", c.nodeId(), daemon.host().address());
        // The process ends when the JVM does: after a signal, once the hook above has stopped the node.
        stopped.await();
        return 0;
    }

    private static void stop(long nodeId, NodeDaemon daemon, MetricsServer metrics) {
        long start = System.nanoTime();
        LOG.info("node {} stopping: the replicas it leads hand their leadership over first", nodeId);
        try {
            if (metrics != null) {
                metrics.close();
            }
            daemon.close();
            LOG.info("node {} stopped cleanly in {} ms", nodeId,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        } catch (RuntimeException e) {
            LOG.error("node {}: stopping failed: {}", nodeId, e.getMessage(), e);
        } finally {
            DaemonLogging.stop();
        }
    }

    /** Creates the data directory and the log file's directory when missing, and checks that both are writable. */
    static void prepareDirectories(ServerConfig c) {
        prepare(c, "data_dir", c.dataDirectory());
        if (c.logging().file().isPresent()) {
            Path parent = c.logging().file().get().toAbsolutePath().getParent();
            if (parent != null) {
                prepare(c, "logging.file", parent);
            }
        }
    }

    private static void prepare(ServerConfig c, String setting, Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new ConfigException(c.where(setting), setting, dir.toString(), "cannot be created (" + e + ")",
                    "create it and let the user that runs vostok write there, e.g. mkdir -p " + dir
                            + " && chown vostok: " + dir);
        }
        if (!Files.isWritable(dir)) {
            throw new ConfigException(c.where(setting), setting, dir.toString(), "is not writable by user "
                    + System.getProperty("user.name"), "let the user that runs vostok write there, e.g. chown vostok: "
                    + dir);
        }
    }

    private static String describe(ServerConfig c, BackendChoice backend) {
        return "node " + c.nodeId() + " of cluster '" + c.clusterId() + "', listening on " + c.listen()
                + " and reached at " + c.advertise() + ", data in " + c.dataDirectory() + ", " + backend.reason()
                + ", replica pools of " + ByteSize.format(c.poolBytes()) + ", management service on nodes "
                + c.mgmtNodes() + (c.metricsListen().map(m -> ", metrics on " + m).orElse(", no metrics"))
                + ", log " + c.logging().file().map(Path::toString).orElse("on stderr") + " at "
                + c.logging().level();
    }

    private static String version() {
        String v = ServerCommand.class.getPackage().getImplementationVersion();
        return v == null ? "(development build)" : v;
    }
}
