package org.vostok.testing.linearizability;

import java.util.List;

/**
 * The answer of {@link LinearizabilityChecker#check}: a verdict, and for a history that is not
 * linearizable, one {@link Violation} per partition that cannot be linearized.
 *
 * <p>The verdict is {@link Verdict#NOT_LINEARIZABLE} if any partition fails (a proof, whatever
 * other partitions did), else {@link Verdict#UNKNOWN} if the search gave up on any, else
 * {@link Verdict#LINEARIZABLE}. {@link #toString()} explains it for a person, so
 * {@code assertTrue(result.isLinearizable(), result::toString)} gives a useful failure message.
 *
 * @param verdict             the answer
 * @param partitionsChecked   partitions with at least one operation that matters
 * @param operationsChecked   operations that matter: OK ones and open ones that may change state
 * @param statesExplored      configurations the search explored, over all partitions and runs
 * @param violations          one per partition that is not linearizable
 * @param undecided           the partitions the search gave up on
 */
public record CheckResult<I, O>(Verdict verdict, int partitionsChecked, int operationsChecked,
                                long statesExplored, List<Violation<I, O>> violations,
                                List<Undecided> undecided) {

    /**
     * A partition on which the search hit {@link CheckerConfig#statesMax}.
     *
     * @param partition      the partition (for the key-value model, the key)
     * @param description    how the model names it, e.g. {@code key "k1"}
     * @param operations     how many operations of it were checked
     * @param statesExplored how many configurations the search explored before it gave up
     */
    public record Undecided(Object partition, String description, int operations, long statesExplored) {
    }

    public CheckResult {
        violations = List.copyOf(violations);
        undecided = List.copyOf(undecided);
        Verdict expected = !violations.isEmpty() ? Verdict.NOT_LINEARIZABLE
                : !undecided.isEmpty() ? Verdict.UNKNOWN : Verdict.LINEARIZABLE;
        if (verdict != expected) {
            throw new IllegalArgumentException("verdict " + verdict + " does not match " + violations.size()
                    + " violations and " + undecided.size() + " undecided partitions (expected " + expected + ")");
        }
    }

    public boolean isLinearizable() {
        return verdict == Verdict.LINEARIZABLE;
    }

    /** The verdict, what was checked, and every violation and undecided partition explained. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        text.append(verdict.name().replace('_', ' ')).append(": ").append(operationsChecked).append(" operations in ")
                .append(partitionsChecked).append(partitionsChecked == 1 ? " partition" : " partitions")
                .append(", ").append(statesExplored).append(" search states\n");
        if (!violations.isEmpty()) {
            text.append(violations.size()).append(violations.size() == 1 ? " partition" : " partitions")
                    .append(" cannot be linearized.\n");
            for (Violation<I, O> violation : violations) {
                text.append('\n').append(violation.explanation());
            }
        }
        for (Undecided partition : undecided) {
            text.append('\n').append("Gave up on ").append(partition.description()).append(" (")
                    .append(partition.operations()).append(" operations) after ").append(partition.statesExplored())
                    .append(" search states: raise CheckerConfig.statesMax, or record shorter histories or fewer"
                            + " operations with unknown outcome on one partition.\n");
        }
        return text.toString();
    }
}
