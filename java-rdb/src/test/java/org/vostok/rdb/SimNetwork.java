package org.vostok.rdb;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.vostok.raft.Message;
import org.vostok.rdb.transport.MessageCodec;
import org.vostok.rdb.transport.RaftTransport;

/**
 * The network of a simulated cluster: every message goes through {@link MessageCodec} and waits
 * in flight for a delay drawn from the seed, then reaches its replica's queue when the simulator
 * delivers it. Faults: drops, duplicates, delays (hence reordering) per link or for all,
 * symmetric partitions, one-way cuts (a partial partition is a set of them). A partition or cut
 * made while a message is in flight drops it at delivery too.
 *
 * <p>Single-threaded: used by the simulator's thread only.
 */
final class SimNetwork {

    /** A link's random faults; delays in nanoseconds of simulated time. */
    record Faults(double dropProbability, double duplicateProbability, long delayNanosMin, long delayNanosMax) {
        static final Faults CALM = new Faults(0, 0, 100_000, 1_000_000);
    }

    private record InFlight(long deliverNanos, long sequence, long from, long to, byte[] wire)
            implements Comparable<InFlight> {
        @Override
        public int compareTo(InFlight o) {
            int c = Long.compare(deliverNanos, o.deliverNanos);
            return c != 0 ? c : Long.compare(sequence, o.sequence);
        }
    }

    private final SplittableRandom random;
    private final LongSupplier clock;
    private final TreeMap<Long, RaftTransport.Receiver> receivers = new TreeMap<>();
    private final PriorityQueue<InFlight> inFlight = new PriorityQueue<>();
    private final List<Set<Long>> partitions = new ArrayList<>();
    /** One-way cuts: (from, to). */
    private final Set<List<Long>> cuts = new HashSet<>();
    private final TreeMap<List<Long>, Faults> linkFaults = new TreeMap<>((a, b) -> {
        int c = Long.compare(a.get(0), b.get(0));
        return c != 0 ? c : Long.compare(a.get(1), b.get(1));
    });
    private Faults faults = Faults.CALM;
    private long sequence;
    private long delivered;
    private long dropped;
    private long snapshotChunks;

    SimNetwork(SplittableRandom random, LongSupplier clock) {
        this.random = random;
        this.clock = clock;
    }

    /** The transport of replica {@code id}: registered when the replica starts it, gone when it closes it. */
    RaftTransport endpoint(long id) {
        return new RaftTransport() {
            private RaftTransport.Receiver bound;

            @Override
            public void start(Receiver receiver) {
                if (receivers.putIfAbsent(id, receiver) != null) {
                    throw new IllegalStateException("replica " + id + " is on the simulated network already");
                }
                bound = receiver;
            }

            @Override
            public void send(Message message) {
                SimNetwork.this.send(id, message);
            }

            @Override
            public void close() {
                if (bound != null) {
                    receivers.remove(id, bound);
                    bound = null;
                }
            }
        };
    }

    /** Sees every message as it is sent, before any fault; for tests that look at the sender then. */
    private Consumer<Message> onSend = m -> { };

    void onSend(Consumer<Message> hook) {
        onSend = hook;
    }

    private void send(long from, Message m) {
        if (m.from() != from) {
            throw new IllegalArgumentException("replica " + from + " sent a message from " + m.from());
        }
        onSend.accept(m);
        if (isCut(from, m.to())) {
            dropped++;
            return;
        }
        Faults f = linkFaults.getOrDefault(List.of(from, m.to()), faults);
        if (f.dropProbability() > 0 && random.nextDouble() < f.dropProbability()) {
            dropped++;
            return;
        }
        byte[] wire = MessageCodec.encode(m);
        int copies = f.duplicateProbability() > 0 && random.nextDouble() < f.duplicateProbability() ? 2 : 1;
        for (int i = 0; i < copies; i++) {
            long delay = f.delayNanosMin() + (f.delayNanosMax() > f.delayNanosMin()
                    ? random.nextLong(f.delayNanosMax() - f.delayNanosMin() + 1) : 0);
            inFlight.add(new InFlight(clock.getAsLong() + delay, sequence++, from, m.to(), wire));
        }
    }

    /** Delivers every message due by {@code now}, in the order of their delivery times; returns how many. */
    int deliverDue(long now) {
        int n = 0;
        while (!inFlight.isEmpty() && inFlight.peek().deliverNanos() <= now) {
            InFlight m = inFlight.poll();
            RaftTransport.Receiver r = receivers.get(m.to());
            if (r == null || isCut(m.from(), m.to())) {
                dropped++;
                continue;
            }
            Message message = MessageCodec.decode(m.wire());
            if (message instanceof Message.SnapshotChunk) {
                snapshotChunks++;
            }
            r.receive(message);
            delivered++;
            n++;
        }
        return n;
    }

    /** When the next message in flight is due, or Long.MAX_VALUE. */
    long nextDeliveryNanos() {
        return inFlight.isEmpty() ? Long.MAX_VALUE : inFlight.peek().deliverNanos();
    }

    private boolean isCut(long from, long to) {
        if (cuts.contains(List.of(from, to))) {
            return true;
        }
        for (Set<Long> side : partitions) {
            if (side.contains(from) != side.contains(to)) {
                return true;
            }
        }
        return false;
    }

    /** The faults of every link without faults of its own. */
    void setFaults(Faults f) {
        faults = f;
    }

    void setFaults(long from, long to, Faults f) {
        linkFaults.put(List.of(from, to), f);
    }

    /** Cuts every link between {@code side} and the rest, both ways. */
    void partition(Collection<Long> side) {
        partitions.add(new HashSet<>(side));
    }

    /** Cuts the link from {@code from} to {@code to} only. */
    void cut(long from, long to) {
        cuts.add(List.of(from, to));
    }

    /** Removes every partition, cut and fault: the network is calm again. */
    void heal() {
        partitions.clear();
        cuts.clear();
        linkFaults.clear();
        faults = Faults.CALM;
    }

    long delivered() {
        return delivered;
    }

    long dropped() {
        return dropped;
    }

    /** Snapshot chunks delivered: how much snapshot traffic the run had. */
    long snapshotChunks() {
        return snapshotChunks;
    }
}
