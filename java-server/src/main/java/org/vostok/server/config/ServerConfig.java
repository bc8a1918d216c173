package org.vostok.server.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.vostok.client.net.HostPort;
import org.vostok.rdb.RdbConfig;
import org.vostok.rsvc.RsvcHostConfig;
import org.vostok.server.daemon.NodeDaemon;
import org.vostok.vos.PoolBackend;

/**
 * One node's configuration as {@code vostok server --config FILE} reads it ({@link ConfigFile}),
 * every value checked. The example in {@code conf/vostok.yml} documents each setting.
 *
 * @param clusterId the system's name: nodes and clients of another cluster are refused
 * @param nodeId this node's id, 1 .. 4294967295, unique in the system and never reused
 * @param listen where the node listens for other nodes and clients (one port for both)
 * @param advertise where the others reach it: the advertise setting, else its address among
 *     the peers, else the listen address (which must then not be a wildcard)
 * @param dataDirectory where its service replicas keep their pools (absolute)
 * @param backend the pool backend setting (AUTO resolved at start by {@link BackendChoice})
 * @param poolBytes the size of each service replica's pool
 * @param mgmtNodes the management service's founding nodes (an odd number)
 * @param peers the bootstrap peers' addresses by node id (may include this node)
 * @param metricsListen where the Prometheus metrics are served, if at all
 * @param logging the daemon's log
 * @param tuning the Raft and request-handling knobs
 * @param locations where each setting was written ("file:line"), for later errors
 */
public record ServerConfig(String clusterId, long nodeId, HostPort listen, HostPort advertise, Path dataDirectory,
                           Backend backend, long poolBytes, List<Long> mgmtNodes, Map<Long, HostPort> peers,
                           Optional<HostPort> metricsListen, Logging logging, Tuning tuning,
                           Map<String, String> locations) {

    /** The smallest replica pool (RsvcHostConfig's floor). */
    public static final long POOL_BYTES_MIN = 64L << 20;

    public ServerConfig {
        Objects.requireNonNull(clusterId, "clusterId");
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(advertise, "advertise");
        Objects.requireNonNull(dataDirectory, "dataDirectory");
        Objects.requireNonNull(backend, "backend");
        mgmtNodes = List.copyOf(mgmtNodes);
        peers = Map.copyOf(peers);
        Objects.requireNonNull(metricsListen, "metricsListen");
        Objects.requireNonNull(logging, "logging");
        Objects.requireNonNull(tuning, "tuning");
        locations = Map.copyOf(locations);
    }

    /** The {@code backend} setting. */
    public enum Backend {
        /** PMDK pools on a DAX mount. */
        PMEM,
        /** DRAM heap and write-ahead log pools, for NVMe/SSD. */
        WAL,
        /** PMEM when the data directory is on a DAX mount, WAL otherwise. */
        AUTO
    }

    /**
     * The daemon's log.
     *
     * @param level error, warn, info, debug or trace
     * @param file the log file; empty: standard error (the journal, under systemd)
     * @param rotateBytes a file is rotated when it grows past this
     * @param rotateFiles rotated files kept (the oldest is deleted)
     */
    public record Logging(String level, Optional<Path> file, long rotateBytes, int rotateFiles) {
        public Logging {
            Objects.requireNonNull(level, "level");
            Objects.requireNonNull(file, "file");
        }
    }

    /**
     * The main knobs.
     *
     * @param tickMillis the Raft tick: time in the Raft core counts in ticks
     * @param electionTimeoutMillis a follower that hears no leader this long stands for election
     * @param leaseReads reads confirmed by the leader's lease rather than a heartbeat round
     * @param handlerThreads threads that run service handlers
     */
    public record Tuning(int tickMillis, int electionTimeoutMillis, boolean leaseReads, int handlerThreads,
                         long scrubBytesPerSecond) {
        public static final Tuning DEFAULTS = new Tuning(50, 1_000, true, 32,
                RdbConfig.SCRUB_BYTES_PER_SECOND_DEFAULT);

        public int electionTimeoutTicks() {
            return electionTimeoutMillis / tickMillis;
        }
    }

    /** Where {@code setting} was written ("file:line"), or "" when it was not. */
    public String where(String setting) {
        return locations.getOrDefault(setting, "");
    }

    /** The replicas' rdb settings: the defaults with the tuning applied. */
    public RdbConfig rdb() {
        return RdbConfig.builder().tickMillis(tuning.tickMillis()).electionTimeoutTicks(tuning.electionTimeoutTicks())
                .leaseReads(tuning.leaseReads()).scrubBytesPerSecond(tuning.scrubBytesPerSecond()).build();
    }

    /** The node's host settings, with the backend chosen for its new replicas. */
    public RsvcHostConfig hostConfig(PoolBackend chosen) {
        return RsvcHostConfig.builder(nodeId, clusterId, listen, dataDirectory).backend(chosen).poolBytes(poolBytes)
                .rdb(rdb()).peers(peers).handlerThreads(tuning.handlerThreads()).build();
    }

    /** What {@link NodeDaemon#start} takes. */
    public NodeDaemon.Settings daemonSettings(PoolBackend chosen) {
        return new NodeDaemon.Settings(hostConfig(chosen), advertise, mgmtNodes);
    }
}
