package org.vostok.rsvc.net;

import java.util.Objects;
import org.vostok.raft.Message;
import org.vostok.rdb.model.ReplicaIds;
import org.vostok.rdb.transport.RaftTransport;

/**
 * The Raft transport of one replica on a node: messages leave through the node's
 * {@link PeerLinks} to the node that holds the addressed replica (a replica id's rank is its
 * node's id) and arrive through the node's port and its {@link RaftRouter}.
 */
public final class NettyRaftTransport implements RaftTransport {

    private final long serviceId;
    private final PeerLinks links;
    private final RaftRouter router;
    private volatile Receiver receiver;

    public NettyRaftTransport(long serviceId, PeerLinks links, RaftRouter router) {
        this.serviceId = serviceId;
        this.links = Objects.requireNonNull(links, "links");
        this.router = Objects.requireNonNull(router, "router");
    }

    @Override
    public void start(Receiver r) {
        Objects.requireNonNull(r, "receiver");
        if (receiver != null) {
            throw new IllegalStateException("the transport of service " + serviceId + " was started already");
        }
        receiver = r;
        router.register(serviceId, r);
    }

    @Override
    public void send(Message message) {
        links.send(Integer.toUnsignedLong(ReplicaIds.rank(message.to())), serviceId, message);
    }

    @Override
    public void close() {
        Receiver r = receiver;
        if (r != null) {
            router.unregister(serviceId, r);
        }
    }
}
