package org.vostok.client.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.vostok.client.ErrorCode;
import org.vostok.client.net.HostPort;
import org.vostok.client.net.NettyIo;
import org.vostok.client.proto.Hello;
import org.vostok.client.proto.HelloReply;
import org.vostok.client.proto.LeaderHint;
import org.vostok.client.proto.Reply;
import org.vostok.client.proto.Request;
import org.vostok.client.wire.Frame;
import org.vostok.client.wire.FrameCodec;
import org.vostok.client.wire.FrameDecoder;
import org.vostok.client.wire.FrameType;

/**
 * A node for the client's own tests that answers each request as its script says (a reply,
 * silence, or a closed connection), over a real loopback socket and the real frame codec, so
 * that the client's leader search can be driven through cases a real cluster reaches only by
 * chance: hints in circles, stale hints, a node that never answers.
 */
public final class ScriptedNode implements AutoCloseable {

    /** What the node does with one request: a reply, or empty for silence. */
    public interface Script extends Function<Request, Optional<Reply>> {
    }

    private final long nodeId;
    private final String clusterId;
    private final Channel listener;
    private final AtomicInteger requests = new AtomicInteger();
    private volatile Script script;

    public ScriptedNode(EventLoopGroup group, long nodeId, String clusterId, Script script) {
        this.nodeId = nodeId;
        this.clusterId = clusterId;
        this.script = script;
        this.listener = new ServerBootstrap().group(group).channel(NettyIo.serverChannel())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new FrameDecoder(FrameCodec.PAYLOAD_BYTES_MAX_DEFAULT), new Handler());
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
    }

    public HostPort address() {
        return new HostPort("127.0.0.1", ((InetSocketAddress) listener.localAddress()).getPort());
    }

    public long nodeId() {
        return nodeId;
    }

    public void script(Script s) {
        this.script = s;
    }

    /** Requests received so far. */
    public int requests() {
        return requests.get();
    }

    /** A success reply with this node as the leader in {@code term}. */
    public Reply ok(long term) {
        return Reply.newBuilder().setNodeId(nodeId).setHint(hint(nodeId, address().toString(), term)).build();
    }

    public Reply error(ErrorCode code, Optional<LeaderHint> hint) {
        Reply.Builder b = Reply.newBuilder().setNodeId(nodeId).setErrorCode(code.code()).setErrorMessage("scripted "
                + code);
        hint.ifPresent(b::setHint);
        return b.build();
    }

    public static LeaderHint hint(long node, String address, long term) {
        return LeaderHint.newBuilder().setNodeId(node).setAddress(address).setTerm(term).build();
    }

    private final class Handler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws IOException {
            Frame f = (Frame) msg;
            try {
                if (f.type() == FrameType.HELLO) {
                    Hello h = Hello.parseFrom(f.payload().nioBuffer());
                    HelloReply.Builder r = HelloReply.newBuilder().setNodeId(nodeId).setClusterId(clusterId)
                            .setVersion(1);
                    if (!h.getClusterId().equals(clusterId)) {
                        r.setErrorCode(ErrorCode.WRONG_CLUSTER.code()).setErrorMessage("another cluster");
                    }
                    ctx.writeAndFlush(FrameCodec.frame(ctx.alloc(), FrameType.HELLO_REPLY, 0, 0, r.build()));
                    return;
                }
                requests.incrementAndGet();
                Request req = Request.parseFrom(f.payload().nioBuffer());
                Optional<Reply> reply = script.apply(req);
                if (reply.isPresent()) {
                    ctx.writeAndFlush(FrameCodec.frame(ctx.alloc(), FrameType.REPLY, f.requestId(), f.serviceId(),
                            reply.get()));
                }
            } finally {
                f.release();
            }
        }
    }

    @Override
    public void close() {
        listener.close().syncUninterruptibly();
    }
}
