package org.vostok.client.wire;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import com.google.protobuf.UnsafeByteOperations;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The frame: a fixed 32-byte header, then the payload. Big-endian.
 *
 * <pre>
 * offset size field
 *      0    4 magic           0x56535446 ("VSTF")
 *      4    1 version         the protocol version the frame is written in
 *      5    1 type            {@link FrameType}
 *      6    2 flags           none defined yet; ignored when unknown
 *      8    8 request id      matches a REPLY to its REQUEST on one connection
 *     16    8 service id      the service (Raft group) a REQUEST or RAFT frame is for
 *     24    4 payload length  at most the receiver's payload limit
 *     28    4 CRC-32C         over bytes 0..27 of the header and the payload
 * </pre>
 *
 * Every frame is checked before anything reads it: magic, version, type, length against the
 * limit (before the payload is waited for, so an absurd length costs nothing), and the CRC once
 * the payload is in. A frame that fails a check closes its connection ({@link FrameDecoder}).
 */
public final class FrameCodec {

    /** "VSTF". */
    public static final int MAGIC = 0x56535446;
    public static final int HEADER_BYTES = 32;
    /** The protocol versions this build speaks. */
    public static final int VERSION_MIN = 1;
    public static final int VERSION_MAX = 1;
    /** The largest payload a receiver takes unless configured otherwise: 16 MiB. */
    public static final int PAYLOAD_BYTES_MAX_DEFAULT = 16 << 20;

    static final int OFFSET_VERSION = 4;
    static final int OFFSET_TYPE = 5;
    static final int OFFSET_FLAGS = 6;
    static final int OFFSET_REQUEST_ID = 8;
    static final int OFFSET_SERVICE_ID = 16;
    static final int OFFSET_LENGTH = 24;
    static final int OFFSET_CRC = 28;

    private FrameCodec() {
    }

    /** Writes a payload into a buffer that {@link #frame} hands over; it must write exactly the announced bytes. */
    @FunctionalInterface
    public interface PayloadWriter {
        void write(ByteBuffer out) throws IOException;
    }

    /**
     * Parses a frame's payload as a message of {@code parser}'s type. The payload is copied once
     * into an array of its own (the frame's buffer goes back to its pool when the read ends) and
     * the message's {@code bytes} fields share that array instead of copying it again; parsing
     * the direct buffer in place would copy it into a scratch array first and every
     * {@code bytes} field out of that. Nothing writes to that array after this copy.
     */
    public static <T> T parse(ByteBuf payload, Parser<T> parser) throws InvalidProtocolBufferException {
        byte[] bytes = new byte[payload.readableBytes()];
        payload.getBytes(payload.readerIndex(), bytes);
        return parseSharing(UnsafeByteOperations.unsafeWrap(bytes), parser);
    }

    /**
     * Parses {@code bytes} as a whole message of {@code parser}'s type whose {@code bytes} fields
     * share {@code bytes} instead of copying them; for bytes nothing changes afterwards (a
     * ByteString never does, but one wrapped with {@code UnsafeByteOperations} may). Protobuf
     * shares only bytes it knows will not change: {@code CodedInputStream.newInstance(byte[])}
     * with aliasing on still copies every field.
     */
    public static <T> T parseSharing(ByteString bytes, Parser<T> parser) throws InvalidProtocolBufferException {
        CodedInputStream in = bytes.newCodedInput();
        in.enableAliasing(true);
        T message = parser.parseFrom(in);
        in.checkLastTagWas(0);
        return message;
    }

    /**
     * A whole frame in a new buffer from {@code alloc} (pooled, direct where the allocator
     * prefers): header, then {@code payloadBytes} written by {@code writer} straight into the
     * buffer's memory (no intermediate array), then the CRC. The caller owns the buffer.
     */
    public static ByteBuf frame(ByteBufAllocator alloc, FrameType type, long requestId, long serviceId,
                                int payloadBytes, PayloadWriter writer) {
        if (payloadBytes < 0) {
            throw new IllegalArgumentException("negative payload length " + payloadBytes);
        }
        ByteBuf buf = alloc.ioBuffer(HEADER_BYTES + payloadBytes);
        boolean ok = false;
        try {
            buf.writeInt(MAGIC);
            buf.writeByte(VERSION_MAX);
            buf.writeByte(type.code());
            buf.writeShort(0);
            buf.writeLong(requestId);
            buf.writeLong(serviceId);
            buf.writeInt(payloadBytes);
            buf.writeInt(0);
            buf.ensureWritable(payloadBytes);
            if (payloadBytes > 0) {
                ByteBuffer out = buf.nioBuffer(HEADER_BYTES, payloadBytes);
                writer.write(out);
                if (out.hasRemaining()) {
                    throw new IllegalStateException("the payload writer left " + out.remaining() + " of "
                            + payloadBytes + " announced bytes unwritten");
                }
            }
            buf.writerIndex(HEADER_BYTES + payloadBytes);
            buf.setInt(OFFSET_CRC, crc(buf, payloadBytes));
            ok = true;
            return buf;
        } catch (IOException e) {
            throw new IllegalStateException("writing a " + type + " payload failed: " + e.getMessage(), e);
        } finally {
            if (!ok) {
                buf.release();
            }
        }
    }

    /** A frame carrying a protobuf message. */
    public static ByteBuf frame(ByteBufAllocator alloc, FrameType type, long requestId, long serviceId,
                                MessageLite message) {
        int size = message.getSerializedSize();
        return frame(alloc, type, requestId, serviceId, size, out -> {
            CodedOutputStream cos = CodedOutputStream.newInstance(out);
            message.writeTo(cos);
            cos.flush();
            out.position(out.limit());
        });
    }

    /** The CRC-32C of a frame laid out in {@code buf} from its reader index: header bytes 0..27, then the payload. */
    static int crc(ByteBuf buf, int payloadBytes) {
        CRC32C crc = new CRC32C();
        int base = buf.readerIndex();
        update(crc, buf, base, OFFSET_CRC);
        update(crc, buf, base + HEADER_BYTES, payloadBytes);
        return (int) crc.getValue();
    }

    private static void update(CRC32C crc, ByteBuf buf, int index, int length) {
        if (length == 0) {
            return;
        }
        if (buf.nioBufferCount() == 1) {
            crc.update(buf.nioBuffer(index, length));
        } else {
            for (ByteBuffer b : buf.nioBuffers(index, length)) {
                crc.update(b);
            }
        }
    }
}
