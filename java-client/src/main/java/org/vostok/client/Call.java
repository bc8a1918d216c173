package org.vostok.client;

import com.google.protobuf.ByteString;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.vostok.client.net.ClientConnection;
import org.vostok.client.proto.Reply;
import org.vostok.client.proto.Request;

/**
 * One call in progress: attempts at the replicas the leader search picks, until a reply
 * settles it, the deadline passes, or the budget of attempts is spent. What each answer means:
 *
 * <ul>
 *   <li>success: done (the replier leads);</li>
 *   <li>NOTLEADER with a hint to a newer leader: try it at once; without one, back off;</li>
 *   <li>NOTREPLICA, WRONG_NODE, a refused handshake: drop that candidate, try the next at once;</li>
 *   <li>no connection, no answer in time, SHUTDOWN, IO, CORRUPT: that replica is not believed
 *       alive any more, try the next (at once while untried candidates remain, then back off);</li>
 *   <li>BUSY, UNINIT, OUTCOME_UNKNOWN, TIMEDOUT from the service: back off and retry;</li>
 *   <li>any other error: the call fails with it.</li>
 * </ul>
 *
 * Back-off is exponential with full jitter; learning a new leader resets it. When the list
 * runs empty, a fresh one comes from the client's {@link ReplicaListSource}.
 */
final class Call {

    private final ServiceClient service;
    private final VostokClient client;
    private final LeaderSearch search;
    private final String method;
    private final ByteString body;
    private final boolean update;
    private final long sequence;
    private final CallOptions options;
    private final long deadlineNanos;
    private final CompletableFuture<Reply> future = new CompletableFuture<>();
    private final AtomicBoolean done = new AtomicBoolean();

    private int attempts;
    private int backoffs;
    /** Attempts made at once since the last back-off; bounded so a round of failures backs off. */
    private int immediate;
    /** Some attempt may have reached the service and its outcome is not known. */
    private boolean ambiguous;
    private VostokException last;

    Call(ServiceClient service, String method, ByteString body, boolean update, long sequence, CallOptions options) {
        this.service = service;
        this.client = service.client();
        this.search = service.search();
        this.method = method;
        this.body = body;
        this.update = update;
        this.sequence = sequence;
        this.options = options;
        this.deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(options.deadlineMillis());
    }

    CompletableFuture<Reply> future() {
        return future;
    }

    boolean isUpdate() {
        return update;
    }

    void start() {
        if (!client.register(this)) {
            finish(null, new VostokException(ErrorCode.CLOSED, "the client is closed"));
            return;
        }
        attempt();
    }

    void cancel(VostokException e) {
        finish(null, e);
    }

    private void attempt() {
        if (done.get()) {
            return;
        }
        if (client.isClosed()) {
            finish(null, new VostokException(ErrorCode.CLOSED, "the client was closed before the call completed",
                    Optional.empty(), update && ambiguous, null));
            return;
        }
        long remainingNanos = deadlineNanos - System.nanoTime();
        if (remainingNanos <= 0 || attempts >= options.attemptsMax()) {
            giveUp(remainingNanos <= 0);
            return;
        }
        Optional<ReplicaAddress> target = search.choose();
        if (target.isEmpty()) {
            refresh();
            return;
        }
        attempts++;
        ReplicaAddress r = target.get();
        long attemptMillis = Math.max(1, Math.min(options.attemptTimeoutMillis(),
                TimeUnit.NANOSECONDS.toMillis(remainingNanos)));
        client.pool().get(r.address()).whenComplete((conn, error) -> {
            if (error != null) {
                failed(r, unwrap(error), false);
                return;
            }
            send(r, conn, attemptMillis);
        });
    }

    private void send(ReplicaAddress r, ClientConnection conn, long attemptMillis) {
        search.onNodeId(r, conn.nodeId());
        Request.Builder req = Request.newBuilder()
                .setMethod(method)
                .setTimeoutMs((int) Math.min(Integer.MAX_VALUE, attemptMillis))
                .setBody(body);
        if (update) {
            req.setClientId(ByteString.copyFrom(client.clientIdBytes())).setSequence(sequence);
        }
        conn.call(service.serviceId(), req.build(), attemptMillis).whenComplete((reply, error) -> {
            if (error != null) {
                VostokException e = unwrap(error);
                // Sent, and no answer: it may have reached the service.
                failed(r, e, e.code() != ErrorCode.BUSY);
            } else {
                replied(r, reply);
            }
        });
    }

    private void replied(ReplicaAddress r, Reply reply) {
        Optional<LeaderHint> hint = hintOf(reply);
        if (reply.getErrorCode() == 0) {
            search.onSuccess(r, hint);
            finish(reply, null);
            return;
        }
        ErrorCode code = ErrorCode.ofCodeOrInternal(reply.getErrorCode());
        last = new VostokException(code, r + ": " + reply.getErrorMessage(), hint, false, null);
        switch (code) {
            case NOTLEADER -> {
                if (search.onNotLeader(r, hint)) {
                    backoffs = 0;
                    retryNow();
                } else {
                    retryLater();
                }
            }
            case NOTREPLICA, WRONG_NODE -> {
                search.onNotReplica(r);
                retryNow();
            }
            case SHUTDOWN, IO, CORRUPT -> {
                search.onUnreachable(r);
                retryNow();
            }
            case OUTCOME_UNKNOWN, TIMEDOUT -> {
                ambiguous = true;
                search.onUnreachable(r);
                retryLater();
            }
            case BUSY, UNINIT, UNREACHABLE -> retryLater();
            default -> finish(null, new VostokException(code, reply.getErrorMessage(), hint, false, null));
        }
    }

    private void failed(ReplicaAddress r, VostokException e, boolean sent) {
        last = new VostokException(e.code(), e.detail(), e.hint(), false, e);
        switch (e.code()) {
            case CLOSED -> finish(null, new VostokException(ErrorCode.CLOSED, e.detail(), Optional.empty(),
                    update && (ambiguous || sent), e));
            case WRONG_CLUSTER, WRONG_VERSION, WRONG_NODE, PROTOCOL -> {
                // A misconfigured address: it will not get better by retrying it.
                search.onNotReplica(r);
                retryNow();
            }
            case BUSY -> retryLater();
            default -> {
                if (sent) {
                    ambiguous = true;
                }
                search.onUnreachable(r);
                retryNow();
            }
        }
    }

    /** Tries again at once, unless a whole round of candidates failed at once already. */
    private void retryNow() {
        if (immediate++ <= search.candidates().size()) {
            client.callbacks().execute(this::attempt);
        } else {
            retryLater();
        }
    }

    private void retryLater() {
        immediate = 0;
        long ceiling = Math.min(options.backoffMaxMillis(), options.backoffBaseMillis() << Math.min(backoffs, 20));
        backoffs++;
        long delayMillis = ThreadLocalRandom.current().nextLong(ceiling + 1);
        long remainingMillis = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
        if (delayMillis >= remainingMillis) {
            delayMillis = Math.max(0, remainingMillis);
        }
        try {
            client.group().schedule(this::attempt, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            finish(null, new VostokException(ErrorCode.CLOSED, "the client is closing", Optional.empty(),
                    update && ambiguous, e));
        }
    }

    /** The list ran empty: ask the list source for a fresh one. */
    private void refresh() {
        client.listSource().replicas(service.serviceId()).whenComplete((list, error) -> {
            if (error == null && list != null && !list.isEmpty()) {
                search.replace(list);
                client.callbacks().execute(this::attempt);
                return;
            }
            if (error != null) {
                last = new VostokException(ErrorCode.UNREACHABLE, "the replica list source failed: "
                        + unwrap(error).getMessage(), Optional.empty(), false, error);
            } else if (last == null) {
                last = new VostokException(ErrorCode.UNREACHABLE, "no replica of service " + service.serviceId()
                        + " is known: the list source gave none");
            }
            retryLater();
        });
    }

    private void giveUp(boolean deadline) {
        String why = (deadline ? "the deadline of " + options.deadlineMillis() + " ms passed"
                : "the budget of " + options.attemptsMax() + " attempts was spent") + " after " + attempts
                + " attempts at service " + service.serviceId() + " (candidates " + search.candidates() + ")"
                + (last != null ? "; last: " + last.getMessage() : "");
        ErrorCode code = last != null && !last.code().retryable() ? last.code()
                : deadline || last == null ? ErrorCode.TIMEDOUT : last.code();
        if (code == ErrorCode.NOTLEADER || code == ErrorCode.NOTREPLICA) {
            code = ErrorCode.UNREACHABLE;
        }
        finish(null, new VostokException(code, why, last == null ? Optional.empty() : last.hint(),
                update && ambiguous, last));
    }

    private void finish(Reply reply, VostokException error) {
        if (!done.compareAndSet(false, true)) {
            return;
        }
        client.unregister(this);
        try {
            client.callbacks().execute(() -> complete(reply, error));
        } catch (RuntimeException e) {
            complete(reply, error);
        }
    }

    private void complete(Reply reply, VostokException error) {
        if (error != null) {
            future.completeExceptionally(error);
        } else {
            future.complete(reply);
        }
    }

    static Optional<LeaderHint> hintOf(Reply reply) {
        if (!reply.hasHint()) {
            return Optional.empty();
        }
        org.vostok.client.proto.LeaderHint h = reply.getHint();
        if (h.getNodeId() <= 0 || h.getTerm() <= 0) {
            return Optional.empty();
        }
        return Optional.of(new LeaderHint(h.getNodeId(), h.getAddress(), h.getTerm()));
    }

    static VostokException unwrap(Throwable t) {
        Throwable c = t;
        while (c instanceof CompletionException && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof VostokException v) {
            return v;
        }
        return new VostokException(ErrorCode.INTERNAL, String.valueOf(c), Optional.empty(), false, c);
    }
}
