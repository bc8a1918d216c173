package org.vostok.testing.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.vostok.testing.linearizability.CheckResult;
import org.vostok.testing.linearizability.HistoryRecorder;
import org.vostok.testing.linearizability.KvModel;
import org.vostok.testing.linearizability.KvOp;
import org.vostok.testing.linearizability.KvResult;
import org.vostok.testing.linearizability.LinearizabilityChecker;
import org.vostok.testing.linearizability.Outcome;
import org.vostok.testing.linearizability.Verdict;

class KvWorkloadTest {

    /** How long a workload is waited for before the test fails. */
    private static final long WAIT_NANOS_MAX = 120_000_000_000L;

    private final LinearizabilityChecker<KvOp, KvResult> checker = new LinearizabilityChecker<>(new KvModel());

    /** A store whose every operation is atomic under one lock: linearizable by construction. */
    private static final class AtomicStore {
        private final Map<String, String> values = new HashMap<>();

        synchronized KvResult apply(KvOp op) {
            if (op instanceof KvOp.Read) {
                return KvResult.valueOf(Optional.ofNullable(values.get(op.key())));
            } else if (op instanceof KvOp.Write w) {
                values.put(w.key(), w.value());
                return KvResult.ok();
            } else if (op instanceof KvOp.Delete) {
                values.remove(op.key());
                return KvResult.ok();
            }
            KvOp.CompareAndSet c = (KvOp.CompareAndSet) op;
            if (!c.expected().equals(Optional.ofNullable(values.get(c.key())))) {
                return KvResult.swapped(false);
            }
            values.put(c.key(), c.newValue());
            return KvResult.swapped(true);
        }
    }

    private static KvWorkload.Counts runUntil(KvWorkload workload, HistoryRecorder<KvOp, KvResult> recorder, int operations)
            throws InterruptedException {
        long deadline = System.nanoTime() + WAIT_NANOS_MAX;
        while (recorder.size() < operations) {
            if (System.nanoTime() - deadline > 0) {
                workload.stop();
                throw new AssertionError("the workload recorded " + recorder.size() + " of " + operations
                        + " operations in " + WAIT_NANOS_MAX / 1_000_000_000L + " s");
            }
            Thread.sleep(1);
        }
        workload.stop();
        return workload.awaitStopped();
    }

    @Test
    void clientsOfAnAtomicStoreRecordALinearizableHistoryOfEveryKind() throws Exception {
        AtomicStore store = new AtomicStore();
        HistoryRecorder<KvOp, KvResult> recorder = new HistoryRecorder<>();
        KvWorkload workload = KvWorkload.start(KvWorkload.Options.defaults(5), n -> op -> Reply.ok(store.apply(op)),
                recorder);
        KvWorkload.Counts counts = runUntil(workload, recorder, 3000);

        assertEquals(recorder.size(), counts.total());
        assertEquals(counts.total(), counts.ok());
        assertTrue(counts.readsOk() > 0 && counts.swapped() > 0 && counts.notSwapped() > 0, counts.toString());
        CheckResult<KvOp, KvResult> result = checker.check(recorder.history());
        assertEquals(Verdict.LINEARIZABLE, result.verdict(), result::toString);
        assertEquals(6, result.partitionsChecked(), "every key is used");
    }

    @Test
    void failedAndUnknownRepliesAreRecordedAsSuch() throws Exception {
        // Every third write fails before it happens, every third one happens without the client
        // knowing: the history is still linearizable, with FAIL and INFO operations in it.
        // The clients run flat out, and the wait below may notice the 600th operation late on a busy
        // machine (6,307 operations were recorded once): past 600, operations fail without touching
        // the store. FAIL operations cost the checker nothing, while every INFO write stays open to
        // the end of the history and widens the search (with thousands of them it gave up, UNKNOWN).
        AtomicInteger budget = new AtomicInteger(600);
        AtomicStore store = new AtomicStore();
        HistoryRecorder<KvOp, KvResult> recorder = new HistoryRecorder<>();
        KvWorkload workload = KvWorkload.start(KvWorkload.Options.defaults(6), n -> {
            SplittableRandom random = new SplittableRandom(n);
            return op -> {
                if (budget.getAndDecrement() <= 0) {
                    return Reply.failed("past the test's 600 operations");
                }
                if (op instanceof KvOp.Read) {
                    return Reply.ok(store.apply(op));
                }
                int r = random.nextInt(3);
                if (r == 0) {
                    return Reply.failed("refused");
                }
                KvResult result = store.apply(op);
                return r == 1 ? Reply.ok(result) : Reply.unknown("timed out");
            };
        }, recorder);
        KvWorkload.Counts counts = runUntil(workload, recorder, 600);

        assertTrue(counts.failed() > 0 && counts.unknown() > 0, counts.toString());
        long infos = recorder.history().operations().stream().filter(o -> o.outcome() == Outcome.INFO).count();
        long fails = recorder.history().operations().stream().filter(o -> o.outcome() == Outcome.FAIL).count();
        assertEquals(counts.unknown(), infos);
        assertEquals(counts.failed(), fails);
        CheckResult<KvOp, KvResult> result = checker.check(recorder.history());
        assertEquals(Verdict.LINEARIZABLE, result.verdict(), result::toString);
    }

    @Test
    void clientsThatReadTheirOwnStaleCopiesAreCaught() throws Exception {
        // Each client reads from a copy of the store it refreshes only on every tenth read: the
        // stale reads must make the history not linearizable.
        AtomicStore store = new AtomicStore();
        HistoryRecorder<KvOp, KvResult> recorder = new HistoryRecorder<>();
        KvWorkload workload = KvWorkload.start(KvWorkload.Options.defaults(7).withClients(4), n -> {
            Map<String, Optional<String>> copy = new HashMap<>();
            int[] reads = {0};
            return op -> {
                if (op instanceof KvOp.Read) {
                    if (reads[0]++ % 10 == 0 || !copy.containsKey(op.key())) {
                        KvResult.Value v = (KvResult.Value) store.apply(op);
                        copy.put(op.key(), v.value());
                    }
                    return Reply.ok(KvResult.valueOf(copy.get(op.key())));
                }
                return Reply.ok(store.apply(op));
            };
        }, recorder);
        runUntil(workload, recorder, 2000);

        CheckResult<KvOp, KvResult> result = checker.check(recorder.history());
        assertEquals(Verdict.NOT_LINEARIZABLE, result.verdict(), result::toString);
    }

    @Test
    void aClientThatThrowsStopsTheWorkloadAndFailsTheWait() {
        HistoryRecorder<KvOp, KvResult> recorder = new HistoryRecorder<>();
        KvWorkload workload = KvWorkload.start(KvWorkload.Options.defaults(8).withClients(2), n -> op -> {
            throw new IllegalStateException("client " + n + " broke");
        }, recorder);
        AssertionError e = assertThrows(AssertionError.class, workload::awaitStopped);
        assertTrue(e.getMessage().contains("broke"), e.getMessage());
        assertTrue(recorder.history().operations().stream().allMatch(o -> o.outcome() == Outcome.INFO),
                "an operation whose client threw may have happened");
    }
}
