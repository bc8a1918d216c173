package org.vostok.server.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * What happened over the whole run, for the report's charts: operations completed (and failed)
 * per slot of {@link #SLOT_MILLIS}, the phases (each level, the failover runs, the long run)
 * and the events (a process killed, paused, resumed or restarted, the first write after a
 * fault, a leader change). Recording a completion is two array lookups and an atomic add, on
 * the client's callback threads; the slots grow in chunks, so a long run needs no size ahead.
 */
public final class Timeline {

    /** The width of one slot of the throughput series. */
    public static final long SLOT_MILLIS = 100;
    private static final int CHUNK_SLOTS = 1024;
    /** Slots at most: about 97 days at 100 ms. Later completions go to the last slot. */
    private static final int CHUNKS_MAX = 81_920;

    /** What kind of mark an event puts on the charts. */
    public enum EventKind {
        KILL, PAUSE, RESUME, RESTART, RECOVERED, CAUGHT_UP, LEADER_CHANGE
    }

    public record Event(double atSeconds, EventKind kind, String label) {
    }

    /**
     * A part of the run: {@code label} says what it did, {@code tag} is a few characters for a
     * chart's band ({@code w 64}, {@code kill -9}); {@code fault} when faults were made in it.
     */
    public record Phase(String label, String tag, double startSeconds, double endSeconds, boolean fault) {
    }

    private final long startNanos;
    private final AtomicReferenceArray<AtomicLongArray> ok = new AtomicReferenceArray<>(CHUNKS_MAX);
    private final AtomicReferenceArray<AtomicLongArray> failed = new AtomicReferenceArray<>(CHUNKS_MAX);
    private final List<Event> events = new ArrayList<>();
    private final List<Phase> phases = new ArrayList<>();
    private String openPhase;
    private String openPhaseTag;
    private double openPhaseStart;
    private boolean openPhaseFault;
    /** The highest slot any completion went to, so the series ends where the run did. */
    private volatile int lastSlot;

    public Timeline(long startNanos) {
        this.startNanos = startNanos;
    }

    public long startNanos() {
        return startNanos;
    }

    public double secondsAt(long nanos) {
        return (nanos - startNanos) / 1e9;
    }

    public double now() {
        return secondsAt(System.nanoTime());
    }

    /** One operation completed at {@code nanos} ({@link System#nanoTime()}). */
    public void completed(long nanos, boolean success) {
        long slot = TimeUnit.NANOSECONDS.toMillis(Math.max(0, nanos - startNanos)) / SLOT_MILLIS;
        int s = (int) Math.min(slot, (long) CHUNKS_MAX * CHUNK_SLOTS - 1);
        AtomicReferenceArray<AtomicLongArray> series = success ? ok : failed;
        AtomicLongArray chunk = series.get(s / CHUNK_SLOTS);
        if (chunk == null) {
            series.compareAndSet(s / CHUNK_SLOTS, null, new AtomicLongArray(CHUNK_SLOTS));
            chunk = series.get(s / CHUNK_SLOTS);
        }
        chunk.incrementAndGet(s % CHUNK_SLOTS);
        if (s > lastSlot) {
            lastSlot = s; // a lost race only moves the end by a slot: completions are recorded anyway
        }
    }

    public synchronized void event(EventKind kind, String label) {
        events.add(new Event(now(), kind, label));
    }

    public synchronized void event(long nanos, EventKind kind, String label) {
        events.add(new Event(secondsAt(nanos), kind, label));
    }

    /** Starts a phase (ending the one open); {@code fault} marks a phase in which faults are made. */
    public synchronized void beginPhase(String label, String tag, boolean fault) {
        endPhase();
        openPhase = label;
        openPhaseTag = tag;
        openPhaseStart = now();
        openPhaseFault = fault;
    }

    public synchronized void endPhase() {
        if (openPhase != null) {
            phases.add(new Phase(openPhase, openPhaseTag, openPhaseStart, now(), openPhaseFault));
            openPhase = null;
        }
    }

    public synchronized List<Event> events() {
        return List.copyOf(events);
    }

    public synchronized List<Phase> phases() {
        List<Phase> all = new ArrayList<>(phases);
        if (openPhase != null) {
            all.add(new Phase(openPhase, openPhaseTag, openPhaseStart, now(), openPhaseFault));
        }
        return all;
    }

    /** The phase open, or that held, at {@code seconds}. */
    public synchronized Optional<Phase> phaseAt(double seconds) {
        for (Phase p : phases()) {
            if (seconds >= p.startSeconds() && seconds <= p.endSeconds()) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** Completions per slot from slot 0 to the last one used: successes or failures. */
    public long[] series(boolean success) {
        int n = lastSlot + 1;
        long[] out = new long[n];
        AtomicReferenceArray<AtomicLongArray> series = success ? ok : failed;
        for (int s = 0; s < n; s++) {
            AtomicLongArray chunk = series.get(s / CHUNK_SLOTS);
            out[s] = chunk == null ? 0 : chunk.get(s % CHUNK_SLOTS);
        }
        return out;
    }
}
