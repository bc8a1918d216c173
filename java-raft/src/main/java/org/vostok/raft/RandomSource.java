package org.vostok.raft;

/**
 * The only randomness the core uses: randomized election timeouts (Raft §5.2). The host
 * supplies it, seeded, so that any run can be replayed exactly. For example:
 * {@code new java.util.SplittableRandom(seed)::nextInt}.
 */
@FunctionalInterface
public interface RandomSource {

    /** A uniformly distributed value in {@code [0, bound)}; {@code bound} is positive. */
    int nextInt(int bound);
}
