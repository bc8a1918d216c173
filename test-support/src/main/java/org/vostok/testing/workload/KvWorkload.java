package org.vostok.testing.workload;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;
import org.vostok.testing.linearizability.HistoryRecorder;
import org.vostok.testing.linearizability.KvOp;
import org.vostok.testing.linearizability.KvResult;

/**
 * A concurrent key-value workload for linearizability tests: {@code clients} threads
 * ({@code kv-client-<n>}), each with its own {@link KvClient}, perform reads, writes, deletes and
 * compare-and-sets on a few keys until {@link #stop()}, recording every operation in a
 * {@link HistoryRecorder} just before it is sent and just after its reply.
 *
 * <p>Every value written is unique ({@code c<client>-<n>}), so a read says exactly which write it
 * saw. A compare-and-set mostly expects the value its client last saw for the key (so that many
 * swap), sometimes a value it wrote long ago or "absent". Each client draws its operations from
 * its own random stream, split from the seed: the sequence of operations a client sends is fixed
 * by the seed and by what it saw.
 *
 * <pre>{@code
 * HistoryRecorder<KvOp, KvResult> recorder = new HistoryRecorder<>();
 * KvWorkload workload = KvWorkload.start(KvWorkload.Options.defaults(seed), n -> newClient(n), recorder);
 * ... faults ...
 * workload.stop();
 * KvWorkload.Counts counts = workload.awaitStopped();
 * CheckResult<KvOp, KvResult> result = new LinearizabilityChecker<>(new KvModel()).check(recorder.history());
 * }</pre>
 */
public final class KvWorkload {

    /**
     * The workload's shape.
     *
     * @param clients      client threads
     * @param keys         keys {@code k0 .. k<keys-1>}
     * @param seed         the seed every client's random stream is split from
     * @param readWeight   relative frequency of reads
     * @param writeWeight  of writes
     * @param casWeight    of compare-and-sets
     * @param deleteWeight of deletes
     */
    public record Options(int clients, int keys, long seed, int readWeight, int writeWeight, int casWeight,
                          int deleteWeight) {
        public Options {
            if (clients < 1 || keys < 1) {
                throw new IllegalArgumentException("a workload needs at least one client and one key, got " + clients
                        + " clients and " + keys + " keys");
            }
            if (readWeight < 0 || writeWeight < 0 || casWeight < 0 || deleteWeight < 0
                    || readWeight + writeWeight + casWeight + deleteWeight == 0) {
                throw new IllegalArgumentException("operation weights must be 0 or more and not all 0, got read "
                        + readWeight + ", write " + writeWeight + ", cas " + casWeight + ", delete " + deleteWeight);
            }
        }

        /** 6 clients on 6 keys: 40 % reads, 25 % writes, 25 % compare-and-sets, 10 % deletes. */
        public static Options defaults(long seed) {
            return new Options(6, 6, seed, 40, 25, 25, 10);
        }

        public Options withClients(int clients) {
            return new Options(clients, keys, seed, readWeight, writeWeight, casWeight, deleteWeight);
        }

        public Options withKeys(int keys) {
            return new Options(clients, keys, seed, readWeight, writeWeight, casWeight, deleteWeight);
        }
    }

    /** How the operations ended, over all clients. */
    public record Counts(long ok, long failed, long unknown, long readsOk, long swapped, long notSwapped) {
        public long total() {
            return ok + failed + unknown;
        }

        @Override
        public String toString() {
            return total() + " operations: " + ok + " ok (" + readsOk + " reads, " + swapped + " compare-and-sets swapped, "
                    + notSwapped + " not), " + failed + " failed, " + unknown + " unknown";
        }
    }

    private final Options options;
    private final HistoryRecorder<KvOp, KvResult> recorder;
    private final List<Thread> threads = new ArrayList<>();
    private final List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
    private final LongAdder ok = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder unknown = new LongAdder();
    private final LongAdder readsOk = new LongAdder();
    private final LongAdder swapped = new LongAdder();
    private final LongAdder notSwapped = new LongAdder();
    private volatile boolean stopping;

    private KvWorkload(Options options, HistoryRecorder<KvOp, KvResult> recorder) {
        this.options = options;
        this.recorder = recorder;
    }

    /** Starts the client threads; client {@code n} uses {@code clients.apply(n)}. */
    public static KvWorkload start(Options options, IntFunction<KvClient> clients, HistoryRecorder<KvOp, KvResult> recorder) {
        KvWorkload workload = new KvWorkload(options, recorder);
        SplittableRandom seeds = new SplittableRandom(options.seed());
        for (int n = 0; n < options.clients(); n++) {
            int client = n;
            KvClient kv = clients.apply(client);
            SplittableRandom random = seeds.split();
            Thread t = new Thread(() -> workload.runClient(client, kv, random), "kv-client-" + client);
            t.setDaemon(true);
            workload.threads.add(t);
        }
        workload.threads.forEach(Thread::start);
        return workload;
    }

    /** The name of key {@code i}. */
    public static String key(int i) {
        return "k" + i;
    }

    /** Asks every client to stop after its current operation. */
    public void stop() {
        stopping = true;
    }

    /** Waits for every client to stop; throws AssertionError if one of them failed. */
    public Counts awaitStopped() throws InterruptedException {
        for (Thread t : threads) {
            t.join();
        }
        if (!errors.isEmpty()) {
            AssertionError e = new AssertionError("a workload client failed: " + errors.get(0), errors.get(0));
            errors.subList(1, errors.size()).forEach(e::addSuppressed);
            throw e;
        }
        return counts();
    }

    /** The counts so far. */
    public Counts counts() {
        return new Counts(ok.sum(), failed.sum(), unknown.sum(), readsOk.sum(), swapped.sum(), notSwapped.sum());
    }

    /**
     * Performs {@code op} through {@code kv} as client {@code client}, recorded in {@code recorder};
     * returns the reply. For operations a test adds by hand (a final read of every key, say).
     */
    public static Reply perform(KvClient kv, int client, KvOp op, HistoryRecorder<KvOp, KvResult> recorder) {
        HistoryRecorder.Pending<KvOp, KvResult> pending = recorder.invoke(client, op);
        Reply reply;
        try {
            reply = kv.perform(op);
        } catch (RuntimeException | Error e) {
            pending.info();
            throw e;
        }
        if (reply instanceof Reply.Ok o) {
            pending.ok(o.result());
        } else if (reply instanceof Reply.Failed) {
            pending.fail();
        } else {
            pending.info();
        }
        return reply;
    }

    private void runClient(int client, KvClient kv, SplittableRandom random) {
        Generator generator = new Generator(client, random);
        try {
            while (!stopping) {
                KvOp op = generator.next();
                Reply reply = perform(kv, client, op, recorder);
                count(reply);
                generator.saw(op, reply);
            }
        } catch (Throwable e) {
            errors.add(e);
            stopping = true;
        }
    }

    private void count(Reply reply) {
        if (reply instanceof Reply.Ok o) {
            ok.increment();
            if (o.result() instanceof KvResult.Value) {
                readsOk.increment();
            } else if (o.result() instanceof KvResult.Swapped s) {
                (s.swapped() ? swapped : notSwapped).increment();
            }
        } else if (reply instanceof Reply.Failed) {
            failed.increment();
        } else {
            unknown.increment();
        }
    }

    /** One client's operations: drawn from its random stream and what it saw. */
    private final class Generator {
        private final int client;
        private final SplittableRandom random;
        /** The last value this client saw for a key (empty: absent); no entry when it does not know. */
        private final Map<String, Optional<String>> lastSeen = new HashMap<>();
        private final List<String> written = new ArrayList<>();
        private long sequence;

        Generator(int client, SplittableRandom random) {
            this.client = client;
            this.random = random;
        }

        KvOp next() {
            String key = key(random.nextInt(options.keys()));
            int total = options.readWeight() + options.writeWeight() + options.casWeight() + options.deleteWeight();
            int r = random.nextInt(total);
            if ((r -= options.readWeight()) < 0) {
                return KvOp.read(key);
            }
            if ((r -= options.writeWeight()) < 0) {
                return KvOp.write(key, fresh());
            }
            if ((r -= options.casWeight()) < 0) {
                Optional<String> expected = lastSeen.getOrDefault(key, Optional.empty());
                if (random.nextInt(4) == 0) {
                    expected = written.isEmpty() || random.nextBoolean() ? Optional.empty()
                            : Optional.of(written.get(random.nextInt(written.size())));
                }
                String value = fresh();
                return expected.isPresent() ? KvOp.compareAndSet(key, expected.get(), value) : KvOp.putIfAbsent(key, value);
            }
            return KvOp.delete(key);
        }

        private String fresh() {
            String value = "c" + client + "-" + sequence++;
            written.add(value);
            return value;
        }

        void saw(KvOp op, Reply reply) {
            if (!(reply instanceof Reply.Ok o)) {
                lastSeen.remove(op.key());
                return;
            }
            if (op instanceof KvOp.Read && o.result() instanceof KvResult.Value v) {
                lastSeen.put(op.key(), v.value());
            } else if (op instanceof KvOp.Write w) {
                lastSeen.put(op.key(), Optional.of(w.value()));
            } else if (op instanceof KvOp.Delete) {
                lastSeen.put(op.key(), Optional.empty());
            } else if (op instanceof KvOp.CompareAndSet c && o.result() instanceof KvResult.Swapped s) {
                if (s.swapped()) {
                    lastSeen.put(op.key(), Optional.of(c.newValue()));
                } else {
                    lastSeen.remove(op.key());
                }
            }
        }
    }
}
