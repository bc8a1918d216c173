package org.vostok.rsvc.net;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vostok.client.ErrorCode;
import org.vostok.client.net.Connector;
import org.vostok.client.net.HostPort;
import org.vostok.client.net.NettyIo;
import org.vostok.client.wire.FrameDecoder;

/**
 * A node's one listening port: client requests and Raft traffic between replicas arrive on the
 * same socket ({@link ServerConnection} tells them apart after the handshake). One pipeline per
 * connection, assembled here: the frame decoder (bounded frames, checked) and the connection
 * handler.
 */
public final class NodeServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NodeServer.class);

    private final String clusterId;
    private final long nodeId;
    private final int payloadBytesMax;
    private final int requestsPerConnectionMax;
    private final CallHandler callHandler;
    private final RaftRouter raftRouter;
    private final ChannelGroup connections = new DefaultChannelGroup("node-connections", GlobalEventExecutor.INSTANCE);
    private final RateLimitedLog badFrameLog = new RateLimitedLog(LOG, 5_000);
    private final AtomicLong badFrames = new AtomicLong();
    private final AtomicLong refusedHandshakes = new AtomicLong();
    private Channel listener;

    public NodeServer(String clusterId, long nodeId, int payloadBytesMax, int requestsPerConnectionMax,
                      CallHandler callHandler, RaftRouter raftRouter) {
        this.clusterId = Objects.requireNonNull(clusterId, "clusterId");
        this.nodeId = nodeId;
        this.payloadBytesMax = payloadBytesMax;
        this.requestsPerConnectionMax = requestsPerConnectionMax;
        this.callHandler = Objects.requireNonNull(callHandler, "callHandler");
        this.raftRouter = Objects.requireNonNull(raftRouter, "raftRouter");
    }

    /** Binds {@code address} (port 0 for any free port) and accepts connections on {@code group}. */
    public HostPort bind(HostPort address, EventLoopGroup group) {
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(NettyIo.serverChannel())
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(Connector.WRITE_BUFFER_LOW_BYTES, Connector.WRITE_BUFFER_HIGH_BYTES))
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast("frames", new FrameDecoder(payloadBytesMax));
                        ch.pipeline().addLast("connection", new ServerConnection(NodeServer.this));
                    }
                });
        try {
            listener = b.bind(address.toSocketAddress()).sync().channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while binding " + address, e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot listen on " + address + ": " + e.getMessage()
                    + " (is another process using the port, or is the address not this host's?)", e);
        }
        InetSocketAddress bound = (InetSocketAddress) listener.localAddress();
        HostPort actual = new HostPort(address.host(), bound.getPort());
        LOG.info("node {} of cluster '{}' listens on {}", nodeId, clusterId, actual);
        return actual;
    }

    public String clusterId() {
        return clusterId;
    }

    public long nodeId() {
        return nodeId;
    }

    int requestsPerConnectionMax() {
        return requestsPerConnectionMax;
    }

    CallHandler callHandler() {
        return callHandler;
    }

    RaftRouter raftRouter() {
        return raftRouter;
    }

    void connectionOpened(Channel ch) {
        connections.add(ch);
    }

    void connectionClosed(Channel ch) {
        connections.remove(ch);
    }

    /** Hears about every answered request (metrics); set before the node takes requests. */
    public interface AnswerListener {
        void answered(ServerCall call, int errorCode, long nanos);
    }

    private volatile AnswerListener answerListener = (c, e, n) -> { };

    public void answerListener(AnswerListener l) {
        this.answerListener = Objects.requireNonNull(l, "listener");
    }

    void observe(ServerCall call, int errorCode, long nanos) {
        try {
            answerListener.answered(call, errorCode, nanos);
        } catch (RuntimeException e) {
            LOG.warn("a request observer failed", e);
        }
    }

    void badFrame(String peer, String why) {
        badFrames.incrementAndGet();
        badFrameLog.warn("closing the connection from {}: {}", peer, why);
    }

    void refusedHandshake(ErrorCode code) {
        refusedHandshakes.incrementAndGet();
    }

    /** Connections closed because of bad bytes, since the start. */
    public long badFrames() {
        return badFrames.get();
    }

    public long refusedHandshakes() {
        return refusedHandshakes.get();
    }

    /** Connections open now. */
    public int connections() {
        return connections.size();
    }

    /** Stops accepting and closes every connection. */
    @Override
    public void close() {
        if (listener != null) {
            listener.close().syncUninterruptibly();
        }
        connections.close().awaitUninterruptibly();
    }
}
