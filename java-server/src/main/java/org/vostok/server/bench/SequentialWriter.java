package org.vostok.server.bench;

import java.util.concurrent.TimeUnit;

/**
 * One write at a time, without end, on its own thread: the load of the failover phase, so that
 * the throughput chart shows what a client saw around each fault. {@link #pause} waits until
 * no write is in flight, so that the fault meets an idle client and the first write after it
 * is issued after it, as in the peers' benchmark.
 */
final class SequentialWriter implements AutoCloseable {

    /** A failed write (the service gone for a while) is retried after this pause. */
    private static final long RETRY_MILLIS = 10;
    private static final long STOP_MILLIS_MAX = 120_000;

    private final RegisterLoad load;
    private final Thread thread;
    private boolean paused;
    private boolean inFlight;
    private volatile boolean stopped;
    private volatile long completed;

    SequentialWriter(RegisterLoad load) {
        this.load = load;
        this.thread = new Thread(this::loop, "vostok-bench-writer");
        thread.setDaemon(true);
        thread.start();
    }

    long completed() {
        return completed;
    }

    private void loop() {
        while (!stopped) {
            synchronized (this) {
                while (paused && !stopped) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (stopped) {
                    return;
                }
                inFlight = true;
            }
            boolean ok = false;
            try {
                load.call(Operation.WRITE).join();
                ok = true;
                completed++;
            } catch (RuntimeException e) {
                // The failure is on the timeline; the writer goes on.
            } finally {
                synchronized (this) {
                    inFlight = false;
                    notifyAll();
                }
            }
            if (!ok) {
                try {
                    TimeUnit.MILLISECONDS.sleep(RETRY_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** Stops issuing writes, and returns once none is in flight. */
    synchronized void pause() throws InterruptedException {
        paused = true;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_MILLIS_MAX);
        while (inFlight) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IllegalStateException("a write was still in flight " + STOP_MILLIS_MAX
                        + " ms after the writer was paused: the service stopped answering");
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    synchronized void resume() {
        paused = false;
        notifyAll();
    }

    @Override
    public void close() throws InterruptedException {
        synchronized (this) {
            stopped = true;
            notifyAll();
        }
        thread.join(STOP_MILLIS_MAX);
    }
}
