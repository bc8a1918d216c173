package org.vostok.testing.faults;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Carries out a {@link FaultSchedule} against a {@link FaultTarget} on a thread of its own
 * ({@code fault-injector}), while the test's workload runs: each step's faults are applied, held,
 * and undone (the network healed, paused replicas resumed, killed replicas restarted) before the
 * calm that follows. It
 * keeps a log of what it did, with times since the start, for failure messages.
 *
 * <pre>{@code
 * FaultSchedule schedule = FaultSchedule.generate(seed, cluster.ids(), FaultSchedule.Options.defaults());
 * try (FaultInjector faults = FaultInjector.start(target, schedule)) {
 *     workload runs ...
 *     faults.awaitFinished();
 * }
 * }</pre>
 *
 * Closing it early stops after undoing the current step: the target is always left healed, with
 * every replica it paused resumed and every replica it killed restarted.
 */
public final class FaultInjector implements AutoCloseable {

    private final FaultTarget target;
    private final FaultSchedule schedule;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final List<String> log = new ArrayList<>();
    private final Thread thread;
    private final long startNanos = System.nanoTime();
    private volatile Throwable failure;

    private FaultInjector(FaultTarget target, FaultSchedule schedule) {
        this.target = target;
        this.schedule = schedule;
        this.thread = new Thread(this::run, "fault-injector");
        this.thread.setDaemon(true);
    }

    /** Starts carrying out {@code schedule} against {@code target}. */
    public static FaultInjector start(FaultTarget target, FaultSchedule schedule) {
        if (target == null || schedule == null) {
            throw new IllegalArgumentException("a fault injector needs a target and a schedule");
        }
        FaultInjector injector = new FaultInjector(target, schedule);
        injector.thread.start();
        return injector;
    }

    public FaultSchedule schedule() {
        return schedule;
    }

    /** Waits until every step is done; throws AssertionError if applying or undoing a fault failed. */
    public void awaitFinished() throws InterruptedException {
        thread.join();
        Throwable f = failure;
        if (f != null) {
            throw new AssertionError("the fault injector failed; what it did:\n" + logText(), f);
        }
    }

    public boolean isFinished() {
        return !thread.isAlive();
    }

    /** What it did so far, one line per action, with milliseconds since the start. */
    public synchronized List<String> log() {
        return List.copyOf(log);
    }

    /** {@link #log()} as one text, for failure messages. */
    public String logText() {
        return String.join("\n", log());
    }

    /** Stops after undoing the current step and waits for that. */
    @Override
    public void close() {
        stop.countDown();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized void note(String what) {
        log.add("+" + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos) + " ms " + what);
    }

    private void run() {
        Undo pending = new Undo();
        try {
            List<FaultSchedule.Step> steps = schedule.steps();
            for (int i = 0; i < steps.size() && stop.getCount() > 0; i++) {
                FaultSchedule.Step step = steps.get(i);
                for (Fault fault : step.faults()) {
                    note("step " + (i + 1) + ": " + apply(fault, pending));
                }
                boolean stopped = stop.await(step.holdMillis(), TimeUnit.MILLISECONDS);
                undo(pending);
                if (stopped || stop.await(step.calmMillis(), TimeUnit.MILLISECONDS)) {
                    break;
                }
            }
            note("schedule done");
        } catch (Throwable e) {
            failure = e;
            note("failed: " + e);
            try {
                undo(pending);
            } catch (Throwable again) {
                e.addSuppressed(again);
            }
        }
    }

    /** Replicas to bring back when a step ends. */
    private static final class Undo {
        final List<Long> killed = new ArrayList<>();
        final List<Long> paused = new ArrayList<>();
    }

    /** Applies {@code fault}; returns what it did, naming the replicas it picked. */
    private String apply(Fault fault, Undo undo) {
        if (fault instanceof Fault.Partition p) {
            target.partition(p.side());
            return fault.toString();
        } else if (fault instanceof Fault.OneWayCut c) {
            target.cut(c.from(), c.to());
            return fault.toString();
        } else if (fault instanceof Fault.LinkNoise n) {
            target.noise(n);
            return fault.toString();
        } else if (fault instanceof Fault.Kill k) {
            target.kill(k.id());
            undo.killed.add(k.id());
            return fault.toString();
        } else if (fault instanceof Fault.Pause p) {
            target.pause(p.id());
            undo.paused.add(p.id());
            return fault.toString();
        }
        OptionalLong leader = target.leader();
        if (leader.isEmpty()) {
            return fault + ": skipped, no replica leads";
        }
        long id = leader.getAsLong();
        if (fault instanceof Fault.IsolateLeader) {
            target.partition(List.of(id));
        } else if (fault instanceof Fault.LeaderOneWay w) {
            for (long other : others(id)) {
                if (w.inbound()) {
                    target.cut(other, id);
                } else {
                    target.cut(id, other);
                }
            }
        } else if (fault instanceof Fault.KillLeader) {
            target.kill(id);
            undo.killed.add(id);
        } else if (fault instanceof Fault.PauseLeader) {
            target.pause(id);
            undo.paused.add(id);
        } else if (fault instanceof Fault.ResetLeaderConnections) {
            target.resetConnections(id);
        } else {
            throw new IllegalStateException("unknown fault " + fault);
        }
        return fault + " (replica " + id + ")";
    }

    private Collection<Long> others(long id) {
        return target.replicaIds().stream().filter(other -> other != id).toList();
    }

    /**
     * Heals, resumes what it paused, then restarts what it killed: resuming first, so that a
     * replica both paused and killed by a hand-written step is not resumed after its restart.
     */
    private void undo(Undo undo) {
        target.heal();
        StringBuilder what = new StringBuilder("healed");
        for (long id : undo.paused) {
            target.resume(id);
        }
        if (!undo.paused.isEmpty()) {
            what.append(", resumed ").append(undo.paused);
        }
        for (long id : undo.killed) {
            target.restart(id);
        }
        if (!undo.killed.isEmpty()) {
            what.append(", restarted ").append(undo.killed);
        }
        note(what.toString());
        undo.paused.clear();
        undo.killed.clear();
    }
}
