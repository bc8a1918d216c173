package org.vostok.rdb.transport;

import org.vostok.raft.Message;

/**
 * How a replica exchanges Raft messages with its peers. Raft tolerates loss, duplication, delay
 * and reordering, so an implementation may drop a message it cannot deliver (a full queue, a
 * peer down) instead of blocking or retrying: the core resends what matters.
 *
 * <p>Implementations: {@code LocalNetwork}'s endpoints (in one process, with fault injection; in the test-jar),
 * {@link SoleReplicaTransport} (a group of one);
 * a Netty transport between processes (in rsvc), both carrying {@link MessageCodec}'s bytes.
 *
 * <p>Thread-safety: {@link #send} is called from the replica's owner thread; the receiver is
 * called from the transport's threads and must not block (a replica only queues the message).
 */
public interface RaftTransport extends AutoCloseable {

    /** Starts delivering the messages addressed to this replica to {@code receiver}. Called once. */
    void start(Receiver receiver);

    /** Sends {@code message} to {@code message.to()}; never blocks, may drop it. */
    void send(Message message);

    /** Stops delivering and sending; messages sent afterwards are dropped. */
    @Override
    void close();

    /** Takes the messages addressed to one replica. */
    @FunctionalInterface
    interface Receiver {
        void receive(Message message);
    }
}
