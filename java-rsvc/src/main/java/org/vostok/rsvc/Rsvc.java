package org.vostok.rsvc;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vostok.client.ErrorCode;
import org.vostok.client.VostokException;
import org.vostok.client.proto.LeaderHint;
import org.vostok.client.proto.Reply;
import org.vostok.client.proto.Request;
import org.vostok.rdb.LeadershipListener;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.Replica;
import org.vostok.rdb.model.ReplicaIds;
import org.vostok.rdb.ReplicaStatus;
import org.vostok.rdb.model.RequestId;
import org.vostok.rdb.model.RequestOutcome;
import org.vostok.rdb.Tx;
import org.vostok.rsvc.net.ServerCall;

/**
 * One replica of one replicated service on this node: the rdb replica, the class's service
 * object, and the leadership state machine ({@link RsvcState}) that decides whether requests
 * run here. It is the replica's {@link LeadershipListener}: step-up and step-down come on the
 * replica's event thread, one at a time.
 *
 * <p>A request runs only while the state is UP: the leader's term is fixed when the request is
 * taken, the request counts as holding the leader until it is answered (step-down waits for
 * that), an update first takes its lock, then begins a transaction in that term, looks up its
 * request id (a retry of an update that committed gets its original outcome, not a second
 * application), runs the handler, commits, and answers.
 */
final class Rsvc<S> implements LeadershipListener {

    private static final Logger LOG = LoggerFactory.getLogger(Rsvc.class);

    private final RsvcClass<S> cls;
    private final long serviceId;
    private final ServiceRecord record;
    private final RsvcHost host;
    private final Map<String, Method<S, ?>> methods = new HashMap<>();
    private final KeyLocks locks = new KeyLocks();
    /** Blind updates waiting for the lane's handler task ({@link #submitBlind}). */
    private final ConcurrentLinkedQueue<LaneItem> blindLane = new ConcurrentLinkedQueue<>();
    /** Invariant: true from the moment a drain of the lane is submitted until that drain starts. */
    private final AtomicBoolean blindLaneScheduled = new AtomicBoolean();
    private final Runnable drainBlindLane = this::drainBlindLane;
    private final AtomicInteger holding = new AtomicInteger();
    private final CountDownLatch attached = new CountDownLatch(1);
    private final Object drained = new Object();
    private final int requestsPendingMax;
    private volatile RsvcState state = RsvcState.DOWN;
    /** The term the service is up in (STEPPING_UP, UP_EMPTY, UP), else 0. */
    private volatile long term;
    private Replica replica;
    private S service;

    Rsvc(RsvcClass<S> cls, ServiceRecord record, RsvcHost host, int requestsPendingMax) {
        this.cls = cls;
        this.serviceId = record.serviceId();
        this.record = record;
        this.host = host;
        this.requestsPendingMax = requestsPendingMax;
        for (Method<S, ?> m : cls.methods()) {
            if (methods.putIfAbsent(m.name(), m) != null) {
                throw new IllegalArgumentException("service class " + cls.name() + " declares method " + m.name()
                        + " twice");
            }
        }
    }

    /** Called once the replica runs; leadership events wait for it. */
    void attach(Replica r, S svc) {
        synchronized (this) {
            this.replica = r;
            this.service = svc;
        }
        attached.countDown();
    }

    private void awaitAttached() {
        try {
            if (!attached.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("service " + serviceId + "'s replica did not finish starting");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while service " + serviceId + " was starting", e);
        }
    }

    long serviceId() {
        return serviceId;
    }

    ServiceRecord record() {
        return record;
    }

    RsvcClass<S> serviceClass() {
        return cls;
    }

    RsvcState state() {
        return state;
    }

    long upTerm() {
        return term;
    }

    synchronized Replica replica() {
        return replica;
    }

    synchronized S service() {
        return service;
    }

    // ----------------------------------------------------------------------------------------
    // Leadership (on the replica's event thread)

    @Override
    public void stepUp(long t) {
        awaitAttached();
        Replica r;
        S svc;
        synchronized (this) {
            r = replica;
            svc = service;
        }
        state = RsvcState.STEPPING_UP;
        term = t;
        try {
            StepUp result = cls.stepUp(svc, t);
            if (result == StepUp.UP_EMPTY && record.bootstrapVoters().size() > 0) {
                LOG.info("service {} ({}) on node {}: initialising its database in term {}", serviceId, cls.name(),
                        host.nodeId(), t);
                try (Tx tx = r.begin(t)) {
                    cls.bootstrap(svc, tx, record.bootstrapArguments());
                    if (tx.updateCount() > 0) {
                        tx.commit().get(60, TimeUnit.SECONDS);
                    }
                }
                result = cls.stepUp(svc, t);
            }
            state = result == StepUp.UP ? RsvcState.UP : RsvcState.UP_EMPTY;
            LOG.info("service {} ({}) on node {}: became leader in term {}{}", serviceId, cls.name(), host.nodeId(), t,
                    result == StepUp.UP ? "" : ", its database not initialised yet");
            if (result == StepUp.UP) {
                scheduleMapDistribution(t, 0);
            }
        } catch (Exception e) {
            state = RsvcState.DOWN;
            term = 0;
            LOG.warn("service {} ({}) on node {}: could not step up in term {}: {}; handing the leadership on",
                    serviceId, cls.name(), host.nodeId(), t, e.toString());
            throw new IllegalStateException("step-up of service " + serviceId + " failed: " + e, e);
        }
    }

    @Override
    public void stepDown(long t) {
        awaitAttached();
        S svc = service();
        state = RsvcState.STEPPING_DOWN;
        try {
            cls.drain(svc, t);
        } catch (RuntimeException e) {
            LOG.warn("service {} ({}): drain failed in term {}", serviceId, cls.name(), t, e);
        }
        awaitDrained(t);
        try {
            cls.stepDown(svc, t);
        } catch (RuntimeException e) {
            LOG.warn("service {} ({}): step-down failed in term {}", serviceId, cls.name(), t, e);
        }
        term = 0;
        state = RsvcState.DOWN;
        LOG.info("service {} ({}) on node {}: no longer leader (term {})", serviceId, cls.name(), host.nodeId(), t);
    }

    @Override
    public void stop(RdbException error) {
        state = RsvcState.DOWN;
        term = 0;
        LOG.error("service {} ({}) on node {}: its replica stopped: {}", serviceId, cls.name(), host.nodeId(),
                error.getMessage());
    }

    /** Waits until no request holds the leader: each is bounded by rdb's read and commit timeouts. */
    private void awaitDrained(long t) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        synchronized (drained) {
            while (holding.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    LOG.warn("service {} ({}): {} requests of term {} still run after two minutes; stepping down"
                            + " anyway", serviceId, cls.name(), holding.get(), t);
                    return;
                }
                try {
                    drained.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void scheduleMapDistribution(long t, int failures) {
        ScheduledExecutorService timer = host.timer();
        long delayMillis = failures == 0 ? 0 : Math.min(5_000, 50L << Math.min(failures, 7));
        try {
            timer.schedule(() -> host.handlers().execute(() -> distributeMap(t, failures)), delayMillis,
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // The node is stopping.
        }
    }

    private void distributeMap(long t, int failures) {
        if (state != RsvcState.UP || term != t) {
            return;
        }
        boolean done;
        try {
            done = cls.distributeMap(service(), t);
        } catch (RuntimeException e) {
            LOG.debug("service {} ({}): map distribution failed in term {}: {}", serviceId, cls.name(), t, e.toString());
            done = false;
        }
        if (!done) {
            scheduleMapDistribution(t, failures + 1);
        }
    }

    /** Asks for the service's map to be distributed again (after it changed). */
    void requestMapDistribution() {
        long t = term;
        if (state == RsvcState.UP && t != 0) {
            scheduleMapDistribution(t, 0);
        }
    }

    // ----------------------------------------------------------------------------------------
    // Requests

    /** The leader this replica knows, as a reply carries it. */
    LeaderHint hint() {
        Replica r = replica();
        if (r == null) {
            return LeaderHint.getDefaultInstance();
        }
        ReplicaStatus s = r.status();
        if (s.leader() == 0 || s.term() == 0) {
            return LeaderHint.newBuilder().setTerm(s.term()).build();
        }
        long node = Integer.toUnsignedLong(ReplicaIds.rank(s.leader()));
        return LeaderHint.newBuilder().setNodeId(node).setAddress(host.addressText(node)).setTerm(s.term()).build();
    }

    /** Serves {@code call} (on an event loop: nothing here blocks). */
    void dispatch(ServerCall call) {
        Method<S, ?> m = methods.get(call.method());
        if (m == null) {
            if (call.method().startsWith("rsvc.")) {
                host.membership().dispatch(this, call);
                return;
            }
            call.error(ErrorCode.UNKNOWN_METHOD, "service " + serviceId + " (" + cls.name() + ") has no method '"
                    + call.method() + "'", hint());
            return;
        }
        dispatch(call, m);
    }

    private <Q extends MessageLite> void dispatch(ServerCall call, Method<S, Q> m) {
        long t = term;
        if (!enter(call, t)) {
            return;
        }
        Q request;
        try {
            request = m.parse(call.request().getBody());
        } catch (InvalidProtocolBufferException e) {
            leave();
            call.error(ErrorCode.PROTOCOL, "a malformed " + m.name() + " request: " + e.getMessage(), hint());
            return;
        }
        Optional<Object> lockKey = m.lockKey(request);
        if (lockKey.isEmpty()) {
            submit(call, () -> run(call, m, request, t, Optional.empty()));
            return;
        }
        Runnable work = () -> run(call, m, request, t, lockKey);
        // Refused work must let go of the lock too (submitHeld): a lock kept by a request
        // answered BUSY would hold up its key, or the whole service, for good.
        locks.acquire(lockKey.get()).thenRun(m.isBlind()
                ? () -> submitBlind(call, lockKey, work)
                : () -> submitHeld(call, lockKey, work));
    }

    /**
     * Queues a blind update that holds its lock and the leader on the service's blind lane: one
     * handler task runs what has gathered there, one after another. A blind handler only
     * queues updates and deletes ({@link Method#blindUpdatePerKey}), so nothing in the lane
     * waits on anything, and the blind updates of one read batch, or those whose locks one
     * batch of commits let go, cost one handler thread's wakeup instead of one each (measured:
     * the handler pool's wakeups were the most context switches per write of any thread). The
     * lane holds at most {@code requestsPendingMax} items: each holds the leader ({@link #enter}).
     */
    private void submitBlind(ServerCall call, Optional<Object> lockKey, Runnable work) {
        blindLane.offer(new LaneItem(call, lockKey, work));
        // The drain clears the flag before it polls, so an item queued after its last poll finds
        // the flag clear, or set by a submitter whose drain is still to come.
        if (!blindLaneScheduled.get() && blindLaneScheduled.compareAndSet(false, true)) {
            try {
                host.handlers().execute(drainBlindLane);
            } catch (RejectedExecutionException e) {
                blindLaneScheduled.set(false);
                LaneItem item;
                while ((item = blindLane.poll()) != null) {
                    finish(item.call(), null, item.lockKey(), null, new VostokException(ErrorCode.BUSY, "node "
                            + host.nodeId() + " has too much work queued; retry later"));
                }
            }
        }
    }

    private void drainBlindLane() {
        blindLaneScheduled.set(false);
        LaneItem item;
        while ((item = blindLane.poll()) != null) {
            try {
                item.work().run(); // answers the call whatever its handler does (run)
            } catch (RuntimeException e) {
                // Only answering itself can throw here; the items behind it still run.
                LOG.error("service {} ({}): {} failed while it was answered", serviceId, cls.name(), item.call(), e);
            }
        }
    }

    /** A blind update waiting on the lane. */
    private record LaneItem(ServerCall call, Optional<Object> lockKey, Runnable work) {
    }

    /**
     * Counts {@code call} as holding the leader of term {@code t}, or answers it NOTLEADER,
     * UNINIT or BUSY; false when it was answered.
     */
    boolean enter(ServerCall call, long t) {
        RsvcState s = state;
        if (s != RsvcState.UP || t == 0) {
            refuseNotUp(call, s);
            return false;
        }
        int n = holding.incrementAndGet();
        if (state != RsvcState.UP || term != t) {
            leave();
            refuseNotUp(call, state);
            return false;
        }
        if (n > requestsPendingMax) {
            leave();
            call.error(ErrorCode.BUSY, "service " + serviceId + " on node " + host.nodeId() + " has " + requestsPendingMax
                    + " requests in progress (requestsPendingMax); retry later", hint());
            return false;
        }
        return true;
    }

    void leave() {
        if (holding.decrementAndGet() == 0) {
            synchronized (drained) {
                drained.notifyAll();
            }
        }
    }

    private void refuseNotUp(ServerCall call, RsvcState s) {
        if (s == RsvcState.UP_EMPTY) {
            call.error(ErrorCode.UNINIT, "service " + serviceId + " (" + cls.name() + ") leads on node " + host.nodeId()
                    + " but its database is not initialised yet; retry shortly", hint());
        } else {
            call.error(ErrorCode.NOTLEADER, "node " + host.nodeId() + " does not lead service " + serviceId + " ("
                    + cls.name() + ")" + (s == RsvcState.STEPPING_UP ? ": it is stepping up" : ""), hint());
        }
    }

    void submit(ServerCall call, Runnable work) {
        try {
            host.handlers().execute(work);
        } catch (RejectedExecutionException e) {
            leave();
            call.error(ErrorCode.BUSY, "node " + host.nodeId() + " has too much work queued; retry later", hint());
        }
    }

    private <Q extends MessageLite> void run(ServerCall call, Method<S, Q> m, Q request, long t,
                                             Optional<Object> lockKey) {
        Tx tx = null;
        boolean async = false;
        try {
            long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - call.receivedNanos());
            int budget = call.request().getTimeoutMs();
            if (budget > 0 && waitedMillis >= budget) {
                finish(call, null, lockKey, null, new VostokException(ErrorCode.BUSY, "the request waited "
                        + waitedMillis + " ms on node " + host.nodeId() + ", past its " + budget
                        + " ms timeout; it was not run"));
                return;
            }
            Replica r = replica();
            tx = r.begin(t);
            Optional<RequestId> requestId = Optional.empty();
            if (m.isUpdate() && !call.request().getClientId().isEmpty()) {
                RequestId id = requestId(call.request());
                if (!m.isBlind()) {
                    Optional<RequestOutcome> done = tx.requestOutcome(id);
                    if (done.isPresent()) {
                        answerDuplicate(call, tx, lockKey, done.get());
                        return;
                    }
                }
                tx.requestId(id);
                requestId = Optional.of(id);
            }
            CallContext ctx = new CallContext(serviceId, t, tx, r, call.peerNodeId(), requestId, call::peer);
            CompletionStage<? extends MessageLite> stage = m.handle(service(), ctx, request);
            Tx handlerTx = tx;
            Optional<RequestId> blindId = m.isBlind() ? requestId : Optional.empty();
            async = true;
            stage.whenComplete((body, error) -> {
                if (error != null) {
                    finish(call, handlerTx, lockKey, null, error);
                } else {
                    commitAndReply(call, handlerTx, lockKey, body, t, blindId);
                }
            });
        } catch (Throwable e) {
            if (!async) {
                finish(call, tx, lockKey, null, e);
            }
        }
    }

    private void answerDuplicate(ServerCall call, Tx tx, Optional<Object> lockKey, RequestOutcome o) {
        Reply reply = o.applied()
                ? Reply.newBuilder().setDuplicate(true).setCommittedIndex(o.index()).setHint(hint())
                .setNodeId(host.nodeId()).build()
                : null;
        RdbException failure = o.failure().map(f -> new RdbException(f, "the request committed at index "
                + o.index() + " and failed then: " + f)).orElse(null);
        finish(call, tx, lockKey, reply, failure);
    }

    /**
     * A blind update's entry was refused with EXIST: the request id committed before (or is in
     * an entry not committed yet). Looks it up at a linearizable epoch, off rdb's completion
     * thread, and answers with the original outcome, or OUTCOME_UNKNOWN while it is not settled.
     */
    private void settleBlindDuplicate(ServerCall call, Optional<Object> lockKey, long t, RequestId id) {
        submitHeld(call, lockKey, () -> {
            Tx tx = null;
            try {
                tx = replica().begin(t);
                Optional<RequestOutcome> done = tx.requestOutcome(id);
                if (done.isPresent()) {
                    answerDuplicate(call, tx, lockKey, done.get());
                } else {
                    finish(call, tx, lockKey, null, new VostokException(ErrorCode.OUTCOME_UNKNOWN, "an earlier"
                            + " attempt of this update is not settled yet; retry it"));
                }
            } catch (Throwable e) {
                finish(call, tx, lockKey, null, e);
            }
        });
    }

    /** Runs {@code work} on a handler thread for a call that holds its lock and the leader already. */
    private void submitHeld(ServerCall call, Optional<Object> lockKey, Runnable work) {
        try {
            host.handlers().execute(work);
        } catch (RejectedExecutionException e) {
            finish(call, null, lockKey, null, new VostokException(ErrorCode.BUSY, "node " + host.nodeId()
                    + " has too much work queued; retry later"));
        }
    }

    private void commitAndReply(ServerCall call, Tx tx, Optional<Object> lockKey, MessageLite body, long t,
                                Optional<RequestId> blindId) {
        // The body goes into the frame as the reply is sent (ServerCall.reply), not copied here.
        Reply ok = Reply.newBuilder().setHint(hint()).setNodeId(host.nodeId()).build();
        if (tx.updateCount() == 0) {
            finish(call, tx, lockKey, ok, body, null);
            return;
        }
        CompletableFuture<Long> commit;
        try {
            commit = tx.commit();
        } catch (RuntimeException e) {
            finish(call, tx, lockKey, null, e);
            return;
        }
        commit.whenComplete((index, error) -> {
            if (error != null && blindId.isPresent() && Errors.unwrap(error) instanceof RdbException r
                    && r.error() == org.vostok.rdb.model.RdbError.EXIST && !r.outcomeUnknown()) {
                settleBlindDuplicate(call, lockKey, t, blindId.get());
                return;
            }
            finish(call, null, lockKey, error == null ? ok : null, body, error);
        });
    }

    /** Answers, then lets go of the transaction, the lock, and the hold on the leader. */
    private void finish(ServerCall call, Tx tx, Optional<Object> lockKey, Reply reply, Throwable error) {
        finish(call, tx, lockKey, reply, null, error);
    }

    /** As above, {@code body} (null: none) the body of {@code reply}. */
    private void finish(ServerCall call, Tx tx, Optional<Object> lockKey, Reply reply, MessageLite body,
                        Throwable error) {
        try {
            if (error != null) {
                VostokException known = Errors.known(error);
                if (known == null) {
                    LOG.error("service {} ({}): {} failed", serviceId, cls.name(), call, Errors.unwrap(error));
                    call.error(ErrorCode.INTERNAL, "service " + serviceId + " failed to serve " + call.method() + ": "
                            + Errors.unwrap(error), hint());
                } else {
                    call.error(known.code(), known.detail(), hint());
                }
            } else {
                call.reply(reply, body);
            }
        } finally {
            if (tx != null) {
                tx.close();
            }
            lockKey.ifPresent(locks::release);
            leave();
        }
    }

    /**
     * The rdb request id of an exactly-once update: the client id and the sequence number. A
     * client id of 16 bytes (what the Vostok client sends) is the id itself; another length
     * (another client's choice) goes through a digest to 16 bytes.
     */
    static RequestId requestId(Request r) {
        ByteBuffer id = r.getClientId().asReadOnlyByteBuffer();
        UUID client = id.remaining() == 16 ? new UUID(id.getLong(), id.getLong())
                : UUID.nameUUIDFromBytes(r.getClientId().toByteArray());
        return new RequestId(client, r.getSequence());
    }

    /** The methods' names, for status. */
    List<String> methodNames() {
        return List.copyOf(methods.keySet());
    }
}
