package org.vostok.rdb.testing;

import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.atomic.LongAdder;
import org.vostok.rdb.Replica;
import org.vostok.rdb.ReplicaStatus;
import org.vostok.rdb.Tx;
import org.vostok.rdb.model.LeaderHint;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.model.RequestId;
import org.vostok.rdb.model.RequestOutcome;
import org.vostok.testing.linearizability.KvOp;
import org.vostok.testing.linearizability.KvResult;
import org.vostok.testing.workload.KvClient;
import org.vostok.testing.workload.Reply;

/**
 * A client of the {@link KvService}s of a {@link TestCluster}, as a client library would be: it
 * sends each operation to the replica it believes leads, follows NOTLEADER hints (or tries
 * another replica when there is none), and retries what was refused, with a little jittered
 * back-off, until the operation's deadline.
 *
 * <p>An update whose commit ended ambiguously ({@code OUTCOME_UNKNOWN}, answered
 * {@link KvService.Unknown}) is not simply retried: the client asks a leader of
 * a later term whether its request id committed ({@link Tx#requestOutcome}). Such a leader's
 * first entry is committed, so an entry of an earlier term is either below it (committed, its
 * request record visible) or gone from every log that can ever commit (Raft's Log Matching):
 * "present" means it happened, "absent" means it never will, and the client may retry. Only when
 * no such leader answers in time is the reply {@link Reply.Unknown}. This needs the request
 * record to live longer than an operation's settling takes (request records are kept for a
 * number of entries: at this workload's rate, tens of seconds).
 *
 * <p>Not thread-safe: one per client thread. Its random stream (request ids, replicas tried,
 * back-off) comes from the seed it is given.
 */
public final class RdbKvClient implements KvClient {

    private static final long BACKOFF_MILLIS_MIN = 5;
    private static final long BACKOFF_MILLIS_MAX = 30;

    /** What the clients sharing it went through, for a test's report. Thread-safe. */
    public static final class Stats {
        private final LongAdder refused = new LongAdder();
        private final LongAdder ambiguous = new LongAdder();
        private final LongAdder settledCommitted = new LongAdder();
        private final LongAdder settledNotCommitted = new LongAdder();

        /** Attempts refused (and retried unless the deadline passed). */
        public long refused() {
            return refused.sum();
        }

        /** Commits that ended ambiguously. */
        public long ambiguous() {
            return ambiguous.sum();
        }

        /** Ambiguous commits a later leader said took effect. */
        public long settledCommitted() {
            return settledCommitted.sum();
        }

        /** Ambiguous commits a later leader said never will. */
        public long settledNotCommitted() {
            return settledNotCommitted.sum();
        }

        @Override
        public String toString() {
            return refused() + " attempts refused and retried, " + ambiguous() + " ambiguous commits ("
                    + settledCommitted() + " settled as committed, " + settledNotCommitted() + " as not committed)";
        }
    }

    private final TestCluster cluster;
    private final KvServices services;
    private final SplittableRandom random;
    /** This client's id in its request ids; their sequence numbers count up from 1. */
    private final UUID client;
    private long sequence;
    private final long operationMillisMax;
    private final Stats stats;
    private long target;

    /**
     * @param operationMillisMax how long one operation is tried (and then as long again to settle
     *                           an ambiguous commit) before the client gives up
     */
    public RdbKvClient(TestCluster cluster, KvServices services, long seed, long operationMillisMax) {
        this(cluster, services, seed, operationMillisMax, new Stats());
    }

    /** A client that adds what it goes through to {@code stats}. */
    public RdbKvClient(TestCluster cluster, KvServices services, long seed, long operationMillisMax, Stats stats) {
        this.cluster = cluster;
        this.services = services;
        this.random = new SplittableRandom(seed);
        this.operationMillisMax = operationMillisMax;
        this.stats = stats;
        List<Long> ids = cluster.ids();
        this.target = ids.get(random.nextInt(ids.size()));
        this.client = new UUID(random.nextLong(), random.nextLong());
    }

    @Override
    public Reply perform(KvOp op) {
        RequestId requestId = new RequestId(client, ++sequence);
        long deadline = System.nanoTime() + operationMillisMax * 1_000_000L;
        String lastRefusal = "no replica was reachable";
        while (System.nanoTime() - deadline < 0) {
            Optional<Replica> replica = cluster.running(target);
            if (replica.isEmpty()) {
                lastRefusal = "replica " + target + " is not running";
                target = another();
                backOff();
                continue;
            }
            KvService.Answer answer = services.of(replica.get()).handle(op, requestId);
            if (answer instanceof KvService.Done d) {
                return Reply.ok(d.result());
            } else if (answer instanceof KvService.Refused r) {
                stats.refused.increment();
                lastRefusal = r.error().getMessage();
                target = r.error().leaderHint().map(LeaderHint::replicaId).filter(id -> cluster.ids().contains(id))
                        .orElseGet(this::another);
                backOff();
            } else {
                KvService.Unknown u = (KvService.Unknown) answer;
                stats.ambiguous.increment();
                Optional<Boolean> applied = settle(requestId, u.term(),
                        Math.max(deadline, System.nanoTime() + operationMillisMax * 1_000_000L));
                if (applied.isEmpty()) {
                    return Reply.unknown(u.error().getMessage() + "; no leader of a term after " + u.term()
                            + " said whether it committed");
                }
                (applied.get() ? stats.settledCommitted : stats.settledNotCommitted).increment();
                if (applied.get()) {
                    return Reply.ok(op instanceof KvOp.CompareAndSet ? KvResult.swapped(true) : KvResult.ok());
                }
                lastRefusal = u.error().getMessage() + "; it did not commit";
            }
        }
        return Reply.failed("every attempt was refused; the last: " + lastRefusal);
    }

    /**
     * Whether the update with {@code requestId}, proposed in {@code term}, took effect, as a ready
     * leader of a later term says; empty if none answered by {@code deadline}.
     */
    private Optional<Boolean> settle(RequestId requestId, long term, long deadline) {
        while (System.nanoTime() - deadline < 0) {
            for (long id : cluster.ids()) {
                Optional<Replica> replica = cluster.running(id);
                if (replica.isEmpty()) {
                    continue;
                }
                ReplicaStatus s = replica.get().status();
                if (!s.isReadyLeader() || s.term() <= term) {
                    continue;
                }
                try (Tx tx = replica.get().begin(s.term())) {
                    Optional<RequestOutcome> outcome = tx.requestOutcome(requestId);
                    return Optional.of(outcome.isPresent() && outcome.get().applied());
                } catch (RdbException e) {
                    // it stopped leading meanwhile: look again
                }
            }
            backOff();
        }
        return Optional.empty();
    }

    private long another() {
        List<Long> ids = cluster.ids();
        long next = ids.get(random.nextInt(ids.size()));
        return next == target && ids.size() > 1 ? another() : next;
    }

    private void backOff() {
        try {
            Thread.sleep(BACKOFF_MILLIS_MIN + random.nextLong(BACKOFF_MILLIS_MAX - BACKOFF_MILLIS_MIN + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("a client was interrupted", e);
        }
    }
}
