package org.vostok.rsvc.net;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vostok.client.ErrorCode;
import org.vostok.client.net.FrameOutbox;
import org.vostok.client.proto.Hello;
import org.vostok.client.proto.HelloReply;
import org.vostok.client.proto.PeerKind;
import org.vostok.client.proto.Request;
import org.vostok.client.wire.Frame;
import org.vostok.client.wire.FrameCodec;
import org.vostok.client.wire.FrameException;
import org.vostok.client.wire.FrameType;
import org.vostok.rdb.model.RdbException;

/**
 * The node's side of one accepted connection: the handshake first (the peer's cluster, protocol
 * versions and, for a node, its id are checked; a refusal is answered and the connection
 * closed), then requests (handed to the {@link CallHandler}) and, from other nodes, Raft
 * traffic (handed to the {@link RaftRouter}).
 *
 * <p>Back-pressure: at most {@code requestsPerConnectionMax} requests are served at once per
 * connection; more are answered BUSY at once. While the socket cannot take more replies (the
 * peer does not read), the node stops reading from it. Bad bytes close this connection alone,
 * with the reason in the log.
 */
final class ServerConnection extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(ServerConnection.class);

    private final NodeServer server;
    private final AtomicInteger serving = new AtomicInteger();
    private boolean open;
    private Hello hello;
    private String remote = "?";
    private FrameOutbox outbox;

    ServerConnection(NodeServer server) {
        this.server = server;
    }

    long selfNodeId() {
        return server.nodeId();
    }

    long peerNodeId() {
        Hello h = hello;
        return h != null && h.getPeerKind() == PeerKind.PEER_KIND_NODE ? h.getNodeId() : 0;
    }

    String describePeer() {
        Hello h = hello;
        if (h == null) {
            return remote;
        }
        return (h.getPeerKind() == PeerKind.PEER_KIND_NODE ? "node " + h.getNodeId() : "client '" + h.getName() + "'")
                + " at " + remote;
    }

    void answered() {
        serving.decrementAndGet();
    }

    void observe(ServerCall call, int errorCode, long nanos) {
        server.observe(call, errorCode, nanos);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        outbox = new FrameOutbox(ctx.channel());
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        remote = String.valueOf(ctx.channel().remoteAddress());
        server.connectionOpened(ctx.channel());
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Frame frame = (Frame) msg;
        try {
            if (!open) {
                handshake(ctx, frame);
                return;
            }
            switch (frame.type()) {
                case REQUEST -> request(ctx, frame);
                case RAFT -> raft(ctx, frame);
                default -> throw new FrameException("a " + frame.type() + " frame is not something a node takes");
            }
        } finally {
            frame.release();
        }
    }

    private void handshake(ChannelHandlerContext ctx, Frame frame) {
        if (frame.type() != FrameType.HELLO) {
            throw new FrameException("the first frame must be HELLO, got " + frame.type());
        }
        Hello h;
        try {
            h = FrameCodec.parse(frame.payload(), Hello.parser());
        } catch (IOException e) {
            throw new FrameException("a malformed HELLO: " + e.getMessage());
        }
        String refusal = null;
        ErrorCode code = null;
        int version = Math.min(h.getVersionMax(), FrameCodec.VERSION_MAX);
        if (h.getVersionMin() > FrameCodec.VERSION_MAX || h.getVersionMax() < FrameCodec.VERSION_MIN
                || h.getVersionMin() > h.getVersionMax()) {
            code = ErrorCode.WRONG_VERSION;
            refusal = "the peer speaks protocol versions " + h.getVersionMin() + ".." + h.getVersionMax()
                    + ", this node " + FrameCodec.VERSION_MIN + ".." + FrameCodec.VERSION_MAX
                    + ": upgrade the older side";
        } else if (!h.getClusterId().equals(server.clusterId())) {
            code = ErrorCode.WRONG_CLUSTER;
            refusal = "this is node " + server.nodeId() + " of cluster '" + server.clusterId() + "', not of cluster '"
                    + h.getClusterId() + "': check the cluster id and the addresses in the caller's configuration";
        } else if (h.getExpectedNodeId() != 0 && h.getExpectedNodeId() != server.nodeId()) {
            code = ErrorCode.WRONG_NODE;
            refusal = "this address is node " + server.nodeId() + ", not node " + h.getExpectedNodeId()
                    + ": the caller's address book is out of date";
        } else if (h.getPeerKind() == PeerKind.PEER_KIND_NODE && (h.getNodeId() <= 0 || h.getNodeId() > 0xFFFF_FFFFL)) {
            code = ErrorCode.PROTOCOL;
            refusal = "a node must say its node id (1 .. 4294967295), got " + h.getNodeId();
        }
        HelloReply.Builder reply = HelloReply.newBuilder().setClusterId(server.clusterId()).setNodeId(server.nodeId());
        if (refusal != null) {
            reply.setErrorCode(code.code()).setErrorMessage(refusal);
            server.refusedHandshake(code);
            LOG.warn("refused a connection from {} ('{}'): {}", remote, h.getName(), refusal);
            ctx.writeAndFlush(FrameCodec.frame(ctx.alloc(), FrameType.HELLO_REPLY, 0, 0, reply.build()))
                    .addListener(f -> ctx.close());
            return;
        }
        hello = h;
        open = true;
        reply.setVersion(version);
        ctx.writeAndFlush(FrameCodec.frame(ctx.alloc(), FrameType.HELLO_REPLY, 0, 0, reply.build()));
        LOG.debug("accepted {}", describePeer());
    }

    private void request(ChannelHandlerContext ctx, Frame frame) {
        Request request;
        try {
            request = FrameCodec.parse(frame.payload(), Request.parser());
        } catch (IOException e) {
            throw new FrameException("a malformed REQUEST: " + e.getMessage());
        }
        ServerCall call = new ServerCall(this, outbox, frame.requestId(), frame.serviceId(), request);
        if (serving.incrementAndGet() > server.requestsPerConnectionMax()) {
            call.error(ErrorCode.BUSY, "node " + server.nodeId() + " serves " + server.requestsPerConnectionMax()
                    + " requests of this connection already (requestsPerConnectionMax); retry later", null);
            return;
        }
        try {
            server.callHandler().handle(call);
        } catch (RuntimeException e) {
            LOG.error("node {}: serving {} failed", server.nodeId(), call, e);
            call.error(ErrorCode.INTERNAL, "node " + server.nodeId() + " failed to serve the request: " + e, null);
        }
    }

    private void raft(ChannelHandlerContext ctx, Frame frame) {
        if (peerNodeId() == 0) {
            throw new FrameException("Raft traffic from a peer that is not a node (" + describePeer() + ")");
        }
        try {
            server.raftRouter().deliver(frame.serviceId(), frame.payload());
        } catch (RdbException e) {
            throw new FrameException("a malformed Raft message for service " + frame.serviceId() + ": "
                    + e.getMessage());
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // While the peer does not read its replies, do not read its requests either.
        ctx.channel().config().setAutoRead(ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        server.connectionClosed(ctx.channel());
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof FrameException || cause.getCause() instanceof FrameException) {
            server.badFrame(describePeer(), cause.getMessage());
        } else if (cause instanceof IOException) {
            LOG.debug("connection from {} failed: {}", describePeer(), cause.getMessage());
        } else {
            LOG.warn("closing the connection from {}: {}", describePeer(), cause.toString(), cause);
        }
        ctx.close();
    }
}
