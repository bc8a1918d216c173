package org.vostok.client.wire;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import java.util.Optional;

/**
 * Cuts a connection's bytes into {@link Frame}s, checking each as {@link FrameCodec} describes.
 * The first bad frame raises a {@link FrameException} saying what was wrong; from then on the
 * decoder discards everything (the handler after it logs the reason and closes the connection).
 * It never blocks and never holds more than one frame's bytes: a length over the limit is
 * refused as soon as the header is in, before any payload is buffered.
 */
public final class FrameDecoder extends ByteToMessageDecoder {

    private final int payloadBytesMax;
    private boolean failed;

    public FrameDecoder(int payloadBytesMax) {
        if (payloadBytesMax <= 0) {
            throw new IllegalArgumentException("payloadBytesMax must be above 0, got " + payloadBytesMax);
        }
        this.payloadBytesMax = payloadBytesMax;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        int base = in.readerIndex();
        int readable = in.readableBytes();
        // Check what has arrived of the header at once, so that garbage is refused on its
        // first bytes instead of after a length it made up.
        if (readable >= 4 && in.getInt(base) != FrameCodec.MAGIC) {
            fail(in, String.format("bad magic 0x%08x (expected 0x%08x): not a Vostok frame; is the peer speaking"
                    + " another protocol?", in.getInt(base), FrameCodec.MAGIC));
        }
        if (readable > FrameCodec.OFFSET_VERSION) {
            int version = in.getUnsignedByte(base + FrameCodec.OFFSET_VERSION);
            if (version < FrameCodec.VERSION_MIN || version > FrameCodec.VERSION_MAX) {
                fail(in, "protocol version " + version + " is not one this node speaks (" + FrameCodec.VERSION_MIN
                        + ".." + FrameCodec.VERSION_MAX + ")");
            }
        }
        if (readable > FrameCodec.OFFSET_TYPE) {
            int code = in.getUnsignedByte(base + FrameCodec.OFFSET_TYPE);
            if (FrameType.ofCode(code).isEmpty()) {
                fail(in, "unknown frame type " + code);
            }
        }
        if (readable < FrameCodec.HEADER_BYTES) {
            return;
        }
        long length = in.getUnsignedInt(base + FrameCodec.OFFSET_LENGTH);
        if (length > payloadBytesMax) {
            fail(in, "a payload of " + length + " bytes is over this node's limit of " + payloadBytesMax + " bytes");
        }
        int payloadBytes = (int) length;
        if (readable < FrameCodec.HEADER_BYTES + payloadBytes) {
            return;
        }
        int expected = in.getInt(base + FrameCodec.OFFSET_CRC);
        int actual = FrameCodec.crc(in, payloadBytes);
        if (expected != actual) {
            fail(in, String.format("checksum mismatch (header says 0x%08x, bytes give 0x%08x): the frame was damaged"
                    + " in transit", expected, actual));
        }
        FrameType type = FrameType.ofCode(in.getUnsignedByte(base + FrameCodec.OFFSET_TYPE)).orElseThrow();
        int flags = in.getUnsignedShort(base + FrameCodec.OFFSET_FLAGS);
        long requestId = in.getLong(base + FrameCodec.OFFSET_REQUEST_ID);
        long serviceId = in.getLong(base + FrameCodec.OFFSET_SERVICE_ID);
        in.skipBytes(FrameCodec.HEADER_BYTES);
        out.add(new Frame(type, flags, requestId, serviceId, in.readRetainedSlice(payloadBytes)));
    }

    private void fail(ByteBuf in, String why) {
        failed = true;
        in.skipBytes(in.readableBytes());
        throw new FrameException(why);
    }

    /** Whether a bad frame was seen (everything since is discarded). */
    public boolean failed() {
        return failed;
    }

    /** The type named in a frame's header, for tools; empty for an unknown code. */
    public static Optional<FrameType> typeOf(ByteBuf frame) {
        return FrameType.ofCode(frame.getUnsignedByte(frame.readerIndex() + FrameCodec.OFFSET_TYPE));
    }
}
