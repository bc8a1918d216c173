package org.vostok.rsvc;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.concurrent.CompletableFuture;

/**
 * First-come, first-served locks by key that never block a thread: {@link #acquire} returns a
 * future that completes when the caller holds the lock, and {@link #release} hands it to the
 * next waiter. An update holds its key from before its first query until its commit completes.
 */
final class KeyLocks {

    private final HashMap<Object, ArrayDeque<CompletableFuture<Void>>> queues = new HashMap<>();

    CompletableFuture<Void> acquire(Object key) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        synchronized (this) {
            ArrayDeque<CompletableFuture<Void>> q = queues.computeIfAbsent(key, k -> new ArrayDeque<>());
            q.addLast(f);
            if (q.size() > 1) {
                return f;
            }
        }
        f.complete(null);
        return f;
    }

    void release(Object key) {
        CompletableFuture<Void> next;
        synchronized (this) {
            ArrayDeque<CompletableFuture<Void>> q = queues.get(key);
            if (q == null || q.pollFirst() == null) {
                throw new IllegalStateException("released a lock on " + key + " that was not held");
            }
            next = q.peekFirst();
            if (next == null) {
                queues.remove(key);
            }
        }
        if (next != null) {
            next.complete(null);
        }
    }

    synchronized int keysHeld() {
        return queues.size();
    }
}
