package org.vostok.rdb;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import org.vostok.rdb.model.KvsPath;
import org.vostok.rdb.model.LeaderHint;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.model.RequestId;
import org.vostok.rdb.model.RequestOutcome;
import org.vostok.testing.linearizability.HistoryRecorder;
import org.vostok.testing.linearizability.KvOp;
import org.vostok.testing.linearizability.KvResult;
import org.vostok.vos.Key;

/**
 * A client of a key-value service on a simulated cluster, as {@code KvService} and
 * {@code RdbKvClient} are on a threaded one, but as a state machine the simulator steps: nothing
 * blocks, every wait is a future the simulator's thread completes. Each operation goes to the
 * replica the client believes leads; refusals are retried (following hints); a commit that ends
 * ambiguously (OUTCOME_UNKNOWN) is settled by asking a ready leader of a later term whether its
 * request id committed, and tried again with the same id when it did not. An operation without
 * an answer by its deadline is recorded as unknown when it may have taken effect, as failed when
 * nothing of it can have.
 *
 * <p>An update takes its key's lock on the replica ({@link SimCluster#lock}) from a
 * compare-and-set's read until the commit completes, as rdb's DESIGN.md asks of a service.
 */
final class SimKvClient {

    private static final KvsPath ROOT = KvsPath.root();
    /** Back-off before an attempt after a refusal, in simulated nanoseconds. */
    private static final long BACKOFF_NANOS_MIN = 5_000_000;
    private static final long BACKOFF_NANOS_MAX = 25_000_000;
    /** Time between a client's operations: a client is a user, not a benchmark. */
    private static final long THINK_NANOS_MIN = 10_000_000;
    private static final long THINK_NANOS_MAX = 60_000_000;

    private enum Phase { IDLE, WAITING, READING, CAS_READING, COMMITTING, SETTLE_WAITING, SETTLE_READING }

    private final int id;
    private final SimCluster cluster;
    private final HistoryRecorder<KvOp, KvResult> recorder;
    private final SplittableRandom random;
    /** This client's id in its request ids; their sequence numbers count up from 1. */
    private final UUID client;
    private long requestSequence;
    private final List<String> keys;
    private final int valueBytes;
    private final long operationNanosMax;

    private Phase phase = Phase.IDLE;
    private long wakeNanos;
    private boolean issuing = true;
    private long sequence;

    // The operation in progress.
    private KvOp op;
    private HistoryRecorder.Pending<KvOp, KvResult> pending;
    private RequestId requestId;
    private long deadlineNanos;
    private long target;
    /** An attempt may have taken effect and no leader of a later term has said it did not. */
    private boolean mayHaveApplied;
    /** The term a ready leader must be past for its answer to settle the ambiguous attempt. */
    private long settleAfterTerm;
    private long attemptTerm;
    private long lockedOn;
    private CompletableFuture<ReadView> read;
    private CompletableFuture<Long> commit;
    private KvResult result;

    private long operations;
    /** Read epochs had at once, from the leader's lease without its owner thread ({@link Replica#readEpoch}). */
    private long localReads;
    private long ambiguous;
    private long nospace;

    SimKvClient(int id, SimCluster cluster, HistoryRecorder<KvOp, KvResult> recorder, SplittableRandom random,
                long now, List<String> keys, int valueBytes, long operationNanosMax) {
        this.id = id;
        this.cluster = cluster;
        this.recorder = recorder;
        this.random = random;
        this.client = new UUID(random.nextLong(), random.nextLong());
        this.keys = keys;
        this.valueBytes = valueBytes;
        this.operationNanosMax = operationNanosMax;
        this.target = 1 + random.nextInt(3); // a founding replica; hints lead it to the leader
        this.wakeNanos = now + THINK_NANOS_MIN + random.nextLong(THINK_NANOS_MAX - THINK_NANOS_MIN);
    }

    /** No new operations: the one in progress goes on to its end. */
    void stopIssuing() {
        issuing = false;
    }

    /** Whether no operation is in progress. */
    boolean isIdle() {
        return phase == Phase.IDLE;
    }

    long operations() {
        return operations;
    }

    long ambiguous() {
        return ambiguous;
    }

    long localReads() {
        return localReads;
    }

    /** Counts a read epoch that came at once: nothing else completes before the owner's next round. */
    private CompletableFuture<ReadView> countLocal(CompletableFuture<ReadView> f) {
        if (f.isDone() && !f.isCompletedExceptionally()) {
            localReads++;
        }
        return f;
    }

    /** Commits refused for want of space. */
    long nospace() {
        return nospace;
    }

    /** When the client has something to do next, unless a future it waits for completes before. */
    long wakeNanos() {
        return switch (phase) {
            case IDLE -> issuing ? wakeNanos : Long.MAX_VALUE;
            case WAITING, SETTLE_WAITING -> wakeNanos;
            default -> Long.MAX_VALUE;
        };
    }

    /** Makes what progress it can at {@code now}; returns whether it did anything. */
    boolean step(long now) {
        return switch (phase) {
            case IDLE -> issuing && now >= wakeNanos && begin(now);
            case WAITING -> now >= wakeNanos && attempt(now);
            case READING -> read.isDone() && onRead(now);
            case CAS_READING -> read.isDone() && onCasRead(now);
            case COMMITTING -> commit.isDone() && onCommit(now);
            case SETTLE_WAITING -> now >= wakeNanos && settle(now);
            case SETTLE_READING -> read.isDone() && onSettleRead(now);
        };
    }

    // ----------------------------------------------------------------------------------------
    // An operation

    private boolean begin(long now) {
        String key = keys.get(random.nextInt(keys.size()));
        int kind = random.nextInt(100);
        if (kind < 40) {
            op = KvOp.read(key);
        } else if (kind < 70) {
            op = KvOp.write(key, value());
        } else if (kind < 80) {
            op = KvOp.delete(key);
        } else {
            Optional<String> expected = random.nextInt(3) == 0 || sequence == 0 ? Optional.empty()
                    : Optional.of(valueOf(random.nextInt(cluster.clientCount()), random.nextLong(sequence + 1)));
            op = new KvOp.CompareAndSet(key, expected, value());
        }
        operations++;
        requestId = new RequestId(client, ++requestSequence);
        pending = recorder.invoke(id, op);
        deadlineNanos = now + operationNanosMax;
        mayHaveApplied = false;
        return attempt(now);
    }

    private String value() {
        return valueOf(id, sequence++);
    }

    /** Client {@code client}'s value number {@code n}, padded to the workload's value size. */
    private String valueOf(int client, long n) {
        String v = "c" + client + "-" + n;
        return v.length() >= valueBytes ? v : v + "-" + "x".repeat(valueBytes - v.length() - 1);
    }

    /** Sends the operation to the replica it believes leads. */
    private boolean attempt(long now) {
        if (now >= deadlineNanos) {
            finish(now, null);
            return true;
        }
        // Clients know the cluster unevenly: most go to the newest leader (as a client that
        // follows hints soon does), some stay with the one they knew (which may be deposed or
        // paused and not know it yet).
        if (random.nextInt(4) != 0) {
            target = cluster.leader().map(Replica::id).orElse(target);
        }
        Optional<Replica> r = cluster.running(target);
        if (r.isEmpty() || !r.get().status().isReadyLeader()) {
            return backOff(now, r.flatMap(Replica::leaderHint));
        }
        Replica replica = r.get();
        attemptTerm = replica.status().term();
        if (op instanceof KvOp.Read) {
            read = countLocal(replica.readEpoch(attemptTerm));
            phase = Phase.READING;
            return true;
        }
        if (!cluster.lock(target, op.key())) {
            phase = Phase.WAITING; // another update of this key is in flight on that replica
            wakeNanos = now + 1_000_000;
            return true;
        }
        lockedOn = target;
        if (op instanceof KvOp.CompareAndSet) {
            read = countLocal(replica.readEpoch(attemptTerm));
            phase = Phase.CAS_READING;
            return true;
        }
        return propose(now, replica, op instanceof KvOp.Write w ? Optional.of(w.value()) : Optional.empty(),
                KvResult.ok());
    }

    private boolean onRead(long now) {
        Optional<Optional<String>> value = readKey(read);
        read = null;
        if (value.isEmpty()) {
            return backOff(now, Optional.empty());
        }
        finish(now, KvResult.valueOf(value.get()));
        return true;
    }

    private boolean onCasRead(long now) {
        Optional<Optional<String>> current = readKey(read);
        read = null;
        Optional<Replica> replica = cluster.running(target);
        if (current.isEmpty() || replica.isEmpty()) {
            unlock();
            return backOff(now, Optional.empty());
        }
        KvOp.CompareAndSet cas = (KvOp.CompareAndSet) op;
        if (!cas.expected().equals(current.get())) {
            unlock();
            finish(now, KvResult.swapped(false));
            return true;
        }
        return propose(now, replica.get(), Optional.of(cas.newValue()), KvResult.swapped(true));
    }

    private boolean propose(long now, Replica replica, Optional<String> value, KvResult onSuccess) {
        Tx tx;
        try {
            tx = replica.begin(attemptTerm);
        } catch (RdbException e) {
            unlock();
            return backOff(now, e.leaderHint());
        }
        tx.requestId(requestId);
        Key key = Key.ofUtf8(op.key());
        if (value.isPresent()) {
            tx.update(ROOT, key, value.get().getBytes(StandardCharsets.UTF_8));
        } else {
            tx.delete(ROOT, key);
        }
        result = onSuccess;
        commit = tx.commit();
        // The key stays locked until the commit completes, whatever the client does meanwhile.
        long locked = lockedOn;
        String k = op.key();
        commit.whenComplete((index, error) -> cluster.unlock(locked, k));
        lockedOn = 0;
        phase = Phase.COMMITTING;
        return true;
    }

    private boolean onCommit(long now) {
        CompletableFuture<Long> c = commit;
        commit = null;
        try {
            c.join();
            finish(now, result);
            return true;
        } catch (CompletionException e) {
            if (!(e.getCause() instanceof RdbException r) || isFatal(r)) {
                throw e;
            }
            if (r.error() == RdbError.OUTCOME_UNKNOWN) {
                mayHaveApplied = true;
                ambiguous++;
                settleAfterTerm = attemptTerm;
                phase = Phase.SETTLE_WAITING;
                wakeNanos = now;
            } else if (r.error() == RdbError.EXIST) {
                // A committed entry carried this request id: an earlier attempt. Its record says how it ended.
                mayHaveApplied = true;
                settleAfterTerm = attemptTerm - 1;
                phase = Phase.SETTLE_WAITING;
                wakeNanos = now;
            } else {
                if (r.error() == RdbError.NOSPACE) {
                    nospace++;
                }
                backOff(now, r.leaderHint());
            }
            return true;
        }
    }

    /** Asks a ready leader of a term after {@link #settleAfterTerm} whether the request committed. */
    private boolean settle(long now) {
        if (now >= deadlineNanos) {
            finish(now, null);
            return true;
        }
        Optional<Replica> leader = cluster.readyLeaderAfter(settleAfterTerm);
        if (leader.isEmpty()) {
            wakeNanos = now + BACKOFF_NANOS_MIN;
            return true;
        }
        target = leader.get().id();
        read = countLocal(leader.get().readEpoch(leader.get().status().term()));
        phase = Phase.SETTLE_READING;
        return true;
    }

    private boolean onSettleRead(long now) {
        Optional<Optional<RequestOutcome>> outcome = withView(read, v -> v.reader().requestOutcome(requestId));
        read = null;
        if (outcome.isEmpty()) {
            phase = Phase.SETTLE_WAITING;
            wakeNanos = now + BACKOFF_NANOS_MIN;
            return true;
        }
        if (outcome.get().isPresent()) {
            // It committed: its record says whether it applied (these updates always do).
            if (!outcome.get().get().applied()) {
                throw new AssertionError("request " + requestId + " (" + op + ") committed but failed: "
                        + outcome.get().get());
            }
            finish(now, result);
            return true;
        }
        // A ready leader of a later term does not hold it: it never commits. Try again, same id.
        mayHaveApplied = false;
        return attempt(now);
    }

    private boolean backOff(long now, Optional<LeaderHint> hint) {
        target = hint.map(LeaderHint::replicaId).filter(cluster::isMember).orElseGet(() -> cluster.anyMember(random));
        phase = Phase.WAITING;
        wakeNanos = now + BACKOFF_NANOS_MIN + random.nextLong(BACKOFF_NANOS_MAX - BACKOFF_NANOS_MIN);
        return true;
    }

    private void unlock() {
        if (lockedOn != 0) {
            cluster.unlock(lockedOn, op.key());
            lockedOn = 0;
        }
    }

    /** Records the operation's end: {@code ok} when it took effect with that result; else failed, or unknown. */
    private void finish(long now, KvResult ok) {
        unlock();
        if (ok != null) {
            pending.ok(ok);
        } else if (mayHaveApplied) {
            pending.info();
        } else {
            pending.fail();
        }
        phase = Phase.IDLE;
        wakeNanos = now + THINK_NANOS_MIN + random.nextLong(THINK_NANOS_MAX - THINK_NANOS_MIN);
    }

    private Optional<Optional<String>> readKey(CompletableFuture<ReadView> f) {
        return withView(f, v -> v.reader().lookup(ROOT, Key.ofUtf8(op.key()))
                .map(b -> new String(b, StandardCharsets.UTF_8)));
    }

    /** What {@code fn} reads from the view (its pin released after), or empty when the read was refused. */
    private static <T> Optional<T> withView(CompletableFuture<ReadView> f, Function<ReadView, T> fn) {
        ReadView view;
        try {
            view = f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RdbException r && !isFatal(r)) {
                return Optional.empty();
            }
            throw e;
        }
        try {
            return Optional.of(fn.apply(view));
        } finally {
            view.pin().close();
        }
    }

    /** Failures no client retries: the store is damaged or failed, a bug to report. */
    private static boolean isFatal(RdbException r) {
        return r.error() == RdbError.CORRUPT || r.error() == RdbError.IO;
    }
}
