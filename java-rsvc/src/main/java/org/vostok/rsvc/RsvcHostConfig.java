package org.vostok.rsvc;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.vostok.client.net.HostPort;
import org.vostok.client.wire.FrameCodec;
import org.vostok.rdb.RdbConfig;
import org.vostok.vos.PoolBackend;

/**
 * One node's settings: who it is, where it listens, where and how its replicas keep their
 * databases, where the other nodes are, and the limits of its network and request handling.
 * Every limit has a unit in its name and a default; {@link #validate()} checks them.
 *
 * @param nodeId this node's id, 1 .. 2^32-1 (a replica's rank is its node's id)
 * @param clusterId the cluster's name: nodes and clients of another cluster are refused
 * @param listen the address to listen on (port 0: any free port)
 * @param dataDirectory where the node keeps its replicas (one directory each)
 * @param backend the pool backend of new replicas: PMEM (PMDK, on a DAX mount) or WAL
 * @param poolBytes the size of each new replica's pool
 * @param rdb the replicas' rdb settings
 * @param peers the other nodes' addresses, by node id
 * @param ioThreads Netty event loops
 * @param handlerThreads threads that run service handlers
 * @param handlerQueueMax handler tasks queued at most; beyond, requests are answered BUSY
 * @param requestsPerConnectionMax requests served at once per connection; beyond, BUSY
 * @param requestsPendingMax requests in progress per service at most; beyond, BUSY
 * @param payloadBytesMax the largest frame payload taken
 * @param connectTimeoutMillis how long opening a connection to another node may take
 * @param reconnectBackoffBaseMillis the first pause before reconnecting to a node after a failure
 * @param reconnectBackoffMaxMillis the longest such pause
 */
public record RsvcHostConfig(long nodeId, String clusterId, HostPort listen, Path dataDirectory, PoolBackend backend,
                             long poolBytes, RdbConfig rdb, Map<Long, HostPort> peers, int ioThreads,
                             int handlerThreads, int handlerQueueMax, int requestsPerConnectionMax,
                             int requestsPendingMax, int payloadBytesMax, long connectTimeoutMillis,
                             long reconnectBackoffBaseMillis, long reconnectBackoffMaxMillis) {

    public RsvcHostConfig {
        Objects.requireNonNull(clusterId, "clusterId");
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(dataDirectory, "dataDirectory");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(rdb, "rdb");
        peers = Map.copyOf(peers);
    }

    /** Checks every setting; {@link IllegalArgumentException} naming the setting, the value and the fix. */
    public RsvcHostConfig validate() {
        require(nodeId > 0 && nodeId <= 0xFFFF_FFFFL, "nodeId must be 1 .. 4294967295, got " + nodeId);
        require(!clusterId.isBlank(), "clusterId must not be blank");
        require(poolBytes >= (64L << 20), "poolBytes must be at least 64 MiB, got " + poolBytes);
        require(ioThreads > 0, "ioThreads must be above 0, got " + ioThreads);
        require(handlerThreads > 0, "handlerThreads must be above 0, got " + handlerThreads);
        require(handlerQueueMax > 0, "handlerQueueMax must be above 0, got " + handlerQueueMax);
        require(requestsPerConnectionMax > 0, "requestsPerConnectionMax must be above 0, got "
                + requestsPerConnectionMax);
        require(requestsPendingMax > 0, "requestsPendingMax must be above 0, got " + requestsPendingMax);
        require(payloadBytesMax >= (1 << 20), "payloadBytesMax must be at least 1 MiB (Raft messages and snapshot"
                + " chunks travel in frames), got " + payloadBytesMax);
        require(payloadBytesMax > rdb.messageBytesMax() + rdb.entryBytesMax(), "payloadBytesMax ("
                + payloadBytesMax + ") must be above rdb's messageBytesMax + entryBytesMax ("
                + (rdb.messageBytesMax() + rdb.entryBytesMax()) + "), or Raft messages would not fit in a frame");
        require(connectTimeoutMillis > 0, "connectTimeoutMillis must be above 0, got " + connectTimeoutMillis);
        require(reconnectBackoffBaseMillis > 0 && reconnectBackoffMaxMillis >= reconnectBackoffBaseMillis,
                "the reconnect back-off must be above 0 with its max at least its base, got "
                        + reconnectBackoffBaseMillis + " .. " + reconnectBackoffMaxMillis + " ms");
        require(!peers.containsKey(nodeId) || peers.get(nodeId).port() == listen.port() || listen.port() == 0,
                "peers lists this node (" + nodeId + ") at " + peers.get(nodeId) + " but it listens on " + listen);
        rdb.validate();
        return this;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    public static Builder builder(long nodeId, String clusterId, HostPort listen, Path dataDirectory) {
        return new Builder(nodeId, clusterId, listen, dataDirectory);
    }

    public static final class Builder {
        private final long nodeId;
        private final String clusterId;
        private final HostPort listen;
        private final Path dataDirectory;
        private PoolBackend backend = PoolBackend.WAL;
        private long poolBytes = 256L << 20;
        private RdbConfig rdb = RdbConfig.defaults();
        private final Map<Long, HostPort> peers = new TreeMap<>();
        private int ioThreads = 2;
        private int handlerThreads = 32;
        private int handlerQueueMax = 16_384;
        private int requestsPerConnectionMax = 4_096;
        private int requestsPendingMax = 4_096;
        private int payloadBytesMax = FrameCodec.PAYLOAD_BYTES_MAX_DEFAULT;
        private long connectTimeoutMillis = 2_000;
        private long reconnectBackoffBaseMillis = 20;
        private long reconnectBackoffMaxMillis = 1_000;

        private Builder(long nodeId, String clusterId, HostPort listen, Path dataDirectory) {
            this.nodeId = nodeId;
            this.clusterId = clusterId;
            this.listen = listen;
            this.dataDirectory = dataDirectory;
        }

        public Builder backend(PoolBackend v) { backend = v; return this; }
        public Builder poolBytes(long v) { poolBytes = v; return this; }
        public Builder rdb(RdbConfig v) { rdb = v; return this; }
        public Builder peer(long id, HostPort address) { peers.put(id, address); return this; }
        public Builder peers(Map<Long, HostPort> v) { peers.putAll(v); return this; }
        public Builder ioThreads(int v) { ioThreads = v; return this; }
        public Builder handlerThreads(int v) { handlerThreads = v; return this; }
        public Builder handlerQueueMax(int v) { handlerQueueMax = v; return this; }
        public Builder requestsPerConnectionMax(int v) { requestsPerConnectionMax = v; return this; }
        public Builder requestsPendingMax(int v) { requestsPendingMax = v; return this; }
        public Builder payloadBytesMax(int v) { payloadBytesMax = v; return this; }
        public Builder connectTimeoutMillis(long v) { connectTimeoutMillis = v; return this; }
        public Builder reconnectBackoffMillis(long base, long max) {
            reconnectBackoffBaseMillis = base;
            reconnectBackoffMaxMillis = max;
            return this;
        }

        public RsvcHostConfig build() {
            return new RsvcHostConfig(nodeId, clusterId, listen, dataDirectory, backend, poolBytes, rdb, peers,
                    ioThreads, handlerThreads, handlerQueueMax, requestsPerConnectionMax, requestsPendingMax,
                    payloadBytesMax, connectTimeoutMillis, reconnectBackoffBaseMillis, reconnectBackoffMaxMillis)
                    .validate();
        }
    }
}
