package org.vostok.testing.linearizability;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Records a history while client threads run a workload. Thread-safe and cheap: an invocation
 * costs one clock reading, one small object and one lock-free queue append; a completion costs
 * one clock reading and one compare-and-set.
 *
 * <pre>{@code
 * HistoryRecorder<KvOp, KvResult> recorder = new HistoryRecorder<>();
 * // on each client thread:
 * var pending = recorder.invoke(clientId, KvOp.write("k1", "v7"));
 * try {
 *     store.put("k1", "v7");
 *     pending.ok(KvResult.ok());
 * } catch (RefusedException e) {       // the server did nothing
 *     pending.fail();
 * } catch (TimeoutException e) {       // it may or may not have happened
 *     pending.info();
 * }
 * // when the workload is over:
 * CheckResult<KvOp, KvResult> result = checker.check(recorder.history());
 * }</pre>
 *
 * <p>Call {@link #invoke} just before the request leaves the client and complete the returned
 * handle just after the answer arrives: the interval between the two must contain the moment the
 * operation took effect. An operation never completed (its client thread died, say) is open in
 * {@link #history()}, like one completed with {@link Pending#info()}.
 *
 * <p>By default times come from a logical clock: one counter all threads increment, so an event
 * that happens before another in real time gets a smaller time. {@link #withClock} takes any
 * other clock that never goes backwards across threads, such as {@code System::nanoTime}.
 */
public final class HistoryRecorder<I, O> {

    private final LongSupplier clock;
    private final AtomicInteger nextId = new AtomicInteger();
    private final ConcurrentLinkedQueue<Pending<I, O>> invoked = new ConcurrentLinkedQueue<>();

    /** A recorder that takes times from a logical clock. */
    public HistoryRecorder() {
        AtomicLong logicalClock = new AtomicLong();
        this.clock = logicalClock::incrementAndGet;
    }

    private HistoryRecorder(LongSupplier clock) {
        this.clock = clock;
    }

    /**
     * A recorder that takes times from {@code clock}, which must be monotonic across all client
     * threads (System.nanoTime is, within one JVM).
     */
    public static <I, O> HistoryRecorder<I, O> withClock(LongSupplier clock) {
        if (clock == null) {
            throw new IllegalArgumentException("clock must not be null; use new HistoryRecorder<>() for a logical clock");
        }
        return new HistoryRecorder<>(clock);
    }

    /** Records that {@code client} is about to send {@code input}; complete the handle once it knows the outcome. */
    public Pending<I, O> invoke(int client, I input) {
        if (input == null) {
            throw new IllegalArgumentException("client " + client + " invoked a null input; record what it asked for");
        }
        Pending<I, O> pending = new Pending<>(nextId.getAndIncrement(), client, input, clock.getAsLong(), clock);
        invoked.add(pending);
        return pending;
    }

    /**
     * The history so far. Operations not yet completed are open ({@link Outcome#INFO}): whatever
     * they do later, they may already have taken effect.
     */
    public History<I, O> history() {
        List<Operation<I, O>> operations = new ArrayList<>();
        for (Pending<I, O> pending : invoked) {
            operations.add(pending.toOperation());
        }
        return History.of(operations);
    }

    /** The number of operations invoked so far. */
    public int size() {
        return nextId.get();
    }

    /** An invoked operation waiting for its outcome. Complete it exactly once. */
    public static final class Pending<I, O> {
        private static final VarHandle COMPLETION;

        static {
            try {
                COMPLETION = MethodHandles.lookup().findVarHandle(Pending.class, "completion", Completion.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final int id;
        private final int client;
        private final I input;
        private final long invokeTime;
        private final LongSupplier clock;
        /** Null until the client completes the operation; set once. */
        @SuppressWarnings("unused") // written and read through COMPLETION
        private volatile Completion completion;

        private Pending(int id, int client, I input, long invokeTime, LongSupplier clock) {
            this.id = id;
            this.client = client;
            this.input = input;
            this.invokeTime = invokeTime;
            this.clock = clock;
        }

        /** The operation's id in the history. */
        public int id() {
            return id;
        }

        /** The operation took effect and the client was told {@code output}. */
        public void ok(O output) {
            if (output == null) {
                throw new IllegalArgumentException("operation #" + id + " " + input
                        + " completed with a null output; record what the client was told");
            }
            complete(new Completion(Outcome.OK, output, clock.getAsLong()));
        }

        /** The operation definitely did not take effect. */
        public void fail() {
            complete(new Completion(Outcome.FAIL, null, clock.getAsLong()));
        }

        /** The client does not know whether the operation took effect; it stays open to the end of the history. */
        public void info() {
            complete(new Completion(Outcome.INFO, null, clock.getAsLong()));
        }

        /** The request timed out: the same as {@link #info()}. */
        public void timeout() {
            info();
        }

        private void complete(Completion done) {
            Completion before = (Completion) COMPLETION.compareAndExchange(this, null, done);
            if (before != null) {
                throw new IllegalStateException("operation #" + id + " " + input + " of client " + client
                        + " was already completed as " + before.outcome + "; complete each invocation exactly once");
            }
        }

        private Operation<I, O> toOperation() {
            Completion done = (Completion) COMPLETION.getVolatile(this);
            if (done == null) {
                return Operation.info(id, client, input, invokeTime);
            }
            @SuppressWarnings("unchecked")
            Optional<O> output = Optional.ofNullable((O) done.output);
            return new Operation<>(id, client, input, done.outcome, output, invokeTime,
                    OptionalLong.of(done.responseTime));
        }

        private record Completion(Outcome outcome, Object output, long responseTime) {
        }
    }
}
