package org.vostok.rdb;

import org.vostok.raft.Message;

/**
 * What the replica's owner thread takes from its queue: a Raft message from a peer, or a
 * {@link Request} from a caller or one of the replica's own threads. Each item hands itself to
 * the matching {@code onX} method of an {@link InboundHandler}, so the owner thread dispatches
 * without testing types, and a new kind of item does not compile until the handler takes it.
 */
sealed interface Inbound permits Inbound.RaftMessage, Request {

    /** Calls the handler's method for this kind of item. */
    void deliverTo(InboundHandler handler);

    /** A Raft message from a peer, through the transport. */
    record RaftMessage(Message message) implements Inbound {
        @Override
        public void deliverTo(InboundHandler handler) {
            handler.onMessage(message);
        }
    }
}
