package org.vostok.testing.linearizability;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides whether a {@link History} is linearizable under a {@link Model}: whether every
 * operation can be given a moment between its invocation and its response at which it took
 * effect, such that applying the operations one at a time in that order gives every output the
 * clients saw. Failed operations are left out; open ones (timed out, unknown outcome) may take
 * effect at any moment after their invocation, or never.
 *
 * <p>The history is split by {@link Model#partition} and each partition searched on its own
 * ({@link PartitionSearch}: Wing and Gong's search with Lowe's memoization). A partition that is
 * not linearizable is then cut down by bisection to the shortest prefix that still fails, which
 * is what its {@link Violation} explains.
 *
 * <pre>{@code
 * var checker = new LinearizabilityChecker<>(new KvModel());
 * CheckResult<KvOp, KvResult> result = checker.check(recorder.history());
 * assertTrue(result.isLinearizable(), result::toString);
 * }</pre>
 *
 * A checker holds no state between calls; one instance may check many histories, from any thread
 * if its model is thread-safe (KvModel is).
 */
public final class LinearizabilityChecker<I, O> {

    private final Model<?, I, O> model;
    private final CheckerConfig config;

    public LinearizabilityChecker(Model<?, I, O> model, CheckerConfig config) {
        if (model == null || config == null) {
            throw new IllegalArgumentException("a checker needs a model and a config (CheckerConfig.defaults())");
        }
        this.model = model;
        this.config = config;
    }

    /** A checker with {@link CheckerConfig#defaults()}. */
    public LinearizabilityChecker(Model<?, I, O> model) {
        this(model, CheckerConfig.defaults());
    }

    public CheckerConfig config() {
        return config;
    }

    /**
     * Checks {@code history}. Throws IllegalArgumentException, before any search, when an OK
     * operation's output cannot belong to its input (a recording mistake, not a violation).
     */
    public CheckResult<I, O> check(History<I, O> history) {
        return check(model, history);
    }

    private <S> CheckResult<I, O> check(Model<S, I, O> model, History<I, O> history) {
        Map<Object, List<Operation<I, O>>> partitions = partition(model, history);
        List<Violation<I, O>> violations = new ArrayList<>();
        List<CheckResult.Undecided> undecided = new ArrayList<>();
        long statesExplored = 0;
        int operationsChecked = 0;
        for (Map.Entry<Object, List<Operation<I, O>>> entry : partitions.entrySet()) {
            PartitionHistory<I, O> partition = new PartitionHistory<>(entry.getKey(), entry.getValue());
            operationsChecked += partition.size();
            PartitionSearch.Result result = PartitionSearch.run(model, partition, config.statesMax());
            statesExplored += result.statesExplored();
            switch (result.verdict()) {
                case LINEARIZABLE -> {
                }
                case UNKNOWN -> undecided.add(new CheckResult.Undecided(partition.partition,
                        model.describePartition(partition.partition), partition.size(), result.statesExplored()));
                case NOT_LINEARIZABLE -> {
                    ViolationExplainer<S, I, O> explainer = new ViolationExplainer<>(model, config.statesMax());
                    violations.add(explainer.explain(partition, result));
                    statesExplored += explainer.statesExplored();
                }
            }
        }
        Verdict verdict = !violations.isEmpty() ? Verdict.NOT_LINEARIZABLE
                : !undecided.isEmpty() ? Verdict.UNKNOWN : Verdict.LINEARIZABLE;
        return new CheckResult<>(verdict, partitions.size(), operationsChecked, statesExplored, violations, undecided);
    }

    /**
     * The operations that matter, by partition, in the order partitions first appear. Failed
     * operations did nothing, and open read-only ones cannot constrain anything.
     */
    private static <S, I, O> Map<Object, List<Operation<I, O>>> partition(Model<S, I, O> model, History<I, O> history) {
        Map<Object, List<Operation<I, O>>> partitions = new LinkedHashMap<>();
        for (Operation<I, O> operation : history.operations()) {
            if (operation.outcome() == Outcome.OK) {
                Optional<String> problem = model.checkOutput(operation.input(), operation.output().get());
                if (problem.isPresent()) {
                    throw new IllegalArgumentException("operation " + operation + " was recorded wrongly: "
                            + problem.get());
                }
            }
            if (operation.outcome() == Outcome.FAIL
                    || (operation.outcome() == Outcome.INFO && model.isReadOnly(operation.input()))) {
                continue;
            }
            Object partition = model.partition(operation.input());
            if (partition == null) {
                throw new IllegalArgumentException("the model put operation " + operation + " in a null partition");
            }
            partitions.computeIfAbsent(partition, key -> new ArrayList<>()).add(operation);
        }
        return partitions;
    }
}
