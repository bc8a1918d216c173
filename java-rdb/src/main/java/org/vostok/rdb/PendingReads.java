package org.vostok.rdb;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.vostok.raft.ReadRefused;
import org.vostok.raft.ReadState;
import org.vostok.raft.Refusal;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.store.RdbStore;

/**
 * Transactions' first queries waiting for a read epoch: each asks the core for a read index (a
 * lease read or a ReadIndex round, Raft §6.4), then waits until the applied index reaches it,
 * and is answered with a reader at the applied index and the pin that holds aggregation back
 * from it. Their futures complete on the owner thread itself, never on the completion thread:
 * only a blocked {@link Tx} waits on them, and blocking there is refused.
 *
 * <p>Owned by the replica's thread.
 */
final class PendingReads {

    private final ReplicaCore core;
    private final RdbStore store;
    private final RdbConfig config;
    private final Leadership leadership;
    private final ReadPins pins;

    private long readSequence;
    private final HashMap<Long, PendingRead> awaitingIndex = new HashMap<>();
    private final ArrayList<PendingRead> awaitingApply = new ArrayList<>();

    private static final class PendingRead {
        final CompletableFuture<ReadView> future;
        final long deadlineNanos;
        long index;

        PendingRead(CompletableFuture<ReadView> future, long deadlineNanos) {
            this.future = future;
            this.deadlineNanos = deadlineNanos;
        }
    }

    PendingReads(ReplicaCore core, RdbStore store, RdbConfig config, Leadership leadership, ReadPins pins) {
        this.core = core;
        this.store = store;
        this.config = config;
        this.leadership = leadership;
        this.pins = pins;
    }

    /** Asks the core for a read index for a transaction of {@code r.term()}, or refuses at once. */
    void start(Request.Read r, long nowNanos) {
        Optional<RdbException> refused = leadership.refuseTerm(r.term());
        if (refused.isPresent()) {
            r.future().completeExceptionally(refused.get());
            return;
        }
        long requestId = ++readSequence;
        Optional<Refusal> refusal = core.node().readIndex(requestId);
        if (refusal.isPresent()) {
            r.future().completeExceptionally(core.refusal(refusal.get()));
            return;
        }
        awaitingIndex.put(requestId, new PendingRead(r.future(), nowNanos + config.readTimeoutMillis() * 1_000_000L));
    }

    /** The core confirmed read indexes, and refused others. */
    void confirmed(List<ReadState> states, List<ReadRefused> refused) {
        for (ReadState rs : states) {
            PendingRead r = awaitingIndex.remove(rs.requestId());
            if (r != null) {
                r.index = rs.index();
                awaitingApply.add(r);
            }
        }
        for (ReadRefused rr : refused) {
            PendingRead r = awaitingIndex.remove(rr.requestId());
            if (r != null) {
                r.future.completeExceptionally(core.refusal(rr.refusal()));
            }
        }
    }

    /** Answers the confirmed reads whose index is applied, with a reader at {@code applied}. */
    void release(long applied) {
        if (awaitingApply.isEmpty()) {
            return;
        }
        Iterator<PendingRead> it = awaitingApply.iterator();
        while (it.hasNext()) {
            PendingRead r = it.next();
            if (r.index <= applied) {
                it.remove();
                // Pinned here, on the owner thread, before any later compaction can let
                // aggregation pass this epoch.
                ReadPins.Pin pin = pins.pin(applied);
                if (!r.future.complete(new ReadView(store.reader(applied), pin))) {
                    pin.close();
                }
            }
        }
    }

    /** Fails the reads past their deadline with TIMEDOUT. */
    void expire(long nowNanos) {
        RdbException timeout = null;
        for (Iterator<PendingRead> it = awaitingIndex.values().iterator(); it.hasNext(); ) {
            PendingRead r = it.next();
            if (nowNanos - r.deadlineNanos >= 0) {
                it.remove();
                timeout = timeout != null ? timeout : timedOut();
                r.future.completeExceptionally(timeout);
            }
        }
        for (Iterator<PendingRead> it = awaitingApply.iterator(); it.hasNext(); ) {
            PendingRead r = it.next();
            if (nowNanos - r.deadlineNanos >= 0) {
                it.remove();
                timeout = timeout != null ? timeout : timedOut();
                r.future.completeExceptionally(timeout);
            }
        }
    }

    private RdbException timedOut() {
        return new RdbException(RdbError.TIMEDOUT, "no read index within " + config.readTimeoutMillis()
                + " ms (readTimeoutMillis); the leader may be cut off from a majority");
    }

    boolean isEmpty() {
        return awaitingIndex.isEmpty() && awaitingApply.isEmpty();
    }

    /** Fails every read waiting, with {@code error}. */
    void failAll(RdbException error) {
        awaitingIndex.values().forEach(r -> r.future.completeExceptionally(error));
        awaitingIndex.clear();
        awaitingApply.forEach(r -> r.future.completeExceptionally(error));
        awaitingApply.clear();
    }
}
