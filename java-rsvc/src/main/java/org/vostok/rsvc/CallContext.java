package org.vostok.rsvc;

import java.util.Optional;
import java.util.function.Supplier;
import org.vostok.rdb.Replica;
import org.vostok.rdb.Tx;
import org.vostok.rdb.model.RequestId;

/**
 * What a handler is given with its request: the transaction to read and update the service's
 * state in (begun in the leader's term; for an update, already tagged with the request id that
 * makes it exactly-once), and who called. The framework commits the transaction once the
 * handler's reply is ready, and answers after the commit.
 */
public final class CallContext {

    private final long serviceId;
    private final long term;
    private final Tx tx;
    private final Replica replica;
    private final long peerNodeId;
    private final Optional<RequestId> requestId;
    /** Made only when asked for: most handlers never do. */
    private final Supplier<String> peer;

    CallContext(long serviceId, long term, Tx tx, Replica replica, long peerNodeId, Optional<RequestId> requestId,
                Supplier<String> peer) {
        this.serviceId = serviceId;
        this.term = term;
        this.tx = tx;
        this.replica = replica;
        this.peerNodeId = peerNodeId;
        this.requestId = requestId;
        this.peer = peer;
    }

    public long serviceId() {
        return serviceId;
    }

    /** The leader's term the request runs in. */
    public long term() {
        return term;
    }

    /** The transaction: queries read committed state; updates are committed after the handler. */
    public Tx tx() {
        return tx;
    }

    public Replica replica() {
        return replica;
    }

    /** The calling node's id when a node called, else 0. */
    public long peerNodeId() {
        return peerNodeId;
    }

    /** The request id of an exactly-once update. */
    public Optional<RequestId> requestId() {
        return requestId;
    }

    /** Who called, for logs and errors. */
    public String peer() {
        return peer.get();
    }
}
