package org.vostok.testing.linearizability;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The sub-history of one partition, as the search walks it: the operations that matter (OK ones,
 * and open ones that may change the state) and their call and return events in time order.
 *
 * <p>Events are ordered by time; at equal times calls come before returns, so operations whose
 * times touch count as overlapping. Open operations have a call event and no return event: they
 * may take effect at any point after their call, or never.
 */
final class PartitionHistory<I, O> {

    final Object partition;
    /** The operations, indexed 0..size-1 in invocation order. */
    final List<Operation<I, O>> operations;
    /** Event e is the call (when eventIsCall[e]) or the return of operation eventOperation[e]. */
    final int[] eventOperation;
    final boolean[] eventIsCall;
    /** The event index of each operation's call, and of its return (-1 for an open operation). */
    final int[] callEvent;
    final int[] returnEvent;
    /** The number of operations that are not open: all of them must be linearized. */
    final int completedCount;
    /** Each operation's index among the completed ones, or among the open ones if it is open. */
    final int[] indexInKind;

    PartitionHistory(Object partition, List<Operation<I, O>> operations) {
        this.partition = partition;
        this.operations = List.copyOf(operations);
        int size = this.operations.size();
        int completed = 0;
        int open = 0;
        indexInKind = new int[size];
        for (int op = 0; op < size; op++) {
            indexInKind[op] = this.operations.get(op).isOpen() ? open++ : completed++;
        }
        this.completedCount = completed;

        // An event is packed into a long[] triple for sorting: time, kind (call 0, return 1), operation.
        long[][] events = new long[size + completed][];
        int next = 0;
        for (int op = 0; op < size; op++) {
            Operation<I, O> operation = this.operations.get(op);
            events[next++] = new long[] {operation.invokeTime(), 0, op};
            if (!operation.isOpen()) {
                events[next++] = new long[] {operation.responseTime().getAsLong(), 1, op};
            }
        }
        Arrays.sort(events, (a, b) -> {
            int byTime = Long.compare(a[0], b[0]);
            if (byTime != 0) {
                return byTime;
            }
            int byKind = Long.compare(a[1], b[1]);
            return byKind != 0 ? byKind : Long.compare(a[2], b[2]);
        });

        eventOperation = new int[events.length];
        eventIsCall = new boolean[events.length];
        callEvent = new int[size];
        returnEvent = new int[size];
        Arrays.fill(returnEvent, -1);
        for (int e = 0; e < events.length; e++) {
            int op = (int) events[e][2];
            eventOperation[e] = op;
            eventIsCall[e] = events[e][1] == 0;
            if (eventIsCall[e]) {
                callEvent[op] = e;
            } else {
                returnEvent[op] = e;
            }
        }
    }

    int size() {
        return operations.size();
    }

    int openCount() {
        return size() - completedCount;
    }

    int eventCount() {
        return eventOperation.length;
    }

    /**
     * The history as it stood just after its {@code returnsKept}-th return event (1-based): the
     * operations called before that moment, where those that had not yet returned are open, since
     * their clients did not know their outcome yet. Open read-only operations are left out, as in
     * the whole history.
     *
     * <p>Prefixes are monotonic: if one is not linearizable, no longer one is, because restricting
     * a linearization of the longer prefix to the operations of the shorter one gives a
     * linearization of the shorter. So the shortest failing prefix can be found by bisection.
     */
    <S> PartitionHistory<I, O> prefix(int returnsKept, Model<S, I, O> model) {
        if (returnsKept < 1 || returnsKept > completedCount) {
            throw new IllegalArgumentException("a prefix keeps 1.." + completedCount + " returns, not " + returnsKept);
        }
        int cut = -1;
        int returnsSeen = 0;
        for (int e = 0; e < eventCount(); e++) {
            if (!eventIsCall[e] && ++returnsSeen == returnsKept) {
                cut = e;
                break;
            }
        }
        List<Operation<I, O>> kept = new ArrayList<>();
        for (int op = 0; op < size(); op++) {
            if (callEvent[op] > cut) {
                continue;
            }
            Operation<I, O> operation = operations.get(op);
            boolean returned = returnEvent[op] >= 0 && returnEvent[op] <= cut;
            if (returned) {
                kept.add(operation);
            } else if (!model.isReadOnly(operation.input())) {
                kept.add(operation.pending());
            }
        }
        return new PartitionHistory<>(partition, kept);
    }

    /** The operation whose return is the last event of this (prefix) history. */
    Operation<I, O> lastReturned() {
        for (int e = eventCount() - 1; e >= 0; e--) {
            if (!eventIsCall[e]) {
                return operations.get(eventOperation[e]);
            }
        }
        throw new IllegalStateException("no operation of " + partition + " has returned");
    }
}
