package org.vostok.rdb;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vostok.raft.Membership;
import org.vostok.raft.MembershipChange;
import org.vostok.raft.Message;
import org.vostok.raft.Role;
import org.vostok.rdb.model.LeaderHint;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.model.ReplicaIds;
import org.vostok.rdb.store.EntryPayload;
import org.vostok.rdb.store.PlanFailure;
import org.vostok.rdb.store.RdbStore;
import org.vostok.rdb.transport.RaftTransport;
import org.vostok.vos.Pool;

/**
 * One replica of a replicated, transactional KV tree: a Raft core and a VOS pool driven by one
 * owner thread ({@link ReplicaLoop}). Transactions begin on the leader ({@link #begin(long)});
 * leadership changes reach the host through its {@link LeadershipListener}.
 *
 * <p>Life cycle: format the pool once ({@link #bootstrap} for a founding member of a new cluster,
 * {@link #formatJoining} for a replica that a running cluster will add), then
 * {@link #start} it after every process start, and {@link #close()} it. The pool stays the
 * caller's: close it after the replica.
 *
 * <p>Threads: {@code rdb-<id>-replica} (the owner: all Raft state and every write),
 * {@code rdb-<id>-events} (leadership events), {@code rdb-<id>-completions} (commit futures
 * complete there, so that a caller's continuation never runs on the owner thread; a continuation
 * must not block: waiting there for another commit ({@code get}, {@code join}) or a
 * transaction's first query is refused with {@link IllegalStateException}). All end in
 * {@link #close()}.
 *
 * <p>Thread-safety: safe for any number of threads.
 */
public final class Replica implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Replica.class);
    /** The replica whose completions the current thread runs, if any. */
    private static final ThreadLocal<Replica> COMPLETING = new ThreadLocal<>();

    private final long id;
    private final RdbConfig config;
    private final LinkedBlockingQueue<Inbound> inbound = new LinkedBlockingQueue<>();
    private final AtomicInteger messagesQueued = new AtomicInteger();
    private final AtomicInteger requestsQueued = new AtomicInteger();
    private final ReplicaLoop loop;
    /** The owner thread; null when the host drives the replica ({@link ReplicaRuntime#startsThreads()}). */
    private final Thread owner;
    private final LeadershipEvents events;
    private final Lane completions;
    /** An item the owner thread took while it waited ({@link #awaitInbound}), to hand out first. Owner only. */
    private Inbound head;
    private volatile ReplicaStatus status;
    /** What a lease read needs to be served off the owner thread, while this replica leads; else null. */
    private volatile LocalLease lease;
    private final ReplicaRuntime runtime;
    private final LongAdder localReads = new LongAdder();
    private volatile boolean closed;
    private volatile RdbException failure;

    private Replica(RdbStore store, RdbConfig config, RaftTransport transport, LeadershipListener listener,
                    ReplicaRuntime runtime, ReplicaObserver observer) {
        this.id = store.replicaId();
        this.config = config;
        this.runtime = runtime;
        this.events = new LeadershipEvents(id, listener, term -> submitInternal(new Request.Abdicate(term)),
                runtime.lane("rdb-" + id + "-events"));
        this.completions = runtime.lane("rdb-" + id + "-completions");
        this.loop = new ReplicaLoop(this, store, config, transport, events, completions, runtime, observer);
        this.status = loop.currentStatus();
        if (runtime.startsThreads()) {
            this.owner = new Thread(loop, "rdb-" + id + "-replica");
            this.owner.setDaemon(true);
        } else {
            this.owner = null;
        }
    }

    // ----------------------------------------------------------------------------------------
    // Format and start

    /**
     * Formats an empty pool as founding replica {@code replicaId} of a new cluster whose voters
     * are {@code voters} (this one among them). Every founding replica is formatted with the same
     * voters; the cluster elects its first leader once a majority has started.
     */
    public static void bootstrap(Pool pool, long replicaId, Collection<Long> voters) {
        if (!voters.contains(replicaId)) {
            throw new RdbException(RdbError.INVAL, "founding replica " + replicaId + " must be one of the voters "
                    + voters);
        }
        Membership membership;
        try {
            membership = Membership.of(voters, List.of());
        } catch (IllegalArgumentException e) {
            throw new RdbException(RdbError.INVAL, "bad founding voters " + voters + ": " + e.getMessage());
        }
        RdbStore.format(pool, replicaId, Optional.of(membership));
    }

    /**
     * Formats an empty pool as replica {@code replicaId} that a running cluster will add
     * ({@link #changeMembership}): it starts empty and receives the state from the leader as a
     * snapshot. Take the id from {@link #allocateReplicaId} on the leader: an id is never
     * reused, not even for a replica that was removed, and the leader refuses to add one twice.
     */
    public static void formatJoining(Pool pool, long replicaId) {
        RdbStore.format(pool, replicaId, Optional.empty());
    }

    /**
     * Opens the replica in a formatted pool and starts it: its threads run until
     * {@link #close()}, and it exchanges Raft messages through {@code transport}.
     */
    public static Replica start(Pool pool, RdbConfig config, RaftTransport transport, LeadershipListener listener) {
        return start(pool, config, transport, listener, ReplicaObserver.NONE);
    }

    /** As {@link #start(Pool, RdbConfig, RaftTransport, LeadershipListener)}, with an observer of its writes and commits (metrics). */
    public static Replica start(Pool pool, RdbConfig config, RaftTransport transport, LeadershipListener listener,
                                ReplicaObserver observer) {
        return start(pool, config, transport, listener, ReplicaRuntime.THREADS, observer);
    }

    /**
     * {@link #start} on {@code runtime}: with {@link ReplicaRuntime#THREADS} the replica runs on
     * threads of its own; with a runtime that starts none, its host drives it ({@link #doWork},
     * {@link #runMaintenance}, {@link #crash}), as a simulator does.
     */
    static Replica start(Pool pool, RdbConfig config, RaftTransport transport, LeadershipListener listener,
                         ReplicaRuntime runtime, ReplicaObserver observer) {
        Objects.requireNonNull(observer, "observer");
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(config, "config").validate();
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(listener, "listener");
        long total = pool.query().totalBytes();
        if (config.poolFreeBytesMin() >= total) {
            throw new RdbException(RdbError.INVAL, "poolFreeBytesMin (" + config.poolFreeBytesMin() + " bytes) is not"
                    + " below the " + total + " bytes pool " + pool.path() + " holds: the replica would refuse every"
                    + " write; lower poolFreeBytesMin or give the replica a larger pool");
        }
        RdbStore store = RdbStore.open(pool, config.storeLimits());
        Replica replica;
        try {
            replica = new Replica(store, config, transport, listener, runtime, observer);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        try {
            transport.start(replica::receive);
            if (replica.owner != null) {
                replica.owner.start();
            }
        } catch (RuntimeException | Error e) {
            replica.closed = true;
            replica.loop.abandon();
            throw e;
        }
        LOG.info("replica {} started", replica.id);
        return replica;
    }

    // ----------------------------------------------------------------------------------------
    // What a host calls

    public long id() {
        return id;
    }

    /** This replica's state, as of the end of its thread's last round. */
    public ReplicaStatus status() {
        return status;
    }

    /** The leader this replica knows, other than itself. */
    public Optional<LeaderHint> leaderHint() {
        ReplicaStatus s = status;
        return s.leader() != 0 && s.leader() != id && s.term() > 0 ? Optional.of(new LeaderHint(s.leader(), s.term()))
                : Optional.empty();
    }

    /** The error that stopped the replica, if one did. */
    public Optional<RdbException> failure() {
        return Optional.ofNullable(failure);
    }

    /**
     * Begins a transaction in {@code term}: {@link RdbError#NOTLEADER} (with the leader this
     * replica knows) unless this replica leads that term, has applied the term's first entry, and
     * still takes transactions in it (it takes none in a term in which a commit ended ambiguously
     * or its host's stepUp failed: it hands the leadership over).
     *
     * <p>Beginning costs nothing. The transaction's first query gets its read epoch: with lease
     * reads, while the lease holds, on the caller's own thread from what the owner thread
     * published at the end of its last round ({@link LocalLease}); otherwise it asks the owner
     * thread and waits for the answer. When that thread is stalled (a long garbage-collection
     * pause, a slow or full disk, a descheduled process) past the lease, the first query waits for
     * the stall to end, up to {@code readTimeoutMillis} (then TIMEDOUT); later queries of the same
     * transaction read straight from the store.
     */
    public Tx begin(long term) {
        checkRunning();
        ReplicaStatus s = status;
        if (s.role() == Role.LEADER && s.term() == term && s.readyTerm() == term) {
            return new Tx(this, term);
        }
        throw notLeader(s, term);
    }

    private RdbException notLeader(ReplicaStatus s, long term) {
        String what = s.role() == Role.LEADER && s.term() == term && s.abandonedTerm() == term
                ? "leads term " + term + " but takes no more transactions in it (a commit in it ended ambiguously, or"
                + " its host could not step up): it hands the leadership over"
                : s.role() == Role.LEADER && s.term() == term
                ? "leads term " + term + " but is not ready for transactions yet (its first entry is not applied)"
                : "does not lead term " + term + " (it is " + s.role().name().toLowerCase(java.util.Locale.ROOT)
                + " in term " + s.term() + ")";
        return RdbException.notLeader("replica " + id + " " + what + leaderText(), leaderHint());
    }

    private String leaderText() {
        return leaderHint().map(h -> "; the leader it knows is " + h).orElse("; it knows no leader");
    }

    /**
     * Proposes a membership change (add a learner, promote it, add or remove a voter); the
     * future completes with the change's log index once it is committed and applied here. An id
     * is added only once: a leader refuses (INVAL) an id that was added before, one that is not
     * the latest handed out for its rank, and one whose rank another member holds
     * ({@link ReplicaIds}).
     */
    public CompletableFuture<Long> changeMembership(MembershipChange change) {
        CompletableFuture<Long> f = new CommitFuture<>(this);
        submit(new Request.ChangeMembership(Objects.requireNonNull(change, "change"), f));
        return f;
    }

    /**
     * Hands out a new replica id for {@code rank} (unsigned), through a log entry that draws the
     * next generation from the replicated counter: an id no replica ever had, to format the new
     * replica's pool with ({@link #formatJoining}) and add ({@link #changeMembership}). Only the
     * leader does this (NOTLEADER with a hint elsewhere); the future completes with the id once
     * the entry is committed and applied. See {@link ReplicaIds}.
     */
    public CompletableFuture<Long> allocateReplicaId(int rank) {
        CompletableFuture<Long> f = new CommitFuture<>(this);
        submit(new Request.AllocateReplicaId(rank, f));
        return f;
    }

    /**
     * If this replica leads: how many entries each other member's log is known to trail its own, by
     * replica id (its last index less the member's match index, Raft's matchIndex, both taken at the
     * same moment on its thread); empty when it does not lead. For monitoring how far each follower
     * and learner trails the leader.
     */
    public CompletableFuture<Map<Long, Long>> followerLags() {
        CompletableFuture<Map<Long, Long>> f = new CommitFuture<>(this);
        submit(new Request.Progress(f));
        return f;
    }

    /**
     * Asks this replica, if it leads, to hand the leadership to voter {@code target} (thesis
     * §3.10); the future completes when the transfer has started.
     */
    public CompletableFuture<Void> transferLeadership(long target) {
        CompletableFuture<Void> f = new CommitFuture<>(this);
        submit(new Request.TransferLeadership(target, f));
        return f;
    }

    /**
     * The host learned that the process of replica {@code leaderReplicaId} is gone: its node
     * refused a new connection right after the connection to it was reset. If this replica
     * follows that leader, it forgets it ({@link org.vostok.raft.RaftNode#forgetLeader}): it then
     * grants pre-votes and votes at once instead of refusing them for an election timeout, so a
     * new leader is elected in a few message rounds. The voter with the lowest id among the
     * others campaigns at once, and asks again at each tick (for an election timeout at most)
     * while a follower told later ignores its pre-vote; the rest wait for their election timeout
     * (by then the election is usually over): followers that all campaigned at once would split
     * their votes and wait out a randomized timeout anyway. Queued to the replica's thread (dropped when the queue is
     * full: it only speeds the election up); returns at once, and does nothing when this replica
     * follows another leader, or none.
     *
     * <p><b>Safety contract.</b> Call it only on that evidence that the leader's process is gone,
     * never on a mere reset or a timeout: a live leader may hold a lease (lease reads) that rests
     * on this replica's promise not to vote for an election timeout, and forgetting it breaks the
     * promise; if a new leader were elected while the old one lived, the old one could answer
     * lease reads from a state the new one has moved past.
     */
    public void leaderGone(long leaderReplicaId) {
        submit(new Request.LeaderGone(leaderReplicaId));
    }

    // ----------------------------------------------------------------------------------------
    // What a Tx calls

    /**
     * A reader at a linearizable read epoch for a transaction of {@code term}, with the pin that
     * holds aggregation back from that epoch until the transaction ends: from the lease on this
     * thread when it can ({@link #readLocally}), else from the owner thread (blocks).
     */
    ReadView readAt(long term) {
        if (Thread.currentThread() == owner) {
            throw new IllegalStateException("a transaction query on the replica's own thread would wait for itself");
        }
        if (onCompletionThread()) {
            throw new IllegalStateException("a transaction's first query waits for a read index (a heartbeat round or"
                    + " the leader's lease); on replica " + id + "'s completion thread (in a commit future's"
                    + " continuation) that wait would hold up every other commit's completion: query from an"
                    + " executor of your own (thenApplyAsync(fn, executor))");
        }
        ReadView local = readLocally(term);
        if (local != null) {
            return local;
        }
        CompletableFuture<ReadView> f = new CompletableFuture<>();
        submit(new Request.Read(term, f));
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RdbException(RdbError.TIMEDOUT, "interrupted while waiting for a read epoch");
        } catch (ExecutionException e) {
            throw forCaller(e.getCause());
        }
    }

    /**
     * A read epoch for a transaction of {@code term} on the calling thread, without the owner
     * thread, while this replica leads that term and its lease holds (see {@link LocalLease} for
     * why it is linearizable); null when it cannot be had so, and the owner thread must be asked.
     */
    private ReadView readLocally(long term) {
        LocalLease l = lease;
        // The clock is read after the record (a volatile read: nothing after it moves before it).
        if (l == null || l.term() != term || runtime.nanoTime() - l.expiryNanos() >= 0) {
            return null;
        }
        ReadPins.Pin pin = loop.pins().pinUnlessPassed(l.epoch());
        if (pin == null) {
            return null;
        }
        localReads.increment();
        return new ReadView(l.reader(), pin);
    }

    /** Publishes what a lease read off the owner thread needs, or withdraws it (null). Owner thread. */
    void publishLease(LocalLease l) {
        lease = l;
    }

    /** What the owner thread published last for lease reads off it. */
    LocalLease publishedLease() {
        return lease;
    }

    /**
     * How many transactions since this replica started took their read epoch from the leader's
     * lease on their own thread, without asking the replica's thread (lease reads; see
     * {@link #begin}). For monitoring: next to the reads a service counts, the share that the
     * lease answered.
     */
    public long localReads() {
        return localReads.sum();
    }

    /** Rethrows another thread's failure with this thread's stack, the original as the cause. */
    private static RdbException forCaller(Throwable cause) {
        if (cause instanceof RdbException r) {
            return r.rethrown();
        }
        return new RdbException(RdbError.IO, "the read failed: " + cause, cause);
    }

    CompletableFuture<Long> commit(long term, EntryPayload payload) {
        byte[] data;
        try {
            data = payload.encode();
        } catch (PlanFailure e) {
            return CompletableFuture.failedFuture(e);
        }
        if (data.length > config.entryBytesMax()) {
            return CompletableFuture.failedFuture(new RdbException(RdbError.TOOBIG, "the transaction encodes to "
                    + data.length + " bytes, more than entryBytesMax (" + config.entryBytesMax()
                    + "); split it into several"));
        }
        CompletableFuture<Long> f = new CommitFuture<>(this);
        submit(new Request.Propose(term, payload, data, f));
        return f;
    }

    /**
     * Whether the calling thread is running this replica's completions (commit futures'
     * continuations), where blocking calls are refused. Marked while each batch runs rather than
     * by thread, so that it holds whichever thread the executor runs the batch on.
     */
    boolean onCompletionThread() {
        return COMPLETING.get() == this;
    }

    /** Runs a batch of completions on the completion thread, marked as such (see {@link #onCompletionThread}). */
    void runCompletions(List<Runnable> batch) {
        COMPLETING.set(this);
        try {
            batch.forEach(Runnable::run);
        } finally {
            COMPLETING.remove();
        }
    }

    // ----------------------------------------------------------------------------------------
    // The owner thread's queue

    /** The transport hands over a message: queued, or dropped when the queue is full (Raft resends). */
    private void receive(Message m) {
        if (closed) {
            return;
        }
        if (messagesQueued.incrementAndGet() > config.inboundMessagesMax()) {
            messagesQueued.decrementAndGet();
            LOG.debug("replica {}: inbound queue full, dropped {}", id, m);
            return;
        }
        inbound.offer(new Inbound.RaftMessage(m));
    }

    private void submit(Request r) {
        if (closed) {
            r.fail(shutdownError());
            return;
        }
        if (requestsQueued.incrementAndGet() > config.requestsPendingMax()) {
            requestsQueued.decrementAndGet();
            r.fail(new RdbException(RdbError.BUSY, "replica " + id + " has " + config.requestsPendingMax()
                    + " requests queued (requestsPendingMax); retry later"));
            return;
        }
        inbound.offer(r);
        if (closed && inbound.remove(r)) {
            r.fail(shutdownError());
        }
    }

    /** Queues an internal request, not counted against the bound. */
    void submitInternal(Request r) {
        inbound.offer(r);
    }

    /**
     * Waits at most {@code nanos} for an item to be queued (the owner thread, between rounds);
     * the item is handed out first by the next {@link #poll()}.
     */
    void awaitInbound(long nanos) throws InterruptedException {
        if (head == null && nanos > 0) {
            head = inbound.poll(nanos, TimeUnit.NANOSECONDS);
            countTaken(head);
        }
    }

    /** The next queued item, without waiting; null when none is queued. */
    Inbound poll() {
        Inbound item = head;
        if (item != null) {
            head = null;
            return item;
        }
        item = inbound.poll();
        countTaken(item);
        return item;
    }

    /** Whether an item is queued for the loop (for a host that drives it). */
    boolean hasInbound() {
        return head != null || !inbound.isEmpty();
    }

    private void countTaken(Inbound item) {
        if (item instanceof Inbound.RaftMessage) {
            messagesQueued.decrementAndGet();
        } else if (item instanceof Request r && r.counted()) {
            requestsQueued.decrementAndGet();
        }
    }

    /** Takes what is left in the queue once the replica stopped, failing every request. */
    void drainAfterStop(RdbException error) {
        Inbound item;
        while ((item = poll()) != null) {
            countTaken(item);
            if (item instanceof Request r) {
                r.fail(error);
            }
        }
    }

    void publish(ReplicaStatus s) {
        status = s;
    }

    /** Marks the replica closed (no new requests) and records the error that stopped it, if any. */
    void markStopped(RdbException error) {
        lease = null;
        failure = error;
        closed = true;
    }

    RdbException shutdownError() {
        RdbException f = failure;
        return f != null ? new RdbException(f.error(), "replica " + id + " stopped: " + f.detail(), f)
                : new RdbException(RdbError.SHUTDOWN, "replica " + id + " is shut down");
    }

    private void checkRunning() {
        if (closed) {
            throw shutdownError();
        }
    }

    // ----------------------------------------------------------------------------------------
    // What a host that drives the replica calls (a simulator; no threads of the replica's own)

    /** One round of the replica's loop at {@code nowNanos} (see {@link ReplicaLoop#doWork}); how much it did. */
    int doWork(long nowNanos) {
        return loop.doWork(nowNanos);
    }

    /** When the loop has work next if nothing is queued. */
    long nextWakeNanos() {
        return loop.nextWakeNanos();
    }

    /** Does the background maintenance due now; whether there was any. */
    boolean runMaintenance() {
        return loop.maintenance().runDue();
    }

    /** Stops as a crash of the process would: nothing more is written (see {@link ReplicaLoop#crash}). */
    void crash() {
        loop.crash();
    }

    /** Stops cleanly on the calling thread, as {@link #close()} does on the owner thread. */
    void stop() {
        markStopped(null);
        loop.shutdown(null);
    }

    /** Stops after a round failed with {@code e}, as the owner thread does. */
    void stopOn(Throwable e) {
        RdbException failure = loop.failureOf(e);
        LOG.error("replica {} stops: {}", id, failure.getMessage(), failure);
        loop.shutdown(failure);
    }

    /** The store, for a host that compares what replicas hold. */
    RdbStore store() {
        return loop.store();
    }

    /** A read epoch for a transaction of {@code term}, without waiting for it (a simulated client). */
    CompletableFuture<ReadView> readEpoch(long term) {
        ReadView local = readLocally(term);
        if (local != null) {
            return CompletableFuture.completedFuture(local);
        }
        CompletableFuture<ReadView> f = new CompletableFuture<>();
        submit(new Request.Read(term, f));
        return f;
    }

    // ----------------------------------------------------------------------------------------
    // Close

    /**
     * Stops the replica: pending commits and reads fail with {@link RdbError#SHUTDOWN} (a
     * proposed commit with its outcome unknown), a leader's host gets its stepDown, the store is
     * closed (not the pool), and every thread of the replica has ended when this returns.
     */
    @Override
    public void close() {
        if (owner == null) {
            throw new IllegalStateException("replica " + id + " is driven by its host, which stops it");
        }
        if (Thread.currentThread() == owner) {
            throw new IllegalStateException("close() from the replica's own thread would wait for itself");
        }
        inbound.offer(new Request.Stop());
        try {
            owner.join();
            events.awaitTermination();
            completions.awaitTermination(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RdbException(RdbError.SHUTDOWN, "interrupted while replica " + id + " was closing");
        }
        LOG.info("replica {} closed", id);
    }
}
