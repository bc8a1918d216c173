package org.vostok.testing.linearizability;

import java.util.Optional;

/**
 * A key-value store as a sequential specification: reads, writes, deletes and compare-and-set,
 * each on one key. Keys are independent, so each key is its own partition, and a partition's
 * state is the key's value (empty when absent).
 */
public final class KvModel implements Model<Optional<String>, KvOp, KvResult> {

    @Override
    public Optional<String> initialState() {
        return Optional.empty();
    }

    @Override
    public Step<Optional<String>, KvResult> step(Optional<String> value, KvOp input) {
        if (input instanceof KvOp.Read) {
            return new Step<>(value, KvResult.valueOf(value));
        } else if (input instanceof KvOp.Write write) {
            return new Step<>(Optional.of(write.value()), KvResult.ok());
        } else if (input instanceof KvOp.Delete) {
            return new Step<>(Optional.empty(), KvResult.ok());
        } else if (input instanceof KvOp.CompareAndSet cas) {
            return cas.expected().equals(value)
                    ? new Step<>(Optional.of(cas.newValue()), KvResult.swapped(true))
                    : new Step<>(value, KvResult.swapped(false));
        }
        throw new IllegalArgumentException("unknown key-value operation " + input);
    }

    @Override
    public Object partition(KvOp input) {
        return input.key();
    }

    @Override
    public String describePartition(Object key) {
        return "key " + key;
    }

    @Override
    public boolean isReadOnly(KvOp input) {
        return input instanceof KvOp.Read;
    }

    /** A read, or a compare-and-set that did not swap. */
    @Override
    public boolean leavesStateUnchanged(KvOp input, KvResult output) {
        return input instanceof KvOp.Read
                || (input instanceof KvOp.CompareAndSet && output instanceof KvResult.Swapped swapped && !swapped.swapped());
    }

    /** A read needs the value it returned; a compare-and-set that swapped needs its expected value. */
    @Override
    public Optional<Optional<String>> stateNeeded(KvOp input, KvResult output) {
        if (input instanceof KvOp.Read && output instanceof KvResult.Value value) {
            return Optional.of(value.value());
        }
        if (input instanceof KvOp.CompareAndSet cas && output instanceof KvResult.Swapped swapped && swapped.swapped()) {
            return Optional.of(cas.expected());
        }
        return Optional.empty();
    }

    @Override
    public StateLeft<Optional<String>> stateLeftBy(KvOp input, Optional<KvResult> output) {
        if (input instanceof KvOp.Write write) {
            return StateLeft.unchangedOr(Optional.of(write.value()));
        }
        if (input instanceof KvOp.Delete) {
            return StateLeft.unchangedOr(Optional.empty());
        }
        if (input instanceof KvOp.CompareAndSet cas) {
            boolean notSwapped = output.isPresent() && output.get() instanceof KvResult.Swapped swapped
                    && !swapped.swapped();
            return notSwapped ? StateLeft.unchanged() : StateLeft.unchangedOr(Optional.of(cas.newValue()));
        }
        return StateLeft.unchanged();
    }

    @Override
    public Optional<String> checkOutput(KvOp input, KvResult output) {
        boolean fits = input instanceof KvOp.Read ? output instanceof KvResult.Value
                : input instanceof KvOp.CompareAndSet ? output instanceof KvResult.Swapped
                : output instanceof KvResult.Done;
        if (fits) {
            return Optional.empty();
        }
        String expected = input instanceof KvOp.Read ? "KvResult.value(...) or KvResult.absent()"
                : input instanceof KvOp.CompareAndSet ? "KvResult.swapped(true or false)" : "KvResult.ok()";
        return Optional.of(input + " cannot output " + output + "; its output is " + expected);
    }

    @Override
    public String describeState(Optional<String> value) {
        return value.map(KvResult::quote).orElse("absent");
    }
}
