package org.vostok.rsvc.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.net.ConnectException;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vostok.client.net.Connector;
import org.vostok.client.net.FrameOutbox;
import org.vostok.client.net.HostPort;
import org.vostok.client.proto.Hello;
import org.vostok.client.proto.PeerKind;
import org.vostok.client.wire.FrameCodec;
import org.vostok.client.wire.FrameType;
import org.vostok.raft.Message;
import org.vostok.rdb.transport.MessageCodec;

/**
 * A node's outgoing connections to the other nodes, one per peer, shared by every Raft group
 * the two nodes have in common. A message for a peer whose connection is being opened waits for
 * it (at most {@link #PENDING_FRAMES_MAX} frames and {@link #PENDING_BYTES_MAX} bytes; dropped if
 * the connection fails): followers have no connection to each other until an election needs
 * one, and a pre-vote dropped there cost the election a retry after the connection was up. A
 * message for a peer without a connection and in back-off after a failure (or whose connection
 * is full: not writable) is dropped, as Raft allows, and the connection is opened again, no
 * sooner than a back-off after a failure.
 *
 * <p>Fast failover: when an established connection closes, the link probes the peer at once:
 * it reconnects, and if that is refused (nothing listens at the peer's address: its process is
 * gone, and with it any lease it held), the {@link Listener} hears that the node is gone; the
 * host then tells its replicas that follow a leader on that node to stop waiting for it. A
 * probe whose connection is accepted and then closed before the handshake (something in
 * between accepted for a dead peer) is repeated a few times, quickly, until it is refused or
 * answered. A connection that closes while the peer still accepts and answers changes
 * nothing.
 *
 * <p>Messages are encoded straight into a pooled buffer from the connection's allocator: no
 * intermediate array.
 */
public final class PeerLinks implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PeerLinks.class);

    /** Hears about peers whose process is gone. */
    @FunctionalInterface
    public interface Listener {
        void nodeGone(long nodeId);
    }

    private final Connector connector;
    private final NodeDirectory directory;
    private final String clusterId;
    private final long selfNodeId;
    private final Listener listener;
    private final long backoffBaseNanos;
    private final long backoffMaxNanos;
    /** Probes after a connection closed, at most, before the link goes back to its plain back-off. */
    private static final int PROBES_MAX = 6;
    private static final long PROBE_PAUSE_MILLIS = 10;
    /** Frames held for a connection being opened, at most: a few rounds of an election. */
    private static final int PENDING_FRAMES_MAX = 64;
    private static final long PENDING_BYTES_MAX = 1L << 20;

    private final Map<Long, Link> links = new ConcurrentHashMap<>();
    private final io.netty.channel.EventLoopGroup timer;
    private final SplittableRandom random = new SplittableRandom();
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean closed;

    public PeerLinks(Connector connector, io.netty.channel.EventLoopGroup timer, NodeDirectory directory,
                     String clusterId, Listener listener, long reconnectBackoffBaseMillis,
                     long reconnectBackoffMaxMillis) {
        this.connector = connector;
        this.timer = timer;
        this.directory = directory;
        this.clusterId = clusterId;
        this.selfNodeId = directory.selfNodeId();
        this.listener = listener;
        this.backoffBaseNanos = reconnectBackoffBaseMillis * 1_000_000L;
        this.backoffMaxNanos = reconnectBackoffMaxMillis * 1_000_000L;
    }

    private final class Link {
        final long nodeId;
        volatile Channel channel;
        /** The frames on their way to {@link #channel}; set with it. */
        volatile FrameOutbox outbox;
        boolean connecting;
        int failures;
        long retryAtNanos;
        /** An established connection closed: probes are looking whether the peer's process is gone. */
        int probesLeft;
        /** Frames waiting for the connection being opened, in the order sent; guarded by the link. */
        final ArrayDeque<ByteBuf> pending = new ArrayDeque<>();
        long pendingBytes;

        Link(long nodeId) {
            this.nodeId = nodeId;
        }
    }

    /** Sends {@code m} for service {@code serviceId} to node {@code nodeId}; never blocks, may drop it. */
    public void send(long nodeId, long serviceId, Message m) {
        if (closed) {
            return;
        }
        Link link = links.computeIfAbsent(nodeId, Link::new);
        FrameOutbox out = link.outbox;
        if (out == null || !out.channel().isActive()) {
            connectIfDue(link, false);
            holdOrDrop(link, serviceId, m);
            return;
        }
        if (!out.isWritable()) {
            dropped.incrementAndGet();
            return;
        }
        // The messages of one Ready for this peer leave in one write.
        out.send(frame(out.channel().alloc(), serviceId, m));
    }

    private static ByteBuf frame(ByteBufAllocator alloc, long serviceId, Message m) {
        int size = MessageCodec.encodedBytes(m);
        return FrameCodec.frame(alloc, FrameType.RAFT, 0, serviceId, size, buf -> MessageCodec.encode(m, buf));
    }

    /** A message for a peer without a connection: held while one is being opened, else dropped. */
    private void holdOrDrop(Link link, long serviceId, Message m) {
        synchronized (link) {
            FrameOutbox out = link.outbox;
            if (out != null && out.channel().isActive()) {
                out.send(frame(out.channel().alloc(), serviceId, m)); // connected meanwhile
                return;
            }
            if (link.connecting && !closed && link.pending.size() < PENDING_FRAMES_MAX
                    && link.pendingBytes < PENDING_BYTES_MAX) {
                ByteBuf f = frame(ByteBufAllocator.DEFAULT, serviceId, m);
                link.pending.add(f);
                link.pendingBytes += f.readableBytes();
                return;
            }
        }
        dropped.incrementAndGet();
    }

    /** Releases the frames held for a connection that did not open. Under the link's lock. */
    private void dropPending(Link link) {
        for (ByteBuf f; (f = link.pending.poll()) != null; ) {
            f.release();
            dropped.incrementAndGet();
        }
        link.pendingBytes = 0;
    }

    /** Messages dropped because no connection could take them, since the start. */
    public long dropped() {
        return dropped.get();
    }

    private void connectIfDue(Link link, boolean probe) {
        Optional<HostPort> address = directory.address(link.nodeId);
        synchronized (link) {
            if (closed || link.connecting || (link.channel != null && link.channel.isActive())) {
                return;
            }
            if (!probe && System.nanoTime() - link.retryAtNanos < 0) {
                return;
            }
            if (address.isEmpty()) {
                link.retryAtNanos = System.nanoTime() + backoffMaxNanos;
                LOG.warn("node {}: no address is known for node {}; its Raft messages are dropped", selfNodeId,
                        link.nodeId);
                return;
            }
            link.connecting = true;
        }
        Hello hello = Hello.newBuilder()
                .setVersionMin(FrameCodec.VERSION_MIN)
                .setVersionMax(FrameCodec.VERSION_MAX)
                .setClusterId(clusterId)
                .setPeerKind(PeerKind.PEER_KIND_NODE)
                .setNodeId(selfNodeId)
                .setExpectedNodeId(link.nodeId)
                .setName("node-" + selfNodeId)
                .build();
        connector.connect(address.get(), hello, () -> new LinkHandler(link)).whenComplete((h, error) -> {
            boolean gone = false;
            boolean probeAgain = false;
            synchronized (link) {
                link.connecting = false;
                if (error != null) {
                    dropPending(link);
                    link.failures++;
                    long ceiling = Math.min(backoffMaxNanos, backoffBaseNanos << Math.min(link.failures - 1, 20));
                    link.retryAtNanos = System.nanoTime() + ceiling / 2 + random.nextLong(ceiling / 2 + 1);
                    if (link.probesLeft > 0) {
                        if (refused(error)) {
                            gone = true;
                            link.probesLeft = 0;
                        } else {
                            probeAgain = --link.probesLeft > 0;
                        }
                    }
                } else {
                    link.failures = 0;
                    link.probesLeft = 0;
                    if (closed || !h.channel().isActive()) {
                        dropPending(link);
                        if (closed) {
                            h.channel().close();
                        }
                    } else {
                        // The held frames go first, before the outbox is published for send().
                        FrameOutbox outbox = new FrameOutbox(h.channel());
                        for (ByteBuf f; (f = link.pending.poll()) != null; ) {
                            outbox.send(f);
                        }
                        link.pendingBytes = 0;
                        link.channel = h.channel();
                        link.outbox = outbox;
                    }
                }
            }
            if (error != null) {
                LOG.debug("node {}: cannot connect to node {}: {}", selfNodeId, link.nodeId, error.getMessage());
            } else {
                LOG.info("node {}: connected to node {} at {}", selfNodeId, link.nodeId, address.get());
            }
            if (gone && !closed) {
                LOG.info("node {}: node {} refuses connections after its connection closed: its process is gone",
                        selfNodeId, link.nodeId);
                listener.nodeGone(link.nodeId);
            } else if (probeAgain && !closed) {
                try {
                    timer.schedule(() -> connectIfDue(link, true), PROBE_PAUSE_MILLIS,
                            java.util.concurrent.TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    // stopping
                }
            }
        });
    }

    private static boolean refused(Throwable error) {
        for (Throwable c = error; c != null; c = c.getCause()) {
            if (c instanceof ConnectException && String.valueOf(c.getMessage()).toLowerCase().contains("refused")) {
                return true;
            }
        }
        return false;
    }

    private final class LinkHandler extends ChannelInboundHandlerAdapter {
        private final Link link;

        LinkHandler(Link link) {
            this.link = link;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            // Nothing is sent back on a Raft link; the peer's own link carries its answers.
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            synchronized (link) {
                if (link.channel == ctx.channel()) {
                    link.channel = null;
                    link.outbox = null;
                }
            }
            LOG.info("node {}: the connection to node {} closed", selfNodeId, link.nodeId);
            if (!closed) {
                synchronized (link) {
                    link.probesLeft = PROBES_MAX;
                }
                connectIfDue(link, true);
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("node {}: the connection to node {} failed: {}", selfNodeId, link.nodeId, cause.toString());
            ctx.close();
        }
    }

    /** Closes every connection; messages sent afterwards are dropped. */
    @Override
    public void close() {
        closed = true;
        for (Link link : links.values()) {
            synchronized (link) {
                dropPending(link);
            }
            Channel ch = link.channel;
            if (ch != null) {
                ch.close().syncUninterruptibly();
            }
        }
    }
}
