/**
 * Fault injection for the tests of replicated services: a seeded {@link
 * org.vostok.testing.faults.FaultSchedule} of partitions (symmetric, one-way, the leader's),
 * link noise (drops, duplicates, delays), replicas killed and restarted, and (for real
 * processes) replicas paused and resumed and the leader's connections reset, carried out by a
 * {@link org.vostok.testing.faults.FaultInjector} against a {@link
 * org.vostok.testing.faults.FaultTarget} (each module adapts its own cluster to it: rdb's
 * in-process {@code TestCluster}; server processes behind fault-injecting proxies through
 * {@code org.vostok.testing.net.ProxyFaultTarget}).
 *
 * <p>With {@code org.vostok.testing.workload.KvWorkload} recording what the clients saw and the
 * {@code org.vostok.testing.linearizability} checker judging it, a test runs a workload through
 * the faults, heals, and asks whether the history is linearizable.
 */
package org.vostok.testing.faults;
