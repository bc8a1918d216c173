package org.vostok.testing.linearizability;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Adds one anomaly to a history from {@link SimulatedKvWorkload}, of a kind that makes it not
 * linearizable whatever the other operations did, open ones included. Each kind relies on
 * written values being unique: a value can only come from the one operation that wrote it.
 */
final class AnomalyInjector {

    enum Kind {
        /** After a write of f0 and then of f1 complete, a read returns f0. */
        STALE_READ,
        /** A completed read returns a value nobody wrote. */
        VALUE_NEVER_WRITTEN,
        /** A write that failed is seen by a read. */
        FAILED_WRITE_SEEN,
        /** Two compare-and-sets from the same value both succeed. */
        LOST_UPDATE,
        /** Two clients see two concurrent writes in opposite orders. */
        OPPOSITE_ORDERS
    }

    /** The history with the anomaly, and the key it is on. */
    record Injected(History<KvOp, KvResult> history, String key) {
    }

    private final List<Operation<KvOp, KvResult>> operations;
    private final SplittableRandom random;
    private int nextId;
    private long end;

    private AnomalyInjector(History<KvOp, KvResult> history, long seed) {
        this.operations = new ArrayList<>(history.operations());
        this.random = new SplittableRandom(seed);
        for (Operation<KvOp, KvResult> operation : operations) {
            nextId = Math.max(nextId, operation.id() + 1);
            end = Math.max(end, Math.max(operation.invokeTime(), operation.responseTime().orElse(0)));
        }
    }

    static Injected inject(History<KvOp, KvResult> history, Kind kind, long seed) {
        return new AnomalyInjector(history, seed).inject(kind);
    }

    private Injected inject(Kind kind) {
        String key = "k0";
        switch (kind) {
            case STALE_READ -> {
                ok(KvOp.write(key, "f0"), KvResult.ok(), 2, 4);
                ok(KvOp.write(key, "f1"), KvResult.ok(), 6, 8);
                ok(KvOp.read(key), KvResult.value("f0"), 10, 12);
            }
            case VALUE_NEVER_WRITTEN -> {
                List<Integer> reads = indexesOf(operation -> operation.input() instanceof KvOp.Read
                        && operation.outcome() == Outcome.OK);
                if (reads.isEmpty()) {
                    ok(KvOp.read(key), KvResult.value("never-written"), 2, 4);
                } else {
                    int index = reads.get(random.nextInt(reads.size()));
                    Operation<KvOp, KvResult> read = operations.get(index);
                    key = read.input().key();
                    operations.set(index, new Operation<>(read.id(), read.client(), read.input(), Outcome.OK,
                            Optional.of(KvResult.value("never-written")), read.invokeTime(), read.responseTime()));
                }
            }
            case FAILED_WRITE_SEEN -> {
                Set<String> seen = new HashSet<>();
                for (Operation<KvOp, KvResult> operation : operations) {
                    if (operation.outcome() == Outcome.OK && operation.output().get() instanceof KvResult.Value value) {
                        value.value().ifPresent(seen::add);
                    }
                }
                List<Integer> seenWrites = indexesOf(operation -> operation.outcome() == Outcome.OK
                        && operation.input() instanceof KvOp.Write write && seen.contains(write.value()));
                if (seenWrites.isEmpty()) {
                    operations.add(Operation.fail(nextId++, 0, KvOp.write(key, "f0"), end + 2, end + 4));
                    ok(KvOp.read(key), KvResult.value("f0"), 6, 8);
                } else {
                    int index = seenWrites.get(random.nextInt(seenWrites.size()));
                    Operation<KvOp, KvResult> write = operations.get(index);
                    key = write.input().key();
                    operations.set(index, new Operation<>(write.id(), write.client(), write.input(), Outcome.FAIL,
                            Optional.empty(), write.invokeTime(), write.responseTime()));
                }
            }
            case LOST_UPDATE -> {
                ok(KvOp.write(key, "f0"), KvResult.ok(), 2, 4);
                ok(KvOp.compareAndSet(key, "f0", "f1"), KvResult.swapped(true), 6, 12);
                ok(KvOp.compareAndSet(key, "f0", "f2"), KvResult.swapped(true), 8, 14);
            }
            case OPPOSITE_ORDERS -> {
                ok(KvOp.write(key, "f1"), KvResult.ok(), 2, 40);
                ok(KvOp.write(key, "f2"), KvResult.ok(), 2, 40);
                ok(KvOp.read(key), KvResult.value("f1"), 4, 6);
                ok(KvOp.read(key), KvResult.value("f2"), 8, 10);
                ok(KvOp.read(key), KvResult.value("f2"), 12, 14);
                ok(KvOp.read(key), KvResult.value("f1"), 16, 18);
            }
        }
        return new Injected(History.of(operations), key);
    }

    /** Appends an OK operation at the given times after the end of the original history. */
    private void ok(KvOp input, KvResult output, long invokeAfterEnd, long responseAfterEnd) {
        operations.add(new Operation<>(nextId, 1_000 + nextId, input, Outcome.OK, Optional.of(output),
                end + invokeAfterEnd, OptionalLong.of(end + responseAfterEnd)));
        nextId++;
    }

    private List<Integer> indexesOf(java.util.function.Predicate<Operation<KvOp, KvResult>> test) {
        List<Integer> indexes = new ArrayList<>();
        for (int i = 0; i < operations.size(); i++) {
            if (test.test(operations.get(i))) {
                indexes.add(i);
            }
        }
        return indexes;
    }
}
