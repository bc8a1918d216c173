package org.vostok.client.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

/**
 * The outbox that replaced one writeAndFlush per frame (one task and one sendto each): frames
 * gathered before the event loop runs leave in order with one flush, frames for a closed channel
 * are released rather than leaked, and the bytes waiting in it count against the channel's
 * high-water mark so that senders that check writability still cannot queue without bound.
 */
class FrameOutboxTest {

    /** Counts the flushes that reach the socket end of the pipeline. */
    private static final class FlushCounter extends ChannelOutboundHandlerAdapter {
        int flushes;

        @Override
        public void flush(ChannelHandlerContext ctx) {
            flushes++;
            ctx.flush();
        }
    }

    private static ByteBuf frame(int marker, int bytes) {
        ByteBuf b = Unpooled.buffer(bytes);
        b.writeInt(marker);
        b.writerIndex(bytes);
        return b;
    }

    @Test
    void framesSentBeforeTheLoopRunsLeaveInOrderWithOneFlush() {
        FlushCounter counter = new FlushCounter();
        EmbeddedChannel ch = new EmbeddedChannel(counter);
        FrameOutbox out = new FrameOutbox(ch);
        for (int i = 0; i < 5; i++) {
            out.send(frame(i, 16));
        }
        assertNull(ch.readOutbound(), "nothing is written before the event loop drains the outbox");
        ch.runPendingTasks();
        for (int i = 0; i < 5; i++) {
            ByteBuf b = ch.readOutbound();
            assertEquals(i, b.getInt(0), "frames leave in the order they were sent");
            b.release();
        }
        assertNull(ch.readOutbound());
        assertEquals(1, counter.flushes, "one flush for the whole batch");
        // A frame sent after the drain gets a drain of its own.
        out.send(frame(9, 16));
        ch.runPendingTasks();
        ByteBuf b = ch.readOutbound();
        assertEquals(9, b.getInt(0));
        b.release();
        assertEquals(2, counter.flushes);
        ch.finishAndReleaseAll();
    }

    @Test
    void framesForAClosedChannelAreReleased() {
        EmbeddedChannel ch = new EmbeddedChannel();
        FrameOutbox out = new FrameOutbox(ch);
        ch.close();
        ByteBuf late = frame(2, 16);
        out.send(late);
        ch.runPendingTasks();
        assertEquals(0, late.refCnt(), "a frame that can no longer be written is released, not leaked");
        assertNull(ch.readOutbound());
        assertFalse(out.isWritable());
    }

    @Test
    void queuedBytesCountAgainstTheHighWaterMark() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(32, 64));
        FrameOutbox out = new FrameOutbox(ch);
        assertTrue(out.isWritable());
        out.send(frame(1, 100));
        assertFalse(out.isWritable(), "100 bytes wait in the outbox, over the 64-byte high-water mark");
        ch.runPendingTasks();
        assertTrue(out.isWritable(), "once written and flushed, the bytes no longer count");
        ch.finishAndReleaseAll();
    }
}
