package org.vostok.rsvc.net;

import io.netty.buffer.ByteBuf;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vostok.raft.Message;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.transport.MessageCodec;
import org.vostok.rdb.transport.RaftTransport;

/**
 * Hands the Raft messages that arrive on a node's port to the local replica of the service
 * they are for. Messages are decoded on the event loop that read them, straight from the
 * frame's buffer; a message for a service this node holds no replica of is dropped (Raft
 * resends, and the sender's leader learns of the removal through the membership).
 */
public final class RaftRouter {

    private static final Logger LOG = LoggerFactory.getLogger(RaftRouter.class);

    private final Map<Long, RaftTransport.Receiver> receivers = new ConcurrentHashMap<>();
    private final RateLimitedLog unknown = new RateLimitedLog(LOG, 10_000);

    void register(long serviceId, RaftTransport.Receiver receiver) {
        if (receivers.putIfAbsent(serviceId, receiver) != null) {
            throw new IllegalStateException("service " + serviceId + " has a replica on this node already");
        }
    }

    void unregister(long serviceId, RaftTransport.Receiver receiver) {
        receivers.remove(serviceId, receiver);
    }

    /**
     * Delivers one RAFT frame's payload; {@link RdbException} (INVAL) when the bytes are not a
     * Raft message, which closes the connection they came on.
     */
    void deliver(long serviceId, ByteBuf payload) {
        RaftTransport.Receiver r = receivers.get(serviceId);
        if (r == null) {
            // Normal while a replica stops, starts or was removed; a lasting stream of these means a
            // peer believes this node holds a replica it does not.
            unknown.info("dropping Raft traffic for service {}: this node holds no running replica of it", serviceId);
            return;
        }
        Message m = MessageCodec.decode(payload.nioBuffer());
        r.receive(m);
    }
}
