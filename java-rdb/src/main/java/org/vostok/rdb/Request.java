package org.vostok.rdb;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.vostok.raft.MembershipChange;
import org.vostok.raft.SnapshotChunkRequest;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.store.EntryPayload;

/** What callers queue for the replica's owner thread besides Raft messages. */
sealed interface Request extends Inbound {

    /** Fails the request without carrying it out. */
    void fail(RdbException error);

    /** Whether the request counts against requestsPendingMax: internal ones do not. */
    default boolean counted() {
        return true;
    }

    /** Commit a transaction of {@code term}: validate it, propose it, complete when applied. */
    record Propose(long term, EntryPayload payload, byte[] data, CompletableFuture<Long> future) implements Request {
        @Override
        public void deliverTo(InboundHandler handler) {
            handler.onPropose(this);
        }

        @Override
        public void fail(RdbException error) {
            future.completeExceptionally(error);
        }
    }

    /** Obtain a linearizable read epoch for a transaction of {@code term}. */
    record Read(long term, CompletableFuture<ReadView> future) implements Request {
        @Override
        public void deliverTo(InboundHandler handler) {
            handler.onRead(this);
        }

        @Override
        public void fail(RdbException error) {
            future.completeExceptionally(error);
        }
    }

    /** Propose a membership change; complete with its index when applied. */
    record ChangeMembership(MembershipChange change, CompletableFuture<Long> future) implements Request {
        @Override
        public void deliverTo(InboundHandler handler) {
            handler.onChangeMembership(this);
        }

        @Override
        public void fail(RdbException error) {
            future.completeExceptionally(error);
        }
    }

    /** Hand the leadership to {@code target}; completes when the core has started the transfer. */
    record TransferLeadership(long target, CompletableFuture<Void> future) implements Request {
        @Override
        public void deliverTo(InboundHandler handler) {
            handler.onTransferLeadership(this);
        }

        @Override
        public void fail(RdbException error) {
            future.completeExceptionally(error);
        }
    }

    /** If this replica leads: how many entries each other member's log trails its own, by replica id. */
    record Progress(CompletableFuture<Map<Long, Long>> future) implements Request {
        @Override
        public void deliverTo(InboundHandler handler) {
            handler.onProgress(this);
        }

        @Override
        public void fail(RdbException error) {
            future.completeExceptionally(error);
        }
    }

    /** Hand out a new replica id for {@code rank}; complete with it when applied. */
    record AllocateReplicaId(int rank, CompletableFuture<Long> future) implements Request {
        @Override
        public void deliverTo(InboundHandler handler) {
            handler.onAllocateReplicaId(this);
        }

        @Override
        public void fail(RdbException error) {
            future.completeExceptionally(error);
        }
    }

    /** The host's stepUp for {@code term} failed: give the leadership up. */
    record Abdicate(long term) implements Request {
        @Override
        public void deliverTo(InboundHandler handler) {
            handler.onAbdicate(this);
        }

        @Override
        public void fail(RdbException error) {
        }

        @Override
        public boolean counted() {
            return false;
        }
    }

    /** A snapshot chunk the core asked for is read: hand it to the core. */
    record SnapshotChunkReady(SnapshotChunkRequest request, byte[] data, boolean last) implements Request {
        @Override
        public void deliverTo(InboundHandler handler) {
            handler.onSnapshotChunkReady(this);
        }

        @Override
        public void fail(RdbException error) {
        }

        @Override
        public boolean counted() {
            return false;
        }
    }

    /** A snapshot chunk the core asked for could not be read. */
    record SnapshotChunkFailed(SnapshotChunkRequest request, RdbException error) implements Request {
        @Override
        public void deliverTo(InboundHandler handler) {
            handler.onSnapshotChunkFailed(this);
        }

        @Override
        public void fail(RdbException e) {
        }

        @Override
        public boolean counted() {
            return false;
        }
    }

    /** The host learned that the leader's process is gone: see {@link Replica#leaderGone}. */
    record LeaderGone(long leaderReplicaId) implements Request {
        @Override
        public void deliverTo(InboundHandler handler) {
            handler.onLeaderGone(this);
        }

        @Override
        public void fail(RdbException error) {
        }
    }

    /**
     * Tests only (queued with {@link Replica#submitInternal} by tests of this package; nothing
     * else creates it): the owner thread stalls, as a GC pause, a descheduled process or a disk
     * stall would stall it. It counts {@code started} down, then waits until {@code resume} is
     * counted down, or {@code millisMax} at most; what is queued meanwhile waits behind it.
     */
    record Stall(CountDownLatch started, CountDownLatch resume, long millisMax) implements Request {
        @Override
        public void deliverTo(InboundHandler handler) {
            handler.onStall(this);
        }

        @Override
        public void fail(RdbException error) {
            started.countDown();
        }

        @Override
        public boolean counted() {
            return false;
        }

        /** Runs on the owner thread. */
        void stall() {
            started.countDown();
            try {
                resume.await(millisMax, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Stop the replica. */
    record Stop() implements Request {
        @Override
        public void deliverTo(InboundHandler handler) {
            handler.onStop(this);
        }

        @Override
        public void fail(RdbException error) {
        }

        @Override
        public boolean counted() {
            return false;
        }
    }
}
