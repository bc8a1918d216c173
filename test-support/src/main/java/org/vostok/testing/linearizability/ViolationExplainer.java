package org.vostok.testing.linearizability;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Turns a partition that is not linearizable into a {@link Violation} a person can act on: it
 * bisects for the shortest failing prefix (see {@link PartitionHistory#prefix}), then describes
 * that prefix, the longest partial linearization the search found for it, and why none of the
 * operations that could come next fits.
 */
final class ViolationExplainer<S, I, O> {

    /** Lists longer than this are shown by their last lines only; the Violation has them all. */
    private static final int LINES_MAX = 40;

    private final Model<S, I, O> model;
    private final long statesMax;
    private long statesExplored;

    ViolationExplainer(Model<S, I, O> model, long statesMax) {
        this.model = model;
        this.statesMax = statesMax;
    }

    /** Configurations explored by the bisection runs. */
    long statesExplored() {
        return statesExplored;
    }

    Violation<I, O> explain(PartitionHistory<I, O> whole, PartitionSearch.Result wholeResult) {
        // Invariant: the prefix keeping `high` returns is known to fail; `failing` is it. The whole
        // history is equivalent to the prefix that keeps all its returns.
        PartitionHistory<I, O> failing = whole;
        PartitionSearch.Result failingResult = wholeResult;
        boolean shortest = true;
        int low = 1;
        int high = whole.completedCount;
        while (low < high) {
            int middle = (low + high) >>> 1;
            PartitionHistory<I, O> candidate = whole.prefix(middle, model);
            PartitionSearch.Result result = PartitionSearch.run(model, candidate, statesMax);
            statesExplored += result.statesExplored();
            if (result.verdict() == Verdict.NOT_LINEARIZABLE) {
                high = middle;
                failing = candidate;
                failingResult = result;
            } else {
                shortest &= result.verdict() == Verdict.LINEARIZABLE;
                low = middle + 1;
            }
        }

        List<Operation<I, O>> longest = new ArrayList<>();
        for (int op : failingResult.longestLinearization()) {
            longest.add(failing.operations.get(op));
        }
        Operation<I, O> last = failing.lastReturned();
        String text = describe(failing, last, shortest, failingResult.longestLinearization());
        return new Violation<>(whole.partition, History.of(failing.operations), last, shortest, longest, text);
    }

    private String describe(PartitionHistory<I, O> failing, Operation<I, O> last, boolean shortest, int[] longest) {
        StringBuilder text = new StringBuilder();
        String partition = model.describePartition(failing.partition);
        text.append(partition).append(" cannot be linearized once this operation has returned:\n  ")
                .append(last).append('\n');

        text.append("Shortest failing prefix of its history, ").append(failing.size()).append(" operations in invocation"
                + " order (those with outcome '?' may or may not have taken effect: timed out, or no answer yet):\n");
        if (!shortest) {
            text.append("  (the search budget ran out while looking for a shorter failing prefix; one may exist)\n");
        }
        appendLines(text, failing.operations);

        boolean[] linearized = new boolean[failing.size()];
        int completedLinearized = 0;
        List<String> steps = new ArrayList<>();
        S state = model.initialState();
        for (int op : longest) {
            Operation<I, O> operation = failing.operations.get(op);
            state = model.step(state, operation.input()).next();
            linearized[op] = true;
            completedLinearized += operation.isOpen() ? 0 : 1;
            steps.add(operation + "    => " + model.describeState(state));
        }
        text.append("Longest partial linearization found: ").append(completedLinearized).append(" of ")
                .append(failing.completedCount).append(" completed operations and ")
                .append(longest.length - completedLinearized).append(" open ones, in order, with the state after each:\n");
        if (steps.isEmpty()) {
            text.append("  (none: no operation can go first)\n");
        }
        appendLines(text, steps);

        text.append("After it the state is ").append(model.describeState(state))
                .append(", and none of the operations that could come next leads to a linearization:\n");
        for (String line : nextCandidates(failing, linearized, state)) {
            text.append("  ").append(line).append('\n');
        }
        return text.toString();
    }

    /**
     * The operations not in the partial linearization that were called before the first of them
     * to return, each with why it does not fit next. One of them would have to come next.
     */
    private List<String> nextCandidates(PartitionHistory<I, O> failing, boolean[] linearized, S state) {
        int firstReturn = failing.eventCount();
        for (int e = 0; e < failing.eventCount(); e++) {
            if (!failing.eventIsCall[e] && !linearized[failing.eventOperation[e]]) {
                firstReturn = e;
                break;
            }
        }
        List<String> lines = new ArrayList<>();
        for (int e = 0; e < firstReturn; e++) {
            int op = failing.eventOperation[e];
            if (!failing.eventIsCall[e] || linearized[op]) {
                continue;
            }
            Operation<I, O> operation = failing.operations.get(op);
            Model.Step<S, O> step = model.step(state, operation.input());
            String reason;
            if (!operation.isOpen() && !Objects.equals(step.output(), operation.output().get())) {
                reason = "cannot: here it would return " + step.output();
            } else {
                reason = (operation.isOpen() ? "may take effect here" : "fits here") + " (the state would become "
                        + model.describeState(step.next()) + "), but no order of the rest works after it";
            }
            lines.add(operation + "\n      " + reason);
        }
        return lines;
    }

    private static void appendLines(StringBuilder text, List<?> lines) {
        int skipped = Math.max(0, lines.size() - LINES_MAX);
        if (skipped > 0) {
            text.append("  ... ").append(skipped).append(" earlier lines left out (the Violation holds them all)\n");
        }
        for (int i = skipped; i < lines.size(); i++) {
            text.append("  ").append(lines.get(i)).append('\n');
        }
    }
}
