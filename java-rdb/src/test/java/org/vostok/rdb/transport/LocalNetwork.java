package org.vostok.rdb.transport;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vostok.raft.Message;

/**
 * An in-process network between replicas, for tests and embedded clusters, that can misbehave
 * on purpose: per-link drops, delays (hence reordering) and duplicates ({@link LinkFaults}),
 * symmetric partitions, and one-way cuts. Every message goes through {@link MessageCodec} and
 * arrives as a fresh copy, as it would over a wire.
 *
 * <p>Messages without delay are delivered on the sender's thread (a receiver only queues them);
 * delayed ones on the network's one delivery thread. Thread-safety: safe for any thread.
 */
public final class LocalNetwork implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalNetwork.class);

    private final Map<Long, RaftTransport.Receiver> receivers = new ConcurrentHashMap<>();
    private final SplittableRandom random;
    private final ScheduledExecutorService delivery;

    // Guarded by this.
    private LinkFaults defaultFaults = LinkFaults.NONE;
    private final Map<Long, Map<Long, LinkFaults>> linkFaults = new HashMap<>();
    private final List<Set<Long>> partitions = new ArrayList<>();
    private final Set<List<Long>> cuts = new HashSet<>();
    private Predicate<Message> filter = m -> true;
    private boolean closed;

    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();

    /** A network whose random faults come from {@code seed}. */
    public LocalNetwork(long seed) {
        this.random = new SplittableRandom(seed);
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "local-network-delivery");
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.delivery = executor;
    }

    /** The transport of replica {@code replicaId} on this network. */
    public RaftTransport endpoint(long replicaId) {
        if (replicaId <= 0) {
            throw new IllegalArgumentException("replica ids are above 0, got " + replicaId);
        }
        return new Endpoint(replicaId);
    }

    /** The faults of every link without faults of its own. */
    public synchronized void setFaults(LinkFaults faults) {
        defaultFaults = faults;
    }

    /** The faults of the link from {@code from} to {@code to} (one direction). */
    public synchronized void setFaults(long from, long to, LinkFaults faults) {
        linkFaults.computeIfAbsent(from, f -> new HashMap<>()).put(to, faults);
    }

    /** Cuts every link between {@code side} and the other replicas, both ways. */
    public synchronized void partition(Collection<Long> side) {
        partitions.add(Set.copyOf(side));
    }

    /** Cuts {@code replicaId} off from every other replica, both ways. */
    public void isolate(long replicaId) {
        partition(List.of(replicaId));
    }

    /** Cuts the link from {@code from} to {@code to} only: {@code to} still reaches {@code from}. */
    public synchronized void cut(long from, long to) {
        cuts.add(List.of(from, to));
    }

    /** Removes every partition and cut (link faults stay). */
    public synchronized void heal() {
        partitions.clear();
        cuts.clear();
    }

    /**
     * Sees every message sent on a link that is not cut, before the link's random faults (drops,
     * delays, duplicates) apply: one it refuses is dropped. A message on a link cut by a
     * partition or a one-way cut is dropped first and never reaches the filter. For tests that
     * watch or hold back particular messages (the chunks of a snapshot, say). Called on the
     * sender's thread; it must not block.
     */
    public synchronized void setFilter(Predicate<Message> filter) {
        this.filter = java.util.Objects.requireNonNull(filter, "filter");
    }

    /** Removes every partition, cut, fault and filter. */
    public synchronized void reset() {
        heal();
        linkFaults.clear();
        defaultFaults = LinkFaults.NONE;
        filter = m -> true;
    }

    private synchronized Predicate<Message> filter() {
        return filter;
    }

    /** Messages delivered so far (duplicates count twice). */
    public long delivered() {
        return delivered.get();
    }

    /** Messages dropped so far: by faults, partitions, cuts, or for want of a receiver. */
    public long dropped() {
        return dropped.get();
    }

    private synchronized boolean isCut(long from, long to) {
        if (closed || cuts.contains(List.of(from, to))) {
            return true;
        }
        for (Set<Long> side : partitions) {
            if (side.contains(from) != side.contains(to)) {
                return true;
            }
        }
        return false;
    }

    private synchronized LinkFaults faults(long from, long to) {
        Map<Long, LinkFaults> byTo = linkFaults.get(from);
        LinkFaults f = byTo == null ? null : byTo.get(to);
        return f == null ? defaultFaults : f;
    }

    private synchronized double nextDouble() {
        return random.nextDouble();
    }

    private synchronized long nextDelay(LinkFaults f) {
        return f.delayMillisMax() == f.delayMillisMin() ? f.delayMillisMin()
                : f.delayMillisMin() + random.nextLong(f.delayMillisMax() - f.delayMillisMin() + 1);
    }

    private void send(long from, Message m) {
        if (m.from() != from) {
            throw new IllegalArgumentException("endpoint " + from + " cannot send a message from " + m.from() + ": " + m);
        }
        if (isCut(m.from(), m.to()) || !filter().test(m)) {
            dropped.incrementAndGet();
            return;
        }
        LinkFaults f = faults(m.from(), m.to());
        if (f.dropProbability() > 0 && nextDouble() < f.dropProbability()) {
            dropped.incrementAndGet();
            return;
        }
        byte[] wire = MessageCodec.encode(m);
        int copies = f.duplicateProbability() > 0 && nextDouble() < f.duplicateProbability() ? 2 : 1;
        for (int i = 0; i < copies; i++) {
            long delay = nextDelay(f);
            if (delay == 0) {
                deliver(m.from(), m.to(), wire);
            } else {
                try {
                    delivery.schedule(() -> deliver(m.from(), m.to(), wire), delay, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    dropped.incrementAndGet(); // the network is closing
                }
            }
        }
    }

    private void deliver(long from, long to, byte[] wire) {
        // A partition made while the message was in flight catches it too.
        RaftTransport.Receiver r = receivers.get(to);
        if (r == null || isCut(from, to)) {
            dropped.incrementAndGet();
            return;
        }
        try {
            r.receive(MessageCodec.decode(wire));
            delivered.incrementAndGet();
        } catch (RuntimeException e) {
            LOG.warn("local network: replica {} failed to take a message from {}: {}", to, from, e.toString());
        }
    }

    /** Stops delivering; messages in flight are dropped. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        delivery.shutdownNow();
        try {
            delivery.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        receivers.clear();
    }

    private final class Endpoint implements RaftTransport {
        private final long id;
        private volatile boolean stopped;
        private RaftTransport.Receiver bound;

        Endpoint(long id) {
            this.id = id;
        }

        @Override
        public synchronized void start(Receiver receiver) {
            if (bound != null) {
                throw new IllegalStateException("the endpoint of replica " + id + " is started already");
            }
            if (receivers.putIfAbsent(id, receiver) != null) {
                throw new IllegalStateException("replica " + id + " is on the network already; close its endpoint first");
            }
            bound = receiver;
        }

        @Override
        public void send(Message message) {
            if (stopped) {
                dropped.incrementAndGet();
                return;
            }
            LocalNetwork.this.send(id, message);
        }

        @Override
        public synchronized void close() {
            stopped = true;
            if (bound != null) {
                receivers.remove(id, bound);
            }
        }
    }
}
