package org.vostok.client;

import io.netty.channel.EventLoopGroup;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.vostok.client.net.ConnectionPool;
import org.vostok.client.net.HostPort;
import org.vostok.client.net.Connector;
import org.vostok.client.net.NettyIo;
import org.vostok.client.proto.Hello;
import org.vostok.client.proto.PeerKind;
import org.vostok.client.wire.FrameCodec;

/**
 * The entry point of the client library: one per application (or per cluster it talks to).
 * It holds the connections (one per node, shared by every service and call), the client id
 * that makes updates exactly-once, and a {@link ServiceClient} per service, each finding that
 * service's leader by itself. Thread-safe; {@link #close()} fails what is outstanding with
 * {@link ErrorCode#CLOSED} and ends the client's threads.
 *
 * <pre>{@code
 * try (VostokClient client = VostokClient.builder("my-cluster")
 *         .replicas("10.0.0.1:7070", "10.0.0.2:7070", "10.0.0.3:7070").build()) {
 *     RegisterClient register = RegisterClient.of(client, 100);
 *     register.write("greeting", "hello".getBytes(UTF_8));
 * }
 * }</pre>
 */
public final class VostokClient implements AutoCloseable {

    private final String clusterId;
    private final UUID clientId;
    private final byte[] clientIdBytes;
    private final AtomicLong sequence = new AtomicLong();
    private final EventLoopGroup group;
    private final boolean ownsGroup;
    private final ConnectionPool pool;
    private final ReplicaListSource listSource;
    private final List<ReplicaAddress> seeds;
    private final CallOptions defaults;
    private final Executor callbacks;
    private final Map<Long, ServiceClient> services = new ConcurrentHashMap<>();
    private final Set<Call> calls = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private VostokClient(Builder b) {
        this.clusterId = b.clusterId;
        this.clientId = b.clientId != null ? b.clientId : UUID.randomUUID();
        ByteBuffer id = ByteBuffer.allocate(16);
        id.putLong(clientId.getMostSignificantBits()).putLong(clientId.getLeastSignificantBits());
        this.clientIdBytes = id.array();
        this.seeds = List.copyOf(b.seeds);
        this.listSource = b.listSource != null ? b.listSource : ReplicaListSource.fixed(seeds);
        this.defaults = b.options;
        this.callbacks = b.callbacks != null ? b.callbacks : ForkJoinPool.commonPool();
        this.ownsGroup = b.group == null;
        this.group = b.group != null ? b.group : NettyIo.newGroup(b.ioThreads, "vostok-client");
        Hello hello = Hello.newBuilder()
                .setVersionMin(FrameCodec.VERSION_MIN)
                .setVersionMax(FrameCodec.VERSION_MAX)
                .setClusterId(clusterId)
                .setPeerKind(b.nodeId > 0 ? PeerKind.PEER_KIND_NODE : PeerKind.PEER_KIND_CLIENT)
                .setNodeId(b.nodeId)
                .setName(b.name)
                .build();
        this.pool = new ConnectionPool(new Connector(group, b.payloadBytesMax, b.connectTimeoutMillis), hello,
                b.requestsPerConnectionMax, b.reconnectBackoffBaseMillis, b.reconnectBackoffMaxMillis);
    }

    public static Builder builder(String clusterId) {
        return new Builder(clusterId);
    }

    /** The client for service {@code serviceId}: its leader search is kept across calls. */
    public ServiceClient service(long serviceId) {
        checkOpen();
        return services.computeIfAbsent(serviceId, id -> new ServiceClient(this, id, seeds));
    }

    /** The service client with its own initial candidate list (e.g. from the management service). */
    public ServiceClient service(long serviceId, List<ReplicaAddress> candidates) {
        checkOpen();
        return services.computeIfAbsent(serviceId, id -> new ServiceClient(this, id, candidates));
    }

    /**
     * A client of the node service of the node at {@code address} (service id 0, answered by
     * that node for itself): not cached, and never redirected elsewhere.
     */
    public ServiceClient node(HostPort address) {
        checkOpen();
        return new ServiceClient(this, 0, List.of(new ReplicaAddress(0, address)));
    }

    public String clusterId() {
        return clusterId;
    }

    /** This client's id: with a call's sequence number it makes an update exactly-once. */
    public UUID clientId() {
        return clientId;
    }

    public CallOptions defaultOptions() {
        return defaults;
    }

    byte[] clientIdBytes() {
        return clientIdBytes;
    }

    long nextSequence() {
        return sequence.incrementAndGet();
    }

    ConnectionPool pool() {
        return pool;
    }

    ReplicaListSource listSource() {
        return listSource;
    }

    Executor callbacks() {
        return callbacks;
    }

    EventLoopGroup group() {
        return group;
    }

    boolean register(Call c) {
        calls.add(c);
        if (closed) {
            calls.remove(c);
            return false;
        }
        return true;
    }

    void unregister(Call c) {
        calls.remove(c);
    }

    boolean isClosed() {
        return closed;
    }

    private void checkOpen() {
        if (closed) {
            throw new VostokException(ErrorCode.CLOSED, "the client is closed");
        }
    }

    /**
     * Closes the client: calls in progress fail with {@link ErrorCode#CLOSED} (an update among
     * them may or may not have taken effect), connections close, and the client's threads end.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Call c : new ArrayList<>(calls)) {
            c.cancel(new VostokException(ErrorCode.CLOSED, "the client was closed before the call completed",
                    Optional.empty(), c.isUpdate(), null));
        }
        pool.close();
        if (ownsGroup) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Settings for a client; every one has a default. */
    public static final class Builder {
        private final String clusterId;
        private final List<ReplicaAddress> seeds = new ArrayList<>();
        private ReplicaListSource listSource;
        private CallOptions options = CallOptions.DEFAULTS;
        private Executor callbacks;
        private EventLoopGroup group;
        private UUID clientId;
        private long nodeId;
        private String name = "vostok-client";
        private int ioThreads = 1;
        private int payloadBytesMax = FrameCodec.PAYLOAD_BYTES_MAX_DEFAULT;
        private long connectTimeoutMillis = 2_000;
        private int requestsPerConnectionMax = 4_096;
        private long reconnectBackoffBaseMillis = 20;
        private long reconnectBackoffMaxMillis = 1_000;

        private Builder(String clusterId) {
            this.clusterId = Objects.requireNonNull(clusterId, "clusterId");
            if (clusterId.isBlank()) {
                throw new IllegalArgumentException("the cluster id must not be blank");
            }
        }

        /** The candidate replicas ("host:port"), for every service unless told otherwise. */
        public Builder replicas(String... hostPorts) {
            for (String s : hostPorts) {
                seeds.add(ReplicaAddress.of(s));
            }
            return this;
        }

        public Builder replicas(List<ReplicaAddress> replicas) {
            seeds.addAll(replicas);
            return this;
        }

        /** Where a fresh candidate list comes from when a service's list runs empty (default: the seeds). */
        public Builder listSource(ReplicaListSource source) {
            this.listSource = Objects.requireNonNull(source, "source");
            return this;
        }

        public Builder callOptions(CallOptions options) {
            this.options = Objects.requireNonNull(options, "options");
            return this;
        }

        /** Where call futures complete (default: the common fork-join pool, never a network thread). */
        public Builder callbackExecutor(Executor executor) {
            this.callbacks = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** Shares an event loop group (a node's own, say); the client then does not shut it down. */
        public Builder eventLoopGroup(EventLoopGroup group) {
            this.group = Objects.requireNonNull(group, "group");
            return this;
        }

        public Builder clientId(UUID id) {
            this.clientId = Objects.requireNonNull(id, "id");
            return this;
        }

        /** For a node calling other nodes: its node id, said in the handshake. */
        public Builder nodeId(long id) {
            this.nodeId = id;
            return this;
        }

        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        public Builder ioThreads(int n) {
            this.ioThreads = positive(n, "ioThreads");
            return this;
        }

        public Builder payloadBytesMax(int n) {
            this.payloadBytesMax = positive(n, "payloadBytesMax");
            return this;
        }

        public Builder connectTimeoutMillis(long ms) {
            this.connectTimeoutMillis = positive(ms, "connectTimeoutMillis");
            return this;
        }

        /** Requests waiting on one connection at most; beyond, calls are refused with BUSY. */
        public Builder requestsPerConnectionMax(int n) {
            this.requestsPerConnectionMax = positive(n, "requestsPerConnectionMax");
            return this;
        }

        public Builder reconnectBackoffMillis(long base, long max) {
            this.reconnectBackoffBaseMillis = positive(base, "reconnect back-off base");
            this.reconnectBackoffMaxMillis = positive(max, "reconnect back-off max");
            if (max < base) {
                throw new IllegalArgumentException("the reconnect back-off max " + max + " ms is below its base "
                        + base + " ms");
            }
            return this;
        }

        private static int positive(int v, String what) {
            if (v <= 0) {
                throw new IllegalArgumentException(what + " must be above 0, got " + v);
            }
            return v;
        }

        private static long positive(long v, String what) {
            if (v <= 0) {
                throw new IllegalArgumentException(what + " must be above 0, got " + v);
            }
            return v;
        }

        public VostokClient build() {
            return new VostokClient(this);
        }
    }
}
