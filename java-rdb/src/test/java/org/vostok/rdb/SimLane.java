package org.vostok.rdb;

import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A {@link Lane} that a simulator runs: tasks wait in a queue until the simulator's one thread
 * runs them ({@link #runNext}), in the order the seed chooses among lanes.
 */
final class SimLane implements Lane {

    private final String name;
    private final ArrayDeque<Runnable> queued = new ArrayDeque<>();
    private boolean shutdown;
    private boolean running;

    SimLane(String name) {
        this.name = name;
    }

    @Override
    public void execute(Runnable task) {
        if (shutdown) {
            throw new RejectedExecutionException("lane " + name + " is shut down");
        }
        queued.add(task);
    }

    /** Runs the oldest task queued; false when none is. */
    boolean runNext() {
        Runnable task = queued.poll();
        if (task == null) {
            return false;
        }
        running = true;
        try {
            task.run();
        } finally {
            running = false;
        }
        return true;
    }

    boolean hasWork() {
        return !queued.isEmpty();
    }

    @Override
    public void shutdown() {
        shutdown = true;
    }

    @Override
    public void shutdownNow() {
        shutdown = true;
        queued.clear();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return true;
    }

    @Override
    public boolean isCurrent() {
        return running;
    }

    @Override
    public String toString() {
        return name + " (" + queued.size() + " queued)";
    }
}
