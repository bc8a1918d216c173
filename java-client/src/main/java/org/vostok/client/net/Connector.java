package org.vostok.client.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.vostok.client.ErrorCode;
import org.vostok.client.VostokException;
import org.vostok.client.proto.Hello;
import org.vostok.client.proto.HelloReply;
import org.vostok.client.wire.Frame;
import org.vostok.client.wire.FrameCodec;
import org.vostok.client.wire.FrameDecoder;
import org.vostok.client.wire.FrameType;

/**
 * Opens connections and does the handshake: sends {@code Hello}, waits for {@code HelloReply}
 * (within the connect timeout), and hands the connection to the handler that serves it from
 * then on. A refusal (another cluster, no common version, another node than expected) fails
 * with the node's own code and message; a connection that cannot be opened fails with
 * {@link ErrorCode#UNREACHABLE} and the socket error as the cause (a refused connection's cause
 * is a {@link java.net.ConnectException}: nothing listens there).
 */
public final class Connector {

    /** Bytes queued for writing on one connection before it reports itself not writable. */
    public static final int WRITE_BUFFER_HIGH_BYTES = 4 << 20;
    public static final int WRITE_BUFFER_LOW_BYTES = 1 << 20;

    private final EventLoopGroup group;
    private final int payloadBytesMax;
    private final long connectTimeoutMillis;

    public Connector(EventLoopGroup group, int payloadBytesMax, long connectTimeoutMillis) {
        this.group = Objects.requireNonNull(group, "group");
        if (payloadBytesMax <= 0 || connectTimeoutMillis <= 0) {
            throw new IllegalArgumentException("payloadBytesMax and connectTimeoutMillis must be above 0");
        }
        this.payloadBytesMax = payloadBytesMax;
        this.connectTimeoutMillis = connectTimeoutMillis;
    }

    /** The result of a handshake: the channel and what the node said about itself. */
    public record Handshaken(Channel channel, HelloReply reply) {
    }

    /**
     * Connects to {@code address}, says {@code hello}, and once the node accepts, puts
     * {@code handler.get()} after the frame decoder. The future completes on the channel's
     * event loop.
     */
    public CompletableFuture<Handshaken> connect(HostPort address, Hello hello, Supplier<ChannelHandler> handler) {
        CompletableFuture<Handshaken> result = new CompletableFuture<>();
        Bootstrap b = new Bootstrap()
                .group(group)
                .channel(NettyIo.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeoutMillis))
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(WRITE_BUFFER_LOW_BYTES, WRITE_BUFFER_HIGH_BYTES))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast("frames", new FrameDecoder(payloadBytesMax));
                        ch.pipeline().addLast("handshake", new HandshakeHandler(address, hello, handler, result));
                    }
                });
        ChannelFuture cf;
        try {
            cf = b.connect(address.toSocketAddress());
        } catch (RuntimeException e) {
            result.completeExceptionally(unreachable(address, e));
            return result;
        }
        cf.addListener(f -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(unreachable(address, f.cause()));
            }
        });
        return result;
    }

    static VostokException unreachable(HostPort address, Throwable cause) {
        String why = cause == null ? "closed" : cause.getMessage() != null ? cause.getMessage() : cause.toString();
        return new VostokException(ErrorCode.UNREACHABLE, "cannot connect to " + address + ": " + why,
                Optional.empty(), false, cause);
    }

    private final class HandshakeHandler extends ChannelInboundHandlerAdapter {
        private final HostPort address;
        private final Hello hello;
        private final Supplier<ChannelHandler> next;
        private final CompletableFuture<Handshaken> result;
        private ScheduledFuture<?> timeout;

        HandshakeHandler(HostPort address, Hello hello, Supplier<ChannelHandler> next,
                         CompletableFuture<Handshaken> result) {
            this.address = address;
            this.hello = hello;
            this.next = next;
            this.result = result;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            timeout = ctx.executor().schedule(() -> {
                if (result.completeExceptionally(new VostokException(ErrorCode.UNREACHABLE, address
                        + " accepted the connection but did not answer the handshake within " + connectTimeoutMillis
                        + " ms"))) {
                    ctx.close();
                }
            }, connectTimeoutMillis, TimeUnit.MILLISECONDS);
            ctx.writeAndFlush(FrameCodec.frame(ctx.alloc(), FrameType.HELLO, 0, 0, hello));
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Frame frame = (Frame) msg;
            try {
                if (frame.type() != FrameType.HELLO_REPLY) {
                    fail(ctx, new VostokException(ErrorCode.PROTOCOL, address + " sent a " + frame.type()
                            + " frame before answering the handshake"));
                    return;
                }
                HelloReply reply;
                try {
                    reply = FrameCodec.parse(frame.payload(), HelloReply.parser());
                } catch (IOException e) {
                    fail(ctx, new VostokException(ErrorCode.PROTOCOL, address + " sent a malformed handshake reply: "
                            + e.getMessage()));
                    return;
                }
                if (reply.getErrorCode() != 0) {
                    fail(ctx, new VostokException(ErrorCode.ofCodeOrInternal(reply.getErrorCode()), address
                            + " refused the connection: " + reply.getErrorMessage()));
                    return;
                }
                if (timeout != null) {
                    timeout.cancel(false);
                }
                ctx.pipeline().replace(this, "connection", next.get());
                if (!result.complete(new Handshaken(ctx.channel(), reply))) {
                    ctx.close();
                }
            } finally {
                frame.release();
            }
        }

        private void fail(ChannelHandlerContext ctx, VostokException e) {
            if (timeout != null) {
                timeout.cancel(false);
            }
            result.completeExceptionally(e);
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (timeout != null) {
                timeout.cancel(false);
            }
            result.completeExceptionally(unreachable(address, null));
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(ctx, new VostokException(ErrorCode.PROTOCOL, "the handshake with " + address + " failed: "
                    + cause.getMessage(), Optional.empty(), false, cause));
        }
    }
}
