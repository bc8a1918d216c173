package org.vostok.testing.linearizability;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * One operation of a history: a client invoked {@code input} at {@code invokeTime} and learned
 * {@code outcome} at {@code responseTime}.
 *
 * <p>Times come from one clock shared by all clients (a logical counter or a monotonic clock, see
 * {@link HistoryRecorder}); only their order matters. An operation A precedes B in real time when
 * A's response time is strictly less than B's invocation time; equal times count as overlapping,
 * which can only make the checker more lenient, never report a false violation.
 *
 * @param id           unique within the history; used to name the operation in explanations
 * @param client       the client (Jepsen's process) that invoked it; only a label for explanations
 * @param input        what was asked
 * @param outcome      what the client learned
 * @param output       the output, present exactly when the outcome is {@link Outcome#OK}
 * @param invokeTime   when the client invoked the operation
 * @param responseTime when the client learned the outcome; required for {@link Outcome#OK} and
 *                     {@link Outcome#FAIL}, and for {@link Outcome#INFO} only the moment the client
 *                     gave up (the checker keeps such an operation open regardless)
 */
public record Operation<I, O>(int id, int client, I input, Outcome outcome, Optional<O> output,
                              long invokeTime, OptionalLong responseTime) {

    public Operation {
        if (input == null || outcome == null || output == null || responseTime == null) {
            throw new IllegalArgumentException("operation #" + id + ": input, outcome, output and responseTime"
                    + " must not be null (use Optional.empty() / OptionalLong.empty() for 'none')");
        }
        if (outcome == Outcome.OK && output.isEmpty()) {
            throw new IllegalArgumentException("operation #" + id + " " + input
                    + " is OK but has no output; record what the client was told");
        }
        if (outcome != Outcome.OK && output.isPresent()) {
            throw new IllegalArgumentException("operation #" + id + " " + input + " is " + outcome
                    + " but has output " + output.get() + "; only OK operations have an output");
        }
        if (outcome != Outcome.INFO && responseTime.isEmpty()) {
            throw new IllegalArgumentException("operation #" + id + " " + input + " is " + outcome
                    + " but has no response time; only INFO operations may lack one");
        }
        if (responseTime.isPresent() && responseTime.getAsLong() < invokeTime) {
            throw new IllegalArgumentException("operation #" + id + " " + input + " responded at "
                    + responseTime.getAsLong() + ", before it was invoked at " + invokeTime
                    + "; times must come from one monotonic clock");
        }
    }

    /** An operation that completed with {@code output}. */
    public static <I, O> Operation<I, O> ok(int id, int client, I input, O output, long invokeTime, long responseTime) {
        return new Operation<>(id, client, input, Outcome.OK, Optional.of(output), invokeTime,
                OptionalLong.of(responseTime));
    }

    /** An operation that definitely did not take effect. */
    public static <I, O> Operation<I, O> fail(int id, int client, I input, long invokeTime, long responseTime) {
        return new Operation<>(id, client, input, Outcome.FAIL, Optional.empty(), invokeTime,
                OptionalLong.of(responseTime));
    }

    /** An operation whose outcome is unknown; it stays open until the end of the history. */
    public static <I, O> Operation<I, O> info(int id, int client, I input, long invokeTime) {
        return new Operation<>(id, client, input, Outcome.INFO, Optional.empty(), invokeTime, OptionalLong.empty());
    }

    /** Whether the checker must treat this operation as possibly having taken effect, at any time after its invocation. */
    public boolean isOpen() {
        return outcome == Outcome.INFO;
    }

    /** This operation as it looks at a moment when its client had not yet learned the outcome. */
    Operation<I, O> pending() {
        return new Operation<>(id, client, input, Outcome.INFO, Optional.empty(), invokeTime, OptionalLong.empty());
    }

    /** For example {@code #12 client 3 [15, 18] read(k1) -> "a"}. */
    @Override
    public String toString() {
        String end = responseTime.isPresent() ? Long.toString(responseTime.getAsLong()) : "-";
        String result = switch (outcome) {
            case OK -> String.valueOf(output.get());
            case FAIL -> "failed (did not happen)";
            case INFO -> "? (unknown: may or may not have happened)";
        };
        return "#" + id + " client " + client + " [" + invokeTime + ", " + end + "] " + input + " -> " + result;
    }
}
