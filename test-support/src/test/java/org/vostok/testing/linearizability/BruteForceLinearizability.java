package org.vostok.testing.linearizability;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Linearizability straight from its definition, for checking the checker on small histories:
 * try every order of the completed operations, with every subset of the open ones placed
 * anywhere after their invocation, and accept if one respects real time and gives every output.
 * Exponential, with no partitioning, memoization or reductions, so none of the checker's
 * shortcuts can hide in it. The state is that of the whole object: the model's state of every
 * partition.
 */
final class BruteForceLinearizability {

    private BruteForceLinearizability() {
    }

    static <S, I, O> boolean isLinearizable(Model<S, I, O> model, List<Operation<I, O>> history) {
        List<Operation<I, O>> remaining = new ArrayList<>();
        for (Operation<I, O> operation : history) {
            if (operation.outcome() != Outcome.FAIL) {
                remaining.add(operation);
            }
        }
        return search(model, remaining, Map.of());
    }

    private static <S, I, O> boolean search(Model<S, I, O> model, List<Operation<I, O>> remaining,
                                            Map<Object, S> states) {
        if (remaining.stream().allMatch(Operation::isOpen)) {
            return true;
        }
        for (Operation<I, O> candidate : remaining) {
            if (mustWait(candidate, remaining)) {
                continue;
            }
            Object partition = model.partition(candidate.input());
            S state = states.containsKey(partition) ? states.get(partition) : model.initialState();
            Model.Step<S, O> step = model.step(state, candidate.input());
            if (!candidate.isOpen() && !Objects.equals(step.output(), candidate.output().get())) {
                continue;
            }
            List<Operation<I, O>> rest = new ArrayList<>(remaining);
            rest.remove(candidate);
            Map<Object, S> after = new HashMap<>(states);
            after.put(partition, step.next());
            if (search(model, rest, after)) {
                return true;
            }
        }
        return false;
    }

    /** Whether a completed operation still to be placed returned before {@code candidate} was invoked. */
    private static <I, O> boolean mustWait(Operation<I, O> candidate, List<Operation<I, O>> remaining) {
        for (Operation<I, O> other : remaining) {
            if (!other.isOpen() && other.responseTime().getAsLong() < candidate.invokeTime()) {
                return true;
            }
        }
        return false;
    }
}
