package org.vostok.client.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The frames waiting to be written on one connection, from any thread, written and flushed
 * together by one task on the connection's event loop.
 *
 * <p>Why: a {@code writeAndFlush} from a thread other than the event loop is one task and one
 * {@code sendto} per frame, and on loopback each {@code sendto} also wakes the reader at the
 * other end. Frames that several threads (or one thread in a batch: a Raft leader's messages,
 * the replies of a batch of commits) hand over before the event loop gets to them leave in one
 * write and wake the peer once. A frame sent from the event loop itself waits only until the
 * end of the loop's turn, so the replies to one read batch share a flush too.
 *
 * <p>Bounds: {@link #isWritable()} counts the bytes queued here as well as the channel's
 * outbound buffer, against the channel's high-water mark, so a sender that checks it (as every
 * sender does before it sends) cannot grow this queue past that mark while the event loop is
 * busy. Frames still queued when the channel has closed are released, never written.
 */
public final class FrameOutbox {

    private final Channel channel;
    private final Queue<ByteBuf> frames = new ConcurrentLinkedQueue<>();
    /** Invariant: true from the moment a drain task is submitted until that task starts. */
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final Runnable drain = this::drain;

    public FrameOutbox(Channel channel) {
        this.channel = channel;
    }

    public Channel channel() {
        return channel;
    }

    /**
     * Whether the channel is open and can take more: its outbound buffer and this queue hold
     * less than the channel's high-water mark.
     */
    public boolean isWritable() {
        return channel.isActive() && channel.isWritable()
                && queuedBytes.get() < channel.config().getWriteBufferHighWaterMark();
    }

    /**
     * Queues {@code frame} (this outbox takes ownership) to be written and flushed on the event
     * loop soon. A frame for a closed channel is released; one that was queued when the channel
     * closed is released by the drain.
     */
    public void send(ByteBuf frame) {
        queuedBytes.addAndGet(frame.readableBytes());
        frames.offer(frame);
        // The drain clears the flag before it polls, so a frame queued after the last poll
        // always finds the flag clear, or set by a sender whose drain is still to come.
        if (!drainScheduled.get() && drainScheduled.compareAndSet(false, true)) {
            try {
                channel.eventLoop().execute(drain);
            } catch (RejectedExecutionException e) {
                // The event loop is shutting down: nothing will be written any more.
                drainScheduled.set(false);
                releaseQueued();
            }
        }
    }

    private void drain() {
        drainScheduled.set(false);
        if (!channel.isActive()) {
            releaseQueued();
            return;
        }
        boolean wrote = false;
        ByteBuf frame;
        while ((frame = frames.poll()) != null) {
            queuedBytes.addAndGet(-frame.readableBytes());
            // A failed write fails the channel's pipeline (exceptionCaught), whose handler
            // closes the connection; what waited on it fails then.
            channel.write(frame, channel.voidPromise());
            wrote = true;
        }
        if (wrote) {
            channel.flush();
        }
    }

    private void releaseQueued() {
        ByteBuf frame;
        while ((frame = frames.poll()) != null) {
            queuedBytes.addAndGet(-frame.readableBytes());
            frame.release();
        }
    }
}
