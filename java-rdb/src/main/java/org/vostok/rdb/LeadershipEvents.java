package org.vostok.rdb;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vostok.rdb.model.RdbException;

/**
 * Delivers leadership events to the host's {@link LeadershipListener} on one thread of their
 * own, in the order the replica raised them, one at a time: a slow handler never holds up the
 * replica, and two handlers never overlap.
 */
final class LeadershipEvents {

    private static final Logger LOG = LoggerFactory.getLogger(LeadershipEvents.class);

    private final long replicaId;
    private final LeadershipListener listener;
    private final LongConsumer onStepUpFailed;
    private final ExecutorService thread;
    private volatile Thread eventThread;

    LeadershipEvents(long replicaId, LeadershipListener listener, LongConsumer onStepUpFailed) {
        this.replicaId = replicaId;
        this.listener = listener;
        this.onStepUpFailed = onStepUpFailed;
        this.thread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "rdb-" + replicaId + "-events");
            t.setDaemon(true);
            eventThread = t;
            return t;
        });
    }

    void stepUp(long term) {
        LOG.info("replica {} steps up in term {}", replicaId, term);
        submit(() -> {
            try {
                listener.stepUp(term);
            } catch (RuntimeException | Error e) {
                LOG.warn("replica {}: the host's stepUp({}) failed; giving the leadership up", replicaId, term, e);
                onStepUpFailed.accept(term);
            }
        });
    }

    void stepDown(long term) {
        LOG.info("replica {} steps down from term {}", replicaId, term);
        submit(() -> {
            try {
                listener.stepDown(term);
            } catch (RuntimeException e) {
                LOG.warn("replica {}: the host's stepDown({}) failed", replicaId, term, e);
            }
        });
    }

    void stop(RdbException error) {
        submit(() -> {
            try {
                listener.stop(error);
            } catch (RuntimeException e) {
                LOG.warn("replica {}: the host's stop handler failed", replicaId, e);
            }
        });
    }

    private void submit(Runnable event) {
        try {
            thread.execute(event);
        } catch (RejectedExecutionException e) {
            LOG.debug("replica {}: event dropped after shutdown", replicaId);
        }
    }

    /** Delivers the events raised so far, then ends the thread. */
    void shutdown() {
        thread.shutdown();
    }

    /** Waits for the thread to end, unless called from it (a handler that closes the replica). */
    void awaitTermination() throws InterruptedException {
        if (Thread.currentThread() == eventThread) {
            return;
        }
        if (!thread.awaitTermination(60, TimeUnit.SECONDS)) {
            LOG.warn("replica {}: a leadership handler is still running 60 s after close", replicaId);
        }
    }
}
