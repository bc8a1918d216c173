package org.vostok.testing.linearizability;

import java.util.List;

/**
 * Why one partition's history is not linearizable.
 *
 * @param partition            the partition (for the key-value model, the key)
 * @param failingPrefix        the shortest prefix of the partition's history that cannot be
 *                             linearized: every operation invoked before {@code lastOperation}
 *                             returned, where those whose clients had no answer yet at that moment
 *                             are open; it can be checked again on its own
 * @param lastOperation        the operation whose response ends the prefix: the history was still
 *                             linearizable just before it returned, and is not after
 * @param prefixIsShortest     false when the search budget ran out while looking for a shorter
 *                             failing prefix, so a shorter one may exist
 * @param longestLinearization the partial linearization of the prefix with the most completed
 *                             operations that the search reached, in linearization order: where it
 *                             got stuck. The search does not take steps it can tell are dead (one
 *                             that leaves a value a pending read still needs and nothing can set
 *                             again), so it shows the point of the mistake rather than how far
 *                             one could go past it
 * @param explanation          all of the above, for a person: see {@link #toString()}
 */
public record Violation<I, O>(Object partition, History<I, O> failingPrefix, Operation<I, O> lastOperation,
                              boolean prefixIsShortest, List<Operation<I, O>> longestLinearization,
                              String explanation) {

    public Violation {
        longestLinearization = List.copyOf(longestLinearization);
    }

    /** The explanation: the partition, the failing prefix, the longest partial linearization and what blocks it. */
    @Override
    public String toString() {
        return explanation;
    }
}
