package org.vostok.rdb;

import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * A lane of work that runs one task at a time, in order, off the replica's owner thread: commit
 * completions, leadership events, snapshot reads. A thread of its own in production
 * ({@link ThreadLane}); a queue that a simulator runs in a seeded order in tests.
 */
interface Lane extends Executor {

    /** Runs what is queued, then takes no more (a task given afterwards is refused). */
    void shutdown();

    /** Drops what is queued and takes no more; a task running goes on to its end. */
    void shutdownNow();

    /**
     * Waits until the lane has ended (at once when called from the lane itself, which a
     * handler that closes the replica does); false when it has not ended within the time.
     */
    boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException;

    /** Whether the calling thread runs this lane's tasks. */
    boolean isCurrent();
}
