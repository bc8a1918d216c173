package org.vostok.rdb;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** A {@link Lane} on one daemon thread of its own, named for the replica and the work. */
final class ThreadLane implements Lane {

    private final ThreadPoolExecutor executor;
    private volatile Thread thread;

    ThreadLane(String threadName) {
        this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            thread = t;
            return t;
        });
    }

    @Override
    public void execute(Runnable task) {
        executor.execute(task);
    }

    @Override
    public void shutdown() {
        executor.shutdown();
    }

    @Override
    public void shutdownNow() {
        executor.shutdownNow();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return isCurrent() || executor.awaitTermination(timeout, unit);
    }

    @Override
    public boolean isCurrent() {
        return Thread.currentThread() == thread;
    }
}
