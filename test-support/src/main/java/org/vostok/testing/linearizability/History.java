package org.vostok.testing.linearizability;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A concurrent history: the operations clients invoked, with what they learned and when. Built by
 * a {@link HistoryRecorder} while a workload runs, or by hand with {@link #builder()} in tests.
 * Immutable; operations are kept in invocation order.
 */
public final class History<I, O> {

    private static final Comparator<Operation<?, ?>> INVOCATION_ORDER =
            Comparator.<Operation<?, ?>>comparingLong(Operation::invokeTime).thenComparingInt(Operation::id);

    private final List<Operation<I, O>> operations;

    private History(List<Operation<I, O>> operations) {
        this.operations = operations;
    }

    /** A history of these operations; their ids must be distinct. */
    public static <I, O> History<I, O> of(Collection<Operation<I, O>> operations) {
        List<Operation<I, O>> sorted = new ArrayList<>(operations.size());
        Set<Integer> ids = new HashSet<>();
        for (Operation<I, O> operation : operations) {
            if (operation == null) {
                throw new IllegalArgumentException("a history cannot hold a null operation");
            }
            if (!ids.add(operation.id())) {
                throw new IllegalArgumentException("two operations of the history have id " + operation.id()
                        + " (one is " + operation + "); ids must be unique so explanations can name them");
            }
            sorted.add(operation);
        }
        sorted.sort(INVOCATION_ORDER);
        return new History<>(List.copyOf(sorted));
    }

    /** A builder that numbers operations 0, 1, 2, ... in the order they are added. */
    public static <I, O> Builder<I, O> builder() {
        return new Builder<>();
    }

    /** The operations in invocation order. */
    public List<Operation<I, O>> operations() {
        return operations;
    }

    public int size() {
        return operations.size();
    }

    /** One operation a line, in invocation order. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        for (Operation<I, O> operation : operations) {
            text.append(operation).append('\n');
        }
        return text.toString();
    }

    /** Builds a history by hand, with explicit times; for tests of the checker and replays. */
    public static final class Builder<I, O> {
        private final List<Operation<I, O>> operations = new ArrayList<>();

        private Builder() {
        }

        /** An operation that completed with {@code output}. */
        public Builder<I, O> ok(int client, I input, O output, long invokeTime, long responseTime) {
            return add(Operation.ok(operations.size(), client, input, output, invokeTime, responseTime));
        }

        /** An operation that definitely did not take effect. */
        public Builder<I, O> fail(int client, I input, long invokeTime, long responseTime) {
            return add(Operation.fail(operations.size(), client, input, invokeTime, responseTime));
        }

        /** An operation whose outcome the client never learned. */
        public Builder<I, O> info(int client, I input, long invokeTime) {
            return add(Operation.info(operations.size(), client, input, invokeTime));
        }

        public Builder<I, O> add(Operation<I, O> operation) {
            operations.add(operation);
            return this;
        }

        public History<I, O> build() {
            return History.of(operations);
        }
    }
}
