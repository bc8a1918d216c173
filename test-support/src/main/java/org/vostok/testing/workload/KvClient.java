package org.vostok.testing.workload;

import org.vostok.testing.linearizability.KvOp;

/**
 * One client of a replicated key-value store, as a {@link KvWorkload} drives it: it performs an
 * operation however the system under test wants (finding the leader, following hints, retrying
 * what was refused, asking after an ambiguous write) and says what it learned. One instance per
 * client thread; it need not be thread-safe.
 *
 * <p>{@link #perform} must return within a bound the client sets itself (a deadline per
 * operation), so that a workload can stop. It throws only for a bug in the test or the system
 * (an exception the system's API does not promise); that stops the workload and fails the test.
 */
@FunctionalInterface
public interface KvClient {
    Reply perform(KvOp op);
}
