package org.vostok.rsvc.net;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import io.netty.buffer.ByteBuf;
import java.util.concurrent.atomic.AtomicBoolean;
import org.vostok.client.ErrorCode;
import org.vostok.client.net.FrameOutbox;
import org.vostok.client.proto.LeaderHint;
import org.vostok.client.proto.Reply;
import org.vostok.client.proto.Request;
import org.vostok.client.wire.FrameCodec;
import org.vostok.client.wire.FrameType;

/**
 * One request a node is serving: what was asked, on which connection, and the means to answer
 * it exactly once ({@link #reply}); later answers are ignored. Thread-safe: a handler answers
 * from whatever thread it finishes on.
 */
public final class ServerCall {

    private final ServerConnection connection;
    private final FrameOutbox outbox;
    private final long requestId;
    private final long serviceId;
    private final Request request;
    private final long receivedNanos;
    private final AtomicBoolean answered = new AtomicBoolean();

    ServerCall(ServerConnection connection, FrameOutbox outbox, long requestId, long serviceId, Request request) {
        this.connection = connection;
        this.outbox = outbox;
        this.requestId = requestId;
        this.serviceId = serviceId;
        this.request = request;
        this.receivedNanos = System.nanoTime();
    }

    public long serviceId() {
        return serviceId;
    }

    public Request request() {
        return request;
    }

    public String method() {
        return request.getMethod();
    }

    /** When the request arrived (System.nanoTime). */
    public long receivedNanos() {
        return receivedNanos;
    }

    /** The node id of the peer when it is a node, else 0. */
    public long peerNodeId() {
        return connection.peerNodeId();
    }

    /** The peer's name and address, for logs. */
    public String peer() {
        return connection.describePeer();
    }

    public boolean answered() {
        return answered.get();
    }

    /** Answers with {@code reply}; false when answered already. */
    public boolean reply(Reply reply) {
        return reply(reply, null);
    }

    /**
     * Answers with {@code head} and {@code body} (null: none) as its body, serialized straight
     * into the frame: a reader parses it as {@code head} with {@code setBody(body.toByteString())},
     * which this saves copying. False when answered already.
     */
    public boolean reply(Reply head, MessageLite body) {
        if (body != null && !head.getBody().isEmpty()) {
            throw new IllegalArgumentException("a reply with a body of its own and another to append");
        }
        if (!answered.compareAndSet(false, true)) {
            return false;
        }
        connection.answered();
        connection.observe(this, head.getErrorCode(), System.nanoTime() - receivedNanos);
        if (outbox.channel().isActive()) {
            // Replies of calls that finish together (a batch of commits, one read's BUSY answers)
            // leave in one write.
            outbox.send(body == null
                    ? FrameCodec.frame(outbox.channel().alloc(), FrameType.REPLY, requestId, serviceId, head)
                    : frame(head, body));
        }
        return true;
    }

    private ByteBuf frame(Reply head, MessageLite body) {
        // A bytes field holding a serialized message is laid out as that message in the field:
        // a tag, the length, the message's bytes.
        int size = head.getSerializedSize() + CodedOutputStream.computeMessageSize(Reply.BODY_FIELD_NUMBER, body);
        return FrameCodec.frame(outbox.channel().alloc(), FrameType.REPLY, requestId, serviceId, size, out -> {
            CodedOutputStream cos = CodedOutputStream.newInstance(out);
            head.writeTo(cos);
            cos.writeMessage(Reply.BODY_FIELD_NUMBER, body);
            cos.flush();
            out.position(out.limit());
        });
    }

    /** Answers with success, {@code body} and the leader hint (none for the node service). */
    public boolean ok(MessageLite body, LeaderHint hint) {
        Reply.Builder b = Reply.newBuilder().setNodeId(connection.selfNodeId());
        if (hint != null) {
            b.setHint(hint);
        }
        return reply(b.build(), body);
    }

    public boolean error(ErrorCode code, String message, LeaderHint hint) {
        Reply.Builder b = Reply.newBuilder().setErrorCode(code.code()).setErrorMessage(message)
                .setNodeId(connection.selfNodeId());
        if (hint != null) {
            b.setHint(hint);
        }
        return reply(b.build());
    }

    @Override
    public String toString() {
        return request.getMethod() + " for service " + serviceId + " from " + connection.describePeer();
    }
}
