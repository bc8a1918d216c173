package org.vostok.vos.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.vostok.vos.Container;
import org.vostok.vos.Iteration;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.Pool;
import org.vostok.vos.Transaction;
import org.vostok.vos.VosError;
import org.vostok.vos.VosException;

/**
 * Many threads on one pool: readers see exactly the committed state at their epoch while a writer
 * goes on, and closing a pool or container under load fails later calls cleanly, never crashes.
 * Threads meet at latches, never at sleeps.
 */
public abstract class ConcurrencyConformanceTest extends VosConformance {
    private static final int KEYS = 8;

    /** The value key k holds at epoch e, when epoch n wrote key n % KEYS with the text "n". */
    private static Optional<String> expected(long k, long e) {
        if (e < 1) {
            return Optional.empty();
        }
        long newest = e - Math.floorMod(e - k, KEYS);
        return newest >= 1 ? Optional.of(Long.toString(newest)) : Optional.empty();
    }

    private static void join(List<Thread> threads) throws InterruptedException {
        for (Thread thread : threads) {
            thread.join();
        }
    }

    @Test
    void readersSeeExactlyTheCommittedStateWhileAWriterGoesOn() throws Exception {
        Pool pool = newPool("readers");
        Container c = newContainer(pool);
        c.createObject(1, KeyOrder.INTEGER, 0);
        AtomicLong committed = new AtomicLong(0);
        AtomicBoolean writerDone = new AtomicBoolean();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicLong checks = new AtomicLong();
        int epochs = 400;
        CountDownLatch readersStarted = new CountDownLatch(3);

        Thread writer = new Thread(() -> {
            try (Transaction tx = pool.newTransaction()) {
                readersStarted.await();
                for (long e = 1; e <= epochs; e++) {
                    tx.update(c, 1, e % KEYS, e, utf8(Long.toString(e))).commit();
                    committed.set(e);
                }
            } catch (Throwable t) {
                failures.add(t);
            } finally {
                writerDone.set(true);
            }
        }, "writer");
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            final int reader = r;
            readers.add(new Thread(() -> {
                readersStarted.countDown();
                try {
                    boolean last = false;
                    while (!last) {
                        last = writerDone.get();
                        long e = committed.get();
                        for (long k = 0; k < KEYS; k++) {
                            Optional<String> value = c.fetch(1, k, e).map(String::new);
                            assertEquals(expected(k, e), value, "key " + k + " at epoch " + e);
                        }
                        if (reader == 0) {
                            List<Long> keys = new ArrayList<>();
                            c.iterate(Iteration.forward(1, e), rec -> keys.add(rec.integerKey()));
                            assertEquals(Math.min(e, KEYS), keys.size(), "live keys at epoch " + e);
                        }
                        checks.incrementAndGet();
                    }
                } catch (Throwable t) {
                    failures.add(t);
                }
            }, "reader-" + r));
        }
        writer.start();
        readers.forEach(Thread::start);
        writer.join();
        join(readers);
        if (!failures.isEmpty()) {
            throw new AssertionError("a thread failed", failures.peek());
        }
        assertTrue(checks.get() >= 3);
        assertEquals(Optional.of(Long.toString(epochs)), c.fetch(1, epochs % KEYS, epochs).map(String::new));
    }

    /**
     * Workers fetch, iterate and commit in a loop; the pool is closed under them. Each worker must
     * end with BADHANDLE (or finish), and every commit that returned is in the reopened pool.
     */
    @Test
    void closingAPoolUnderLoadFailsLaterCallsCleanly() throws Exception {
        Pool pool = newPool("close-under-load");
        Container c = newContainer(pool);
        c.createObject(1, KeyOrder.INTEGER, 1);
        c.update(1, Key.of(0), 1, utf8("seed"));
        CountDownLatch warmedUp = new CountDownLatch(3);
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Long> commitsReturned = new ConcurrentLinkedQueue<>();
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            final int worker = w;
            workers.add(new Thread(() -> {
                try (Transaction tx = pool.newTransaction()) {
                    for (long i = 0; i < 1_000_000; i++) {
                        switch (worker) {
                            case 0 -> c.fetch(1, 0, 1).orElseThrow();
                            case 1 -> c.collect(Iteration.forward(1, 1).withBatch(1, 64), 10);
                            default -> {
                                long epoch = 10 + i;
                                tx.update(c, 1, epoch, epoch, utf8("w" + epoch)).commit();
                                commitsReturned.add(epoch);
                            }
                        }
                        if (i == 20) {
                            warmedUp.countDown();
                        }
                    }
                    failures.add(new AssertionError("worker " + worker + " never saw the pool close"));
                } catch (VosException e) {
                    if (e.error() != VosError.BADHANDLE) {
                        failures.add(e);
                    }
                } catch (Throwable t) {
                    failures.add(t);
                } finally {
                    warmedUp.countDown();
                }
            }, "worker-" + w));
        }
        workers.forEach(Thread::start);
        warmedUp.await();
        pool.close();
        join(workers);
        if (!failures.isEmpty()) {
            throw new AssertionError("a worker failed", failures.peek());
        }
        assertTrue(commitsReturned.size() >= 20);
        Pool again = openPool(pool.path());
        Container reopened = closeAfter(again.openContainer(c.uuid()));
        for (long epoch : commitsReturned) {
            assertEquals("w" + epoch, text(reopened.fetch(1, epoch, epoch)));
        }
    }

    @Test
    void closingAContainerUnderLoadFailsLaterCallsCleanly() throws Exception {
        Pool pool = newPool("close-container");
        Container c = newContainer(pool);
        c.createObject(1, KeyOrder.INTEGER, 1);
        c.update(1, Key.of(0), 1, utf8("seed"));
        CountDownLatch warmedUp = new CountDownLatch(2);
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            workers.add(new Thread(() -> {
                try {
                    for (long i = 0; i < 1_000_000; i++) {
                        c.fetch(1, 0, 1).orElseThrow();
                        c.firstKey(1, 1).orElseThrow();
                        if (i == 20) {
                            warmedUp.countDown();
                        }
                    }
                    failures.add(new AssertionError("never saw the container close"));
                } catch (VosException e) {
                    if (e.error() != VosError.BADHANDLE) {
                        failures.add(e);
                    }
                } catch (Throwable t) {
                    failures.add(t);
                } finally {
                    warmedUp.countDown();
                }
            }));
        }
        workers.forEach(Thread::start);
        warmedUp.await();
        c.close();
        join(workers);
        if (!failures.isEmpty()) {
            throw new AssertionError("a worker failed", failures.peek());
        }
        Container again = closeAfter(pool.openContainer(c.uuid()));
        assertEquals("seed", text(again.fetch(1, 0, 1)));
    }
}
