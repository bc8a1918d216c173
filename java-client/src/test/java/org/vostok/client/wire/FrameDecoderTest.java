package org.vostok.client.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.vostok.client.proto.Request;

/** Frames in and out: round trips, and every kind of bad bytes refused with a reason. */
class FrameDecoderTest {

    private static final int LIMIT = 1 << 16;

    private static ByteBuf requestFrame(String method) {
        return FrameCodec.frame(ByteBufAllocator.DEFAULT, FrameType.REQUEST, 42, 7,
                Request.newBuilder().setMethod(method).build());
    }

    @Test
    void aFrameRoundTripsWhateverWayItsBytesArrive() throws Exception {
        ByteBuf frame = requestFrame("register.write");
        byte[] bytes = new byte[frame.readableBytes()];
        frame.readBytes(bytes);
        frame.release();
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(LIMIT));
        // One byte at a time: the decoder waits for the rest without misreading.
        for (byte b : bytes) {
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        Frame f = ch.readInbound();
        try {
            assertEquals(FrameType.REQUEST, f.type());
            assertEquals(42, f.requestId());
            assertEquals(7, f.serviceId());
            assertEquals("register.write", Request.parseFrom(f.payload().nioBuffer()).getMethod());
        } finally {
            f.release();
        }
        assertNull(ch.readInbound());
        assertFalse(ch.finish());
    }

    @Test
    void twoFramesInOneReadAreTwoFrames() {
        ByteBuf both = Unpooled.wrappedBuffer(requestFrame("a"), requestFrame("b"));
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(LIMIT));
        ch.writeInbound(both);
        Frame a = ch.readInbound();
        Frame b = ch.readInbound();
        a.release();
        b.release();
        assertNull(ch.readInbound());
        ch.finishAndReleaseAll();
    }

    private static String refusal(byte[] bytes) {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(LIMIT));
        FrameException e = assertThrows(FrameException.class, () -> ch.writeInbound(Unpooled.wrappedBuffer(bytes)));
        // Everything after a bad frame is discarded, even a good frame.
        ByteBuf good = requestFrame("after");
        ch.writeInbound(good);
        assertNull(ch.readInbound());
        ch.finishAndReleaseAll();
        return e.getMessage();
    }

    private static byte[] bytesOf(ByteBuf frame) {
        byte[] b = new byte[frame.readableBytes()];
        frame.readBytes(b);
        frame.release();
        return b;
    }

    @Test
    void garbageIsRefusedOnItsFirstBytes() {
        String why = refusal("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
        assertTrue(why.contains("bad magic"), why);
    }

    @Test
    void anUnknownVersionIsRefused() {
        byte[] b = bytesOf(requestFrame("x"));
        b[FrameCodec.OFFSET_VERSION] = 99;
        String why = refusal(b);
        assertTrue(why.contains("protocol version 99"), why);
    }

    @Test
    void anUnknownTypeIsRefused() {
        byte[] b = bytesOf(requestFrame("x"));
        b[FrameCodec.OFFSET_TYPE] = 77;
        assertTrue(refusal(b).contains("unknown frame type 77"));
    }

    @Test
    void aLengthOverTheLimitIsRefusedBeforeThePayloadIsWaitedFor() {
        byte[] b = bytesOf(requestFrame("x"));
        byte[] header = java.util.Arrays.copyOf(b, FrameCodec.HEADER_BYTES);
        java.nio.ByteBuffer.wrap(header).putInt(FrameCodec.OFFSET_LENGTH, LIMIT + 1);
        String why = refusal(header);
        assertTrue(why.contains("over this node's limit"), why);
    }

    @Test
    void aFlippedBitAnywhereIsCaughtByTheChecksum() {
        byte[] good = bytesOf(requestFrame("register.cas"));
        // Every bit of the request id, service id and payload (header fields the decoder does
        // not check otherwise) is covered.
        for (int i = FrameCodec.OFFSET_REQUEST_ID; i < good.length; i++) {
            if (i >= FrameCodec.OFFSET_LENGTH && i < FrameCodec.OFFSET_LENGTH + 4) {
                continue; // a changed length is a different frame; covered above and by truncation
            }
            for (int bit = 0; bit < 8; bit++) {
                byte[] b = good.clone();
                b[i] ^= (byte) (1 << bit);
                String why = refusal(b);
                assertTrue(why.contains("checksum mismatch"), "byte " + i + " bit " + bit + ": " + why);
            }
        }
    }

    @Test
    void aTruncatedFrameYieldsNothing() {
        byte[] b = bytesOf(requestFrame("register.read"));
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(LIMIT));
        ch.writeInbound(Unpooled.wrappedBuffer(java.util.Arrays.copyOf(b, b.length - 1)));
        assertNull(ch.readInbound());
        ch.finishAndReleaseAll();
    }
}
