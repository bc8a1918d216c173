package org.vostok.rdb.transport;

import org.vostok.raft.Message;

/**
 * The transport of a replica that is the only voter of its group (a one-replica database, as a
 * tool or a test of a node's storage runs): there is no peer to reach, so nothing arrives, and
 * a message to send would mean the membership has more than this replica, which it refuses.
 */
public final class SoleReplicaTransport implements RaftTransport {

    @Override
    public void start(Receiver receiver) {
        // Nothing ever arrives: the group has no other member.
    }

    @Override
    public void send(Message message) {
        throw new IllegalStateException("a sole replica was asked to send " + message + " to replica " + message.to()
                + ": its group has other members, so it needs a network transport");
    }

    @Override
    public void close() {
    }
}
