package org.vostok.testing.linearizability;

import java.util.Optional;

/**
 * A sequential specification: what one partition of the system under test does when its
 * operations are applied one at a time. The checker asks whether a concurrent history can be
 * explained by some order of its operations under this specification (Herlihy and Wing's
 * linearizability).
 *
 * <p>A specification must be deterministic: from a given state an input has exactly one output
 * and one next state. States are compared with {@code equals} and hashed with {@code hashCode}
 * (records and {@link Optional} do both), because the search remembers every (set of operations
 * applied, state) pair it has explored and never explores one twice. Outputs are compared with
 * {@code equals}.
 *
 * <p>{@link #partition} splits a history into independent sub-histories that are checked one by
 * one. That is sound only when operations of different partitions never affect each other, as
 * for the keys of a key-value store: Herlihy and Wing's locality theorem then says a history is
 * linearizable exactly when each partition's sub-history is (Horn and Kroening call this
 * P-compositionality). Checking ten keys of a thousand operations each is far cheaper than one
 * history of ten thousand.
 *
 * @param <S> the state of one partition
 * @param <I> an operation's input: what the client asked for
 * @param <O> an operation's output: what the client was told
 */
public interface Model<S, I, O> {

    /** The state of every partition before its first operation. */
    S initialState();

    /** Applies {@code input} to {@code state}: the output it gives and the state after it. */
    Step<S, O> step(S state, I input);

    /**
     * The partition {@code input} belongs to; operations of different partitions must be
     * independent. The default puts every operation in one partition.
     */
    default Object partition(I input) {
        return "all";
    }

    /** How the partition is named in explanations, e.g. {@code key "k1"}. */
    default String describePartition(Object partition) {
        return "partition " + partition;
    }

    /**
     * Whether {@code input} never changes the state, like a read. An operation of this kind whose
     * outcome is unknown cannot constrain the history, so the checker leaves it out.
     */
    default boolean isReadOnly(I input) {
        return false;
    }

    /**
     * Whether an operation that gave {@code output} left the state as it was, whatever the state
     * was: a read, or a compare-and-set that did not swap, but not a delete (which may or may not
     * find something to delete). The search linearizes such an operation as soon as it fits
     * rather than trying it at every later point too, which keeps histories with many concurrent
     * reads cheap to check. Answering false is always safe, only slower; answering true for an
     * operation that can change the state makes the checker wrong. The default is
     * {@link #isReadOnly(Object)}.
     */
    default boolean leavesStateUnchanged(I input, O output) {
        return isReadOnly(input);
    }

    /**
     * The one state in which an operation with this input gives {@code output}, if there is only
     * one (a read that returned v needs the value v; a compare-and-set that swapped needs its
     * expected value), else empty. With {@link #stateLeftBy} this lets the search see early that
     * a needed state can never come back. Empty is always safe, only slower.
     */
    default Optional<S> stateNeeded(I input, O output) {
        return Optional.empty();
    }

    /**
     * Which states an operation can leave behind, given its output when it has one (empty for
     * an open operation). The default, {@link StateLeft#any()}, is always safe, only slower.
     */
    default StateLeft<S> stateLeftBy(I input, Optional<O> output) {
        return StateLeft.any();
    }

    /**
     * A description of what is wrong when {@code output} can never be an output of {@code input}
     * (a write recorded with a read's result, say), or empty when it can. A recording mistake of
     * that kind is reported as an error instead of as a linearizability violation.
     */
    default Optional<String> checkOutput(I input, O output) {
        return Optional.empty();
    }

    /** How a state is shown in explanations. */
    default String describeState(S state) {
        return String.valueOf(state);
    }

    /**
     * What an operation can do to the state: nothing ({@link #unchanged()}: a read, a
     * compare-and-set that did not swap), leave it unchanged or set it to one given state
     * ({@link #unchangedOr}: a write, a delete, a compare-and-set that swapped or may have), or
     * anything ({@link #any()}).
     *
     * @param anything whether it may set any state
     * @param state    the one state it may set, when it may set one
     */
    record StateLeft<S>(boolean anything, Optional<S> state) {
        public StateLeft {
            if (state == null || (anything && state.isPresent())) {
                throw new IllegalArgumentException("use StateLeft.unchanged(), unchangedOr(state) or any()");
            }
        }

        public static <S> StateLeft<S> unchanged() {
            return new StateLeft<>(false, Optional.empty());
        }

        public static <S> StateLeft<S> unchangedOr(S state) {
            if (state == null) {
                throw new IllegalArgumentException("unchangedOr needs the state the operation may set");
            }
            return new StateLeft<>(false, Optional.of(state));
        }

        public static <S> StateLeft<S> any() {
            return new StateLeft<>(true, Optional.empty());
        }
    }

    /** The result of applying one input: the state after it and the output it gives. */
    record Step<S, O>(S next, O output) {
        public Step {
            if (next == null || output == null) {
                throw new IllegalArgumentException("a model step needs a next state and an output, got next="
                        + next + ", output=" + output + "; use Optional or an explicit value for 'nothing'");
            }
        }
    }
}
