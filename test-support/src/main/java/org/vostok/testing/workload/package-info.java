/**
 * Concurrent workloads for the tests of replicated services: {@link
 * org.vostok.testing.workload.KvWorkload} drives many {@link org.vostok.testing.workload.KvClient}s
 * (one per thread, each written for the system under test) and records what they saw for the
 * {@code org.vostok.testing.linearizability} checker; a {@link org.vostok.testing.workload.Reply}
 * is what a client learned of one operation (ok, failed, unknown).
 */
package org.vostok.testing.workload;
