package org.vostok.client.net;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vostok.client.ErrorCode;
import org.vostok.client.VostokException;
import org.vostok.client.proto.Reply;
import org.vostok.client.proto.Request;
import org.vostok.client.wire.Frame;
import org.vostok.client.wire.FrameCodec;
import org.vostok.client.wire.FrameException;
import org.vostok.client.wire.FrameType;

/**
 * One handshaken connection to a node, carrying requests and matching replies by request id.
 * At most {@code outstandingMax} requests wait on it at once, and none is queued while the
 * socket's write buffer is over its high-water mark: beyond either, a call fails at once with
 * {@link ErrorCode#BUSY} (back-pressure reaches the caller instead of a queue that grows).
 * Every request has a timeout; a reply that comes after it is dropped. When the connection
 * closes, what waits on it fails with {@link ErrorCode#UNREACHABLE}.
 */
public final class ClientConnection extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(ClientConnection.class);

    private final HostPort address;
    private volatile long nodeId;
    private final int outstandingMax;
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicLong nextRequestId = new AtomicLong();
    private volatile Channel channel;
    private volatile FrameOutbox outbox;

    private record Pending(CompletableFuture<Reply> future, ScheduledFuture<?> timeout) {
    }

    public ClientConnection(HostPort address, int outstandingMax) {
        if (outstandingMax <= 0) {
            throw new IllegalArgumentException("outstandingMax must be above 0, got " + outstandingMax);
        }
        this.address = address;
        this.outstandingMax = outstandingMax;
    }

    /** Called once the handshake is done: the connection serves calls from now on. */
    public void attach(Channel ch, long peerNodeId) {
        this.nodeId = peerNodeId;
        this.outbox = new FrameOutbox(ch);
        this.channel = ch;
        if (!ch.isActive()) {
            failAll();
        }
    }

    public HostPort address() {
        return address;
    }

    /** The id of the node at the other end, as it said in the handshake. */
    public long nodeId() {
        return nodeId;
    }

    public boolean isActive() {
        Channel ch = channel;
        return ch != null && ch.isActive();
    }

    /** Requests waiting for their reply. */
    public int outstanding() {
        return pending.size();
    }

    /**
     * Sends {@code request} to service {@code serviceId}; the future completes with the reply
     * (on the connection's event loop) or fails with BUSY, UNREACHABLE or TIMEDOUT.
     */
    public CompletableFuture<Reply> call(long serviceId, Request request, long timeoutMillis) {
        Channel ch = channel;
        if (ch == null || !ch.isActive()) {
            return CompletableFuture.failedFuture(new VostokException(ErrorCode.UNREACHABLE, "the connection to "
                    + address + " is closed"));
        }
        FrameOutbox out = outbox;
        if (pending.size() >= outstandingMax || !out.isWritable()) {
            return CompletableFuture.failedFuture(new VostokException(ErrorCode.BUSY, pending.size()
                    + " requests wait on the connection to " + address + " (at most " + outstandingMax
                    + ", or its send buffer is full); retry later"));
        }
        long id = nextRequestId.incrementAndGet();
        CompletableFuture<Reply> future = new CompletableFuture<>();
        ScheduledFuture<?> timeout = ch.eventLoop().schedule(() -> timedOut(id, timeoutMillis), timeoutMillis,
                TimeUnit.MILLISECONDS);
        pending.put(id, new Pending(future, timeout));
        // A frame that cannot be written fails the channel, which closes: the request then fails
        // with UNREACHABLE like every other that waits on the connection.
        out.send(FrameCodec.frame(ch.alloc(), FrameType.REQUEST, id, serviceId, request));
        if (!ch.isActive()) {
            // Closed between the check and the put: channelInactive may have run before the put.
            Pending p = pending.remove(id);
            if (p != null) {
                p.timeout.cancel(false);
                p.future.completeExceptionally(new VostokException(ErrorCode.UNREACHABLE, "the connection to "
                        + address + " closed"));
            }
        }
        return future;
    }

    private void timedOut(long id, long timeoutMillis) {
        Pending p = pending.remove(id);
        if (p != null) {
            p.future.completeExceptionally(new VostokException(ErrorCode.TIMEDOUT, address + " did not answer within "
                    + timeoutMillis + " ms"));
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Frame frame = (Frame) msg;
        try {
            if (frame.type() != FrameType.REPLY) {
                throw new FrameException("a node sent a " + frame.type() + " frame to a client connection");
            }
            Pending p = pending.remove(frame.requestId());
            if (p == null) {
                return; // timed out already
            }
            p.timeout.cancel(false);
            Reply reply;
            try {
                reply = FrameCodec.parse(frame.payload(), Reply.parser());
            } catch (IOException e) {
                p.future.completeExceptionally(new VostokException(ErrorCode.PROTOCOL, address
                        + " sent a malformed reply: " + e.getMessage()));
                return;
            }
            p.future.complete(reply);
        } finally {
            frame.release();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        failAll();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.warn("closing the connection to {}: {}", address, cause.getMessage());
        ctx.close();
    }

    private void failAll() {
        for (Long id : pending.keySet()) {
            Pending p = pending.remove(id);
            if (p != null) {
                p.timeout.cancel(false);
                p.future.completeExceptionally(new VostokException(ErrorCode.UNREACHABLE, "the connection to "
                        + address + " closed before the reply came"));
            }
        }
    }

    /** Closes the connection; what waits on it fails with UNREACHABLE. */
    public void close() {
        Channel ch = channel;
        if (ch != null) {
            ch.close();
        }
    }

    @Override
    public String toString() {
        return "connection to " + address + (nodeId > 0 ? " (node " + nodeId + ")" : "");
    }
}
