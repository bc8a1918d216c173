package org.vostok.raft.sim;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import org.vostok.raft.Message;

/**
 * The network between the simulated hosts: every message sent waits in flight for a delay drawn
 * per message, so messages are reordered; some are lost, some delivered twice, some held back
 * far longer than the rest. Links can be cut one way at a time, which makes symmetric partitions
 * (both ways), one-way partitions, and partial ones (A reaches B and B reaches C, but A does not
 * reach C); a cut link loses what it would deliver, including messages sent before it was cut.
 * Links can also be slowed one way at a time. After the heal, nothing is lost, and each link
 * delivers in the order sent.
 */
final class SimNetwork {

    /** One message on its way, delivered at {@code deliverTick}; {@code order} breaks ties at random. */
    private record InFlight(long deliverTick, long order, Message message) {
    }

    private final SplittableRandom random;
    private final SimTrace trace;
    private final PriorityQueue<InFlight> inFlight = new PriorityQueue<>((a, b) -> a.deliverTick != b.deliverTick
            ? Long.compare(a.deliverTick, b.deliverTick) : Long.compare(a.order, b.order));
    /** Cut links, as {@code from * LINK_FACTOR + to}. */
    private final Set<Long> cut = new HashSet<>();
    /** Extra delay in ticks of slowed links, by link. */
    private final Map<Long, Integer> slow = new HashMap<>();
    private static final long LINK_FACTOR = 1_000_000;

    /** After the heal each link delivers in the order sent, as a TCP connection does. */
    private boolean inOrder;
    /** The last delivery tick given to a message on each link, for in-order delivery. */
    private final Map<Long, Long> lastDeliveryByLink = new HashMap<>();
    private long sequence;
    /** Orders the messages held for a stalled host ahead of others due at the same tick, oldest first. */
    private long heldSequence = Long.MIN_VALUE;
    private double dropPerMessage;
    private double duplicatePerMessage;
    private int delayTicksMax;
    private double delaySpikePerMessage;
    private int delaySpikeTicksMax;

    /** Every message handed to the network, delivered or not, for the run's summary. */
    long sent;
    /** Messages lost at random; the caller counts those lost to a cut link or a down host. */
    long dropped;
    long duplicated;

    SimNetwork(SplittableRandom random, SimTrace trace, SimOptions options) {
        this.random = random;
        this.trace = trace;
        this.dropPerMessage = options.dropPerMessage();
        this.duplicatePerMessage = options.duplicatePerMessage();
        this.delayTicksMax = options.delayTicksMax();
        this.delaySpikePerMessage = options.delaySpikePerMessage();
        this.delaySpikeTicksMax = options.delaySpikeTicksMax();
    }

    /**
     * The faults stop: nothing is lost, duplicated, held back or reordered on a link from now on,
     * and every link is up. Messages already in flight keep their delivery time.
     */
    void heal(int delayTicksMaxAfter) {
        inOrder = true;
        lastDeliveryByLink.replaceAll((link, tick) -> tick + 1);
        dropPerMessage = 0;
        duplicatePerMessage = 0;
        delaySpikePerMessage = 0;
        delayTicksMax = Math.min(delayTicksMax, delayTicksMaxAfter);
        cut.clear();
        slow.clear();
    }

    void send(long now, Message m) {
        sent++;
        if (random.nextDouble() < dropPerMessage) {
            dropped++;
            trace.add(now, m.from(), "lost", m);
            return;
        }
        enqueue(now, m);
        if (random.nextDouble() < duplicatePerMessage) {
            duplicated++;
            enqueue(now, m);
        }
    }

    private void enqueue(long now, Message m) {
        int delay = random.nextInt(delayTicksMax + 1);
        if (delaySpikePerMessage > 0 && random.nextDouble() < delaySpikePerMessage) {
            delay = random.nextInt(delaySpikeTicksMax + 1);
        }
        long link = link(m.from(), m.to());
        long deliverTick = now + delay + slow.getOrDefault(link, 0);
        Long last = lastDeliveryByLink.get(link);
        // Before the heal, messages due at the same tick come in a random order. After it, a
        // message is never delivered before an earlier one of its link, and those due at the
        // same tick come in sending order (heal() moved the link past the messages sent before).
        long order = random.nextLong();
        if (inOrder) {
            deliverTick = Math.max(deliverTick, last == null ? 0 : last);
            order = sequence++;
        }
        lastDeliveryByLink.put(link, Math.max(deliverTick, last == null ? 0 : last));
        inFlight.add(new InFlight(deliverTick, order, m));
    }

    /**
     * The messages due by {@code now}, in delivery order, taken off the network, including those
     * whose link is cut: the caller loses them ({@link #isCut}), and may tell the sender.
     */
    List<Message> takeDue(long now) {
        List<Message> due = new ArrayList<>();
        while (!inFlight.isEmpty() && inFlight.peek().deliverTick <= now) {
            due.add(inFlight.poll().message);
        }
        return due;
    }

    boolean hasDue(long now) {
        return !inFlight.isEmpty() && inFlight.peek().deliverTick <= now;
    }

    /** The last tick at which a message now in flight is delivered, or {@code now}. */
    long lastDeliveryTick(long now) {
        long last = now;
        for (InFlight f : inFlight) {
            last = Math.max(last, f.deliverTick);
        }
        return last;
    }

    /**
     * Puts back a message its stalled receiver could not take, to be delivered at
     * {@code untilTick} (when the stall ends), ahead of the messages sent later, as the
     * receiver's socket buffer would hold it.
     */
    void hold(Message m, long untilTick) {
        inFlight.add(new InFlight(untilTick, heldSequence++, m));
    }

    void cut(long from, long to) {
        cut.add(link(from, to));
    }

    void healLinks() {
        cut.clear();
        slow.clear();
    }

    /** Messages from {@code from} to {@code to} take {@code extraTicks} longer until the links heal. */
    void slow(long from, long to, int extraTicks) {
        slow.put(link(from, to), extraTicks);
    }

    boolean isCut(long from, long to) {
        return cut.contains(link(from, to));
    }

    private static long link(long from, long to) {
        return from * LINK_FACTOR + to;
    }
}
