package org.vostok.client.wire;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;
import java.util.Objects;

/**
 * One decoded frame: its header fields and its payload. The payload is a reference-counted
 * buffer and the frame owns it: whoever takes a frame from the pipeline releases it (usually
 * with {@link #release()} in a {@code finally}).
 *
 * @param type what the payload is
 * @param flags the header's flag bits (none are defined yet; unknown ones are ignored)
 * @param requestId matches a REPLY to its REQUEST on one connection; 0 for other types
 * @param serviceId the service (one Raft group) a REQUEST or RAFT frame is for; 0 for the node itself
 * @param payload the payload bytes, checked against the header's CRC-32C
 */
public record Frame(FrameType type, int flags, long requestId, long serviceId, ByteBuf payload)
        implements ReferenceCounted {

    public Frame {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(payload, "payload");
    }

    @Override
    public int refCnt() {
        return payload.refCnt();
    }

    @Override
    public Frame retain() {
        payload.retain();
        return this;
    }

    @Override
    public Frame retain(int increment) {
        payload.retain(increment);
        return this;
    }

    @Override
    public Frame touch() {
        payload.touch();
        return this;
    }

    @Override
    public Frame touch(Object hint) {
        payload.touch(hint);
        return this;
    }

    @Override
    public boolean release() {
        return payload.release();
    }

    @Override
    public boolean release(int decrement) {
        return payload.release(decrement);
    }

    @Override
    public String toString() {
        return type + " frame (request " + requestId + ", service " + serviceId + ", " + payload.readableBytes()
                + " bytes)";
    }
}
