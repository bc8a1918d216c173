/**
 * Linearizability checking for the tests of replicated services: record what concurrent clients
 * did, then decide whether some order of their operations explains everything they saw.
 *
 * <ul>
 *   <li>{@link org.vostok.testing.linearizability.HistoryRecorder}: thread-safe; each client calls
 *   {@code invoke(client, input)} before a request and completes the handle with
 *   {@code ok(output)}, {@code fail()} (did not happen) or {@code info()} / {@code timeout()}
 *   (may or may not have happened) after it.</li>
 *   <li>{@link org.vostok.testing.linearizability.History} and
 *   {@link org.vostok.testing.linearizability.Operation}: what was recorded, or built by hand.</li>
 *   <li>{@link org.vostok.testing.linearizability.Model}: a sequential specification;
 *   {@link org.vostok.testing.linearizability.KvModel} is a key-value store with
 *   {@link org.vostok.testing.linearizability.KvOp} inputs (read, write, delete, compare-and-set)
 *   and {@link org.vostok.testing.linearizability.KvResult} outputs, one partition per key.</li>
 *   <li>{@link org.vostok.testing.linearizability.LinearizabilityChecker}: the Wing–Gong search with
 *   Lowe's memoization, per partition, within {@link org.vostok.testing.linearizability.CheckerConfig#statesMax()};
 *   its {@link org.vostok.testing.linearizability.CheckResult} says LINEARIZABLE, NOT_LINEARIZABLE
 *   (with one {@link org.vostok.testing.linearizability.Violation} per failing key) or UNKNOWN.</li>
 * </ul>
 *
 * <pre>{@code
 * HistoryRecorder<KvOp, KvResult> recorder = new HistoryRecorder<>();
 * // on each of many client threads:
 * var pending = recorder.invoke(clientId, KvOp.compareAndSet("k1", "v3", "v9"));
 * try {
 *     pending.ok(KvResult.swapped(client.compareAndSet("k1", "v3", "v9")));
 * } catch (TimeoutException e) {
 *     pending.timeout();
 * }
 * // after the workload and its faults:
 * var checker = new LinearizabilityChecker<>(new KvModel());
 * CheckResult<KvOp, KvResult> result = checker.check(recorder.history());
 * assertEquals(Verdict.LINEARIZABLE, result.verdict(), result::toString);
 * }</pre>
 */
package org.vostok.testing.linearizability;
