package org.vostok.rdb;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The future of a commit (or of another request a replica completes on its completion thread):
 * a {@link CompletableFuture} that refuses to be waited for on that thread. Every commit of the
 * replica completes there, one after another, so a continuation that waited there for a commit
 * not yet complete would wait for itself: {@code get} and {@code join} throw
 * {@link IllegalStateException} instead, naming the way out. Futures made from this one
 * ({@code thenApply} and the like) refuse it too.
 */
final class CommitFuture<T> extends CompletableFuture<T> {

    private final Replica replica;

    CommitFuture(Replica replica) {
        this.replica = replica;
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CommitFuture<>(replica);
    }

    @Override
    public T get() throws InterruptedException, ExecutionException {
        checkNotBlockingCompletions();
        return super.get();
    }

    @Override
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        checkNotBlockingCompletions();
        return super.get(timeout, unit);
    }

    @Override
    public T join() {
        checkNotBlockingCompletions();
        return super.join();
    }

    private void checkNotBlockingCompletions() {
        if (!isDone() && replica.onCompletionThread()) {
            throw new IllegalStateException("waiting for a commit of replica " + replica.id() + " on its completion"
                    + " thread (in a commit future's continuation) would wait for itself: every commit completes on"
                    + " that thread; chain the work instead (thenCompose), or move it to an executor of your own"
                    + " (thenApplyAsync(fn, executor))");
        }
    }
}
