package org.vostok.testing.linearizability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HistoryRecorderTest {

    private final LinearizabilityChecker<KvOp, KvResult> checker = new LinearizabilityChecker<>(new KvModel());

    @Test
    void threadsRunningOnAConcurrentHashMapRecordALinearizableHistory() throws Exception {
        // ConcurrentHashMap's single-key operations are atomic, so whatever the interleaving,
        // the recorded history must be linearizable.
        ConcurrentHashMap<String, String> store = new ConcurrentHashMap<>();
        HistoryRecorder<KvOp, KvResult> recorder = new HistoryRecorder<>();
        int threads = 8;
        int operationsPerThread = 500;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> clients = new ArrayList<>();
        List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < threads; t++) {
            int client = t;
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                    runClient(client, operationsPerThread, store, recorder);
                } catch (Throwable e) {
                    errors.add(e);
                }
            });
            clients.add(thread);
            thread.start();
        }
        start.countDown();
        for (Thread thread : clients) {
            thread.join();
        }
        assertEquals(List.of(), errors);

        History<KvOp, KvResult> history = recorder.history();
        assertEquals(threads * operationsPerThread, history.size());
        assertTrue(history.operations().stream().allMatch(operation -> operation.outcome() == Outcome.OK));
        CheckResult<KvOp, KvResult> result = checker.check(history);
        assertEquals(Verdict.LINEARIZABLE, result.verdict(), result::toString);
    }

    private static void runClient(int client, int operations, ConcurrentHashMap<String, String> store,
                                  HistoryRecorder<KvOp, KvResult> recorder) {
        SplittableRandom random = new SplittableRandom(client);
        String lastSeen = null;
        for (int i = 0; i < operations; i++) {
            String key = "k" + random.nextInt(4);
            String fresh = client + "-" + i;
            int roll = random.nextInt(10);
            if (roll < 4) {
                var pending = recorder.invoke(client, KvOp.read(key));
                lastSeen = store.get(key);
                pending.ok(KvResult.valueOf(Optional.ofNullable(lastSeen)));
            } else if (roll < 7) {
                var pending = recorder.invoke(client, KvOp.write(key, fresh));
                store.put(key, fresh);
                pending.ok(KvResult.ok());
            } else if (roll < 9 && lastSeen != null) {
                var pending = recorder.invoke(client, KvOp.compareAndSet(key, lastSeen, fresh));
                boolean swapped = store.replace(key, lastSeen, fresh);
                pending.ok(KvResult.swapped(swapped));
            } else if (roll < 9) {
                var pending = recorder.invoke(client, KvOp.putIfAbsent(key, fresh));
                boolean swapped = store.putIfAbsent(key, fresh) == null;
                pending.ok(KvResult.swapped(swapped));
            } else {
                var pending = recorder.invoke(client, KvOp.delete(key));
                store.remove(key);
                pending.ok(KvResult.ok());
            }
        }
    }

    /** A client that serves reads from a cache it never invalidates: the classic stale read. */
    private static final class CachingClient {
        private final Map<String, String> cache = new HashMap<>();
        private final Map<String, String> store;

        CachingClient(Map<String, String> store) {
            this.store = store;
        }

        Optional<String> read(String key) {
            return Optional.ofNullable(cache.computeIfAbsent(key, store::get));
        }
    }

    @Test
    void aClientWithAStaleReadCacheIsCaught() {
        Map<String, String> store = new HashMap<>();
        CachingClient cachingClient = new CachingClient(store);
        HistoryRecorder<KvOp, KvResult> recorder = new HistoryRecorder<>();

        var write = recorder.invoke(1, KvOp.write("x", "a"));
        store.put("x", "a");
        write.ok(KvResult.ok());
        var firstRead = recorder.invoke(2, KvOp.read("x"));
        firstRead.ok(KvResult.valueOf(cachingClient.read("x")));
        write = recorder.invoke(1, KvOp.write("x", "b"));
        store.put("x", "b");
        write.ok(KvResult.ok());
        var staleRead = recorder.invoke(2, KvOp.read("x"));
        staleRead.ok(KvResult.valueOf(cachingClient.read("x")));

        CheckResult<KvOp, KvResult> result = checker.check(recorder.history());
        assertEquals(Verdict.NOT_LINEARIZABLE, result.verdict(), result::toString);
        assertEquals(staleRead.id(), result.violations().get(0).lastOperation().id());
    }

    @Test
    void anOperationNeverCompletedStaysOpen() {
        HistoryRecorder<KvOp, KvResult> recorder = new HistoryRecorder<>();
        recorder.invoke(1, KvOp.write("x", "a")).ok(KvResult.ok());
        var lost = recorder.invoke(2, KvOp.write("x", "b"));
        recorder.invoke(3, KvOp.read("x")).ok(KvResult.value("b"));

        History<KvOp, KvResult> history = recorder.history();
        Operation<KvOp, KvResult> open = history.operations().get(1);
        assertEquals(lost.id(), open.id());
        assertEquals(Outcome.INFO, open.outcome());
        assertEquals(OptionalLong.empty(), open.responseTime());
        assertEquals(Verdict.LINEARIZABLE, checker.check(history).verdict());
    }

    @Test
    void failAndTimeoutAreRecordedWithTheirResponseTime() {
        HistoryRecorder<KvOp, KvResult> recorder = new HistoryRecorder<>();
        recorder.invoke(1, KvOp.write("x", "a")).fail();
        recorder.invoke(1, KvOp.write("x", "b")).timeout();

        List<Operation<KvOp, KvResult>> operations = recorder.history().operations();
        assertEquals(Outcome.FAIL, operations.get(0).outcome());
        assertEquals(OptionalLong.of(2), operations.get(0).responseTime());
        assertEquals(Outcome.INFO, operations.get(1).outcome());
        assertEquals(OptionalLong.of(4), operations.get(1).responseTime());
    }

    @Test
    void completingAnOperationTwiceIsAnError() {
        HistoryRecorder<KvOp, KvResult> recorder = new HistoryRecorder<>();
        var pending = recorder.invoke(4, KvOp.write("x", "a"));
        pending.ok(KvResult.ok());

        IllegalStateException error = assertThrows(IllegalStateException.class, pending::info);
        assertEquals("operation #0 write(x, \"a\") of client 4 was already completed as OK; complete each"
                + " invocation exactly once", error.getMessage());
        assertEquals(Outcome.OK, recorder.history().operations().get(0).outcome());
    }

    @Test
    void theLogicalClockOrdersEventsAsTheyHappened() {
        HistoryRecorder<KvOp, KvResult> recorder = new HistoryRecorder<>();
        var first = recorder.invoke(1, KvOp.write("x", "a"));
        var second = recorder.invoke(2, KvOp.read("x"));
        first.ok(KvResult.ok());
        second.ok(KvResult.value("a"));
        var third = recorder.invoke(1, KvOp.read("x"));
        third.ok(KvResult.value("a"));

        List<Operation<KvOp, KvResult>> operations = recorder.history().operations();
        assertEquals(List.of(1L, 2L, 5L), operations.stream().map(Operation::invokeTime).toList());
        assertEquals(List.of(3L, 4L, 6L),
                operations.stream().map(operation -> operation.responseTime().getAsLong()).toList());
    }

    @Test
    void aSuppliedClockGivesTheTimes() {
        AtomicLong nanos = new AtomicLong(1_000);
        HistoryRecorder<KvOp, KvResult> recorder = HistoryRecorder.withClock(() -> nanos.addAndGet(250));
        recorder.invoke(1, KvOp.write("x", "a")).ok(KvResult.ok());

        Operation<KvOp, KvResult> operation = recorder.history().operations().get(0);
        assertEquals(1_250, operation.invokeTime());
        assertEquals(OptionalLong.of(1_500), operation.responseTime());
    }
}
