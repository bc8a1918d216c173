package org.vostok.rdb.testing;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.vostok.rdb.Replica;
import org.vostok.rdb.ReplicaStatus;
import org.vostok.rdb.Tx;
import org.vostok.rdb.model.KvsPath;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.model.RequestId;
import org.vostok.rdb.model.RequestOutcome;
import org.vostok.testing.linearizability.KvOp;
import org.vostok.testing.linearizability.KvResult;
import org.vostok.vos.Key;

/**
 * A key-value service on one replica, written as a host built on rdb writes one: each request
 * runs in an rdb transaction on the leader. Keys and values are UTF-8 strings in the root KVS,
 * which must exist with lexical keys ({@code createRoot(KeyOrder.LEXICAL)}).
 *
 * <p><b>Compare-and-set.</b> rdb transactions are not isolated from one another (rdb's DESIGN.md,
 * "Transactions"), so the service makes read-modify-write atomic as that design says, with a
 * lock held from a transaction's first query until its commit completes: here one lock per key
 * on each replica, so that updates of different keys are in flight together. Every handler that
 * updates a key takes its lock, writes and deletes too: a blind write proposed between a
 * compare-and-set's read and its entry would be overwritten by a swap that compared against the
 * value before it. Reads take no lock; each reads at its own linearizable read epoch.
 *
 * <p>Why that suffices: a transaction on a ready leader reads at an epoch at or after the first
 * entry of the leader's term, and every entry after that epoch is this leader's, of this term.
 * An entry that changed the key before was proposed under the key's lock, which was released
 * only once that entry was committed and applied here, so it lies at or below the read epoch;
 * none after it can touch the key until this one completes. A commit that failed ambiguously
 * after the leader lost its term leaves nothing behind either: the replica's next term begins
 * with an entry that settles it. The one case left is a commit that timed out while the replica
 * still leads the term: its entry may still commit, after later transactions read without it.
 * rdb itself closes it: after such a commit the replica takes no more transactions in that term
 * (they are refused with NOTLEADER) and hands the leadership over; a new term settles the entry.
 *
 * <p>The commit's failures are told apart by their code alone: {@code OUTCOME_UNKNOWN} is an
 * entry that may or may not commit (answered {@link Unknown}), {@code EXIST} a request id that a
 * committed entry carried (an earlier attempt of this request: its outcome is asked), anything
 * else a refusal that changed nothing.
 *
 * <p>Thread-safety: safe for any number of threads; one instance per running {@link Replica}
 * (see {@link KvServices}).
 */
public final class KvService {

    private static final KvsPath ROOT = KvsPath.root();

    /** What became of a request on this replica. */
    public sealed interface Answer permits Done, Refused, Unknown {
    }

    /** It took effect with this result. */
    public record Done(KvResult result) implements Answer {
    }

    /** It did not take effect: refused before anything was proposed, or lost before it committed. */
    public record Refused(RdbException error) implements Answer {
    }

    /**
     * It was proposed in {@code term} and may or may not commit. A leader of a later term knows:
     * its request record ({@link Tx#requestOutcome}) is there if and only if it committed.
     */
    public record Unknown(long term, RdbException error) implements Answer {
    }

    private final Replica replica;
    private final Map<String, ReentrantLock> keyLocks = new ConcurrentHashMap<>();

    public KvService(Replica replica) {
        this.replica = replica;
    }

    public Replica replica() {
        return replica;
    }

    /** Handles {@code op}; an update carries {@code requestId}, so that its outcome can be asked later. */
    public Answer handle(KvOp op, RequestId requestId) {
        long term = replica.status().term();
        Tx tx;
        try {
            tx = replica.begin(term);
        } catch (RdbException e) {
            return new Refused(e);
        }
        try (tx) {
            if (op instanceof KvOp.Read) {
                return new Done(KvResult.valueOf(lookup(tx, op.key())));
            }
            ReentrantLock lock = keyLocks.computeIfAbsent(op.key(), k -> new ReentrantLock());
            lock.lock();
            try {
                return update(tx, op, requestId);
            } finally {
                lock.unlock();
            }
        } catch (RdbException e) {
            return new Refused(e);
        }
    }

    /** Runs under the key's lock; a query's failure before the commit is a refusal. */
    private Answer update(Tx tx, KvOp op, RequestId requestId) {
        KvResult result = KvResult.ok();
        if (op instanceof KvOp.CompareAndSet cas) {
            if (!cas.expected().equals(lookup(tx, cas.key()))) {
                return new Done(KvResult.swapped(false));
            }
            tx.update(ROOT, key(cas.key()), bytes(cas.newValue()));
            result = KvResult.swapped(true);
        } else if (op instanceof KvOp.Write w) {
            tx.update(ROOT, key(w.key()), bytes(w.value()));
        } else if (op instanceof KvOp.Delete d) {
            tx.delete(ROOT, key(d.key()));
        } else {
            throw new IllegalArgumentException("unknown operation " + op);
        }
        tx.requestId(requestId);
        try {
            tx.commit().get(Await.DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
            return new Done(result);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof RdbException r)) {
                throw new AssertionError("a commit failed with something other than an RdbException", e.getCause());
            }
            return switch (r.error()) {
                case OUTCOME_UNKNOWN -> new Unknown(tx.term(), r);
                // A committed entry carried the request id: only an earlier attempt of this very request can have.
                case EXIST -> earlierAttempt(requestId, result, tx.term(), r);
                default -> new Refused(r);
            };
        } catch (TimeoutException e) {
            throw new AssertionError("replica " + replica.id() + " never completed a commit (it must, by"
                    + " commitTimeoutMillis at the latest)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while committing", e);
        }
    }

    private Answer earlierAttempt(RequestId requestId, KvResult result, long term, RdbException exist) {
        try (Tx check = replica.begin(term)) {
            Optional<RequestOutcome> outcome = check.requestOutcome(requestId);
            if (outcome.isPresent()) {
                return outcome.get().applied() ? new Done(result) : new Refused(exist);
            }
        } catch (RdbException e) {
            // fall through: the client settles it with a leader of a later term
        }
        return new Unknown(term, exist);
    }

    private static Optional<String> lookup(Tx tx, String key) {
        return tx.lookup(ROOT, key(key)).map(v -> new String(v, StandardCharsets.UTF_8));
    }

    private static Key key(String key) {
        return Key.ofUtf8(key);
    }

    private static byte[] bytes(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        ReplicaStatus s = replica.status();
        return "KvService on replica " + replica.id() + " (" + s.role() + " in term " + s.term() + ")";
    }
}
