package org.vostok.testing.linearizability;

/**
 * The limits of a {@link LinearizabilityChecker}.
 *
 * @param statesMax the number of distinct (operations linearized, model state) pairs the search
 *                  may remember for one partition before it gives up with
 *                  {@link Verdict#UNKNOWN}. Deciding linearizability is NP-complete, and a history
 *                  with many operations that are concurrent or open can need exponentially many
 *                  states; the limit turns "runs forever" into an answer. Memory grows with it: a
 *                  state costs 150 to 350 bytes (more when operations are open), whatever the
 *                  length of the history, so the default needs at most about 350 MB.
 */
public record CheckerConfig(long statesMax) {

    /** Enough for tens of thousands of operations per partition from a real workload. */
    public static final long STATES_MAX_DEFAULT = 1_000_000;

    public CheckerConfig {
        if (statesMax < 1) {
            throw new IllegalArgumentException("statesMax must be at least 1, got " + statesMax
                    + "; the default is " + STATES_MAX_DEFAULT);
        }
    }

    public static CheckerConfig defaults() {
        return new CheckerConfig(STATES_MAX_DEFAULT);
    }

    public CheckerConfig withStatesMax(long statesMax) {
        return new CheckerConfig(statesMax);
    }
}
