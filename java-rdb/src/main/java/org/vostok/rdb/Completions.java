package org.vostok.rdb;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.vostok.rdb.model.RdbException;

/**
 * The completions of commit futures collected in one round of the replica's loop, handed to the
 * completion thread in one task at the end of the round: a caller's continuation never runs on
 * the owner thread, and the owner pays one hand-off per round, not one per commit.
 *
 * <p>Owned by the replica's thread.
 */
final class Completions {

    private final Replica replica;
    private final Executor executor;
    private final ArrayList<Runnable> batch = new ArrayList<>();

    Completions(Replica replica, Executor executor) {
        this.replica = replica;
        this.executor = executor;
    }

    <T> void succeed(CompletableFuture<T> future, T value) {
        batch.add(() -> future.complete(value));
    }

    <T> void fail(CompletableFuture<T> future, RdbException error) {
        batch.add(() -> future.completeExceptionally(error));
    }

    /** Hands the round's completions to the completion thread in one task (runs them here once it is shut down). */
    void flush() {
        if (batch.isEmpty()) {
            return;
        }
        List<Runnable> round = List.copyOf(batch);
        batch.clear();
        try {
            executor.execute(() -> replica.runCompletions(round));
        } catch (RejectedExecutionException e) {
            round.forEach(Runnable::run);
        }
    }
}
