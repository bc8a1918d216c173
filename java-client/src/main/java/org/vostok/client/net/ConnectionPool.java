package org.vostok.client.net;

import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import org.vostok.client.ErrorCode;
import org.vostok.client.VostokException;
import org.vostok.client.proto.Hello;

/**
 * One connection per node address, opened on first use and reused by every call. A connection
 * that closes is opened again on the next use; after a failure to connect, the address is not
 * tried again before a back-off (doubling from {@code reconnectBackoffBaseMillis} to
 * {@code reconnectBackoffMaxMillis}, jittered), and calls meanwhile fail at once with the last
 * error, so a caller moves on to another replica instead of waiting. Thread-safe.
 */
public final class ConnectionPool implements AutoCloseable {

    private final Connector connector;
    private final Hello hello;
    private final int outstandingMax;
    private final long backoffBaseNanos;
    private final long backoffMaxNanos;
    private final Map<HostPort, Slot> slots = new ConcurrentHashMap<>();
    private final SplittableRandom random = new SplittableRandom();
    private volatile boolean closed;

    private static final class Slot {
        CompletableFuture<ClientConnection> current;
        int failures;
        long retryAtNanos;
    }

    public ConnectionPool(Connector connector, Hello hello, int outstandingMax, long reconnectBackoffBaseMillis,
                          long reconnectBackoffMaxMillis) {
        this.connector = connector;
        this.hello = hello;
        this.outstandingMax = outstandingMax;
        this.backoffBaseNanos = reconnectBackoffBaseMillis * 1_000_000L;
        this.backoffMaxNanos = reconnectBackoffMaxMillis * 1_000_000L;
    }

    /** The connection to {@code address}: an open one, one being opened, or the last failure while backing off. */
    public CompletableFuture<ClientConnection> get(HostPort address) {
        if (closed) {
            return CompletableFuture.failedFuture(new VostokException(ErrorCode.CLOSED, "the client is closed"));
        }
        Slot slot = slots.computeIfAbsent(address, a -> new Slot());
        synchronized (slot) {
            CompletableFuture<ClientConnection> c = slot.current;
            if (c != null) {
                if (!c.isDone()) {
                    return c;
                }
                if (!c.isCompletedExceptionally()) {
                    if (c.join().isActive()) {
                        return c;
                    }
                } else if (System.nanoTime() - slot.retryAtNanos < 0) {
                    return c;
                }
            }
            CompletableFuture<ClientConnection> fresh = open(address, slot);
            slot.current = fresh;
            return fresh;
        }
    }

    private CompletableFuture<ClientConnection> open(HostPort address, Slot slot) {
        ClientConnection conn = new ClientConnection(address, outstandingMax);
        return connector.connect(address, hello, () -> conn).handle((h, error) -> {
            synchronized (slot) {
                if (error != null) {
                    slot.failures++;
                    long ceiling = Math.min(backoffMaxNanos, backoffBaseNanos << Math.min(slot.failures - 1, 20));
                    slot.retryAtNanos = System.nanoTime() + ceiling / 2 + random.nextLong(ceiling / 2 + 1);
                    throw error instanceof CompletionException ce ? ce : new CompletionException(error);
                }
                slot.failures = 0;
            }
            conn.attach(h.channel(), h.reply().getNodeId());
            if (closed) {
                conn.close();
            }
            return conn;
        });
    }

    /** The open connection to {@code address}, if there is one now. */
    public Optional<ClientConnection> open(HostPort address) {
        Slot slot = slots.get(address);
        if (slot == null) {
            return Optional.empty();
        }
        synchronized (slot) {
            CompletableFuture<ClientConnection> c = slot.current;
            if (c != null && c.isDone() && !c.isCompletedExceptionally() && c.join().isActive()) {
                return Optional.of(c.join());
            }
        }
        return Optional.empty();
    }

    /** Closes every connection; calls waiting on them fail. */
    @Override
    public void close() {
        closed = true;
        for (Slot slot : slots.values()) {
            synchronized (slot) {
                CompletableFuture<ClientConnection> c = slot.current;
                if (c != null) {
                    c.thenAccept(ClientConnection::close);
                }
            }
        }
    }
}
