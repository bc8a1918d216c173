package org.vostok.testing.linearizability;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Turns a partition that is not linearizable into a {@link Violation} a person can act on: it
 * bisects for the shortest failing prefix (see {@link PartitionHistory#prefix}), then describes
 * that prefix, the longest partial linearization the search found for it, and why nothing can
 * follow: an operation that needs a state nothing left can set, or for each operation that
 * could come next, why it does not fit or what it would break.
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
        text.append(model.describePartition(failing.partition))
                .append(" cannot be linearized once this operation has returned:\n  ").append(last).append('\n');
        text.append("Shortest failing prefix of its history, ").append(failing.size()).append(" operations in invocation"
                + " order (those with outcome '?' may or may not have taken effect: timed out, or no answer yet):\n");
        if (!shortest) {
            text.append("  (the search budget ran out while looking for a shorter failing prefix; one may exist)\n");
        }
        appendLines(text, failing.operations);

        boolean[] linearized = new boolean[failing.size()];
        S state = describeLinearization(text, failing, longest, linearized);
        describeWhyStuck(text, failing, linearized, state);
        return text.toString();
    }

    /** Lists the partial linearization with the state after each step; returns the last state. */
    private S describeLinearization(StringBuilder text, PartitionHistory<I, O> failing, int[] longest,
                                    boolean[] linearized) {
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
        int openLinearized = longest.length - completedLinearized;
        text.append("Longest partial linearization found: ").append(completedLinearized).append(" of ")
                .append(failing.completedCount).append(" completed operations and ").append(openLinearized)
                .append(openLinearized == 1 ? " open one" : " open ones").append(", in order, with the state after each:\n");
        if (steps.isEmpty()) {
            text.append("  (none)\n");
        }
        appendLines(text, steps);
        return state;
    }

    /** Says why nothing can follow the partial linearization: a stranded operation, or each candidate's reason. */
    private void describeWhyStuck(StringBuilder text, PartitionHistory<I, O> failing, boolean[] linearized, S state) {
        text.append("After it the state is ").append(model.describeState(state));
        Optional<Operation<I, O>> orphan = orphan(failing, linearized, state);
        if (orphan.isPresent()) {
            Operation<I, O> needer = orphan.get();
            S needed = model.stateNeeded(needer.input(), needer.output().get()).get();
            text.append(". This operation needs ").append(model.describeState(needed))
                    .append(", and no operation left can set it, so no order of the rest works:\n  ")
                    .append(needer).append('\n');
            return;
        }
        text.append(", and none of the operations that could come next leads to a linearization:\n");
        for (String line : nextCandidates(failing, linearized, state)) {
            text.append("  ").append(line).append('\n');
        }
    }

    /** A completed operation not yet linearized that needs a state other than {@code state} that nothing left can set. */
    private Optional<Operation<I, O>> orphan(PartitionHistory<I, O> failing, boolean[] linearized, S state) {
        for (int op = 0; op < failing.size(); op++) {
            Operation<I, O> operation = failing.operations.get(op);
            if (linearized[op] || operation.isOpen()) {
                continue;
            }
            Optional<S> needed = model.stateNeeded(operation.input(), operation.output().get());
            if (needed.isPresent() && !needed.get().equals(state) && !canBeSet(failing, linearized, -1, needed.get())) {
                return Optional.of(operation);
            }
        }
        return Optional.empty();
    }

    /** Whether an operation not yet linearized, other than {@code except}, may set {@code wanted}. */
    private boolean canBeSet(PartitionHistory<I, O> failing, boolean[] linearized, int except, S wanted) {
        for (int op = 0; op < failing.size(); op++) {
            if (op == except || linearized[op]) {
                continue;
            }
            Operation<I, O> operation = failing.operations.get(op);
            Model.StateLeft<S> left = model.stateLeftBy(operation.input(), operation.output());
            if (left.anything() || left.state().filter(wanted::equals).isPresent()) {
                return true;
            }
        }
        return false;
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
                        + model.describeState(step.next()) + "), but "
                        + strandedBy(failing, linearized, op, state, step.next())
                        .map(stranded -> "nothing left could set " + model.describeState(state)
                                + " again, which " + stranded + " still needs")
                        .orElse("no order of the rest works after it");
            }
            lines.add(operation + "\n      " + reason);
        }
        return lines;
    }

    /**
     * An operation not yet linearized that needs {@code before}, when operation {@code op} would
     * leave that state and no other operation not yet linearized could set it again.
     */
    private Optional<Operation<I, O>> strandedBy(PartitionHistory<I, O> failing, boolean[] linearized, int op,
                                                 S before, S after) {
        if (after.equals(before) || canBeSet(failing, linearized, op, before)) {
            return Optional.empty();
        }
        for (int other = 0; other < failing.size(); other++) {
            Operation<I, O> operation = failing.operations.get(other);
            if (other != op && !linearized[other] && !operation.isOpen()
                    && model.stateNeeded(operation.input(), operation.output().get()).filter(before::equals).isPresent()) {
                return Optional.of(operation);
            }
        }
        return Optional.empty();
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
