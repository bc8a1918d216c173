package org.vostok.testing.linearizability;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * Histories that are linearizable by construction: simulated clients run a random key-value
 * workload, each operation is given a moment strictly inside its interval at which it takes
 * effect, and a real map applied in the order of those moments gives the outputs. Some
 * operations fail (and do nothing) and some time out (and take effect at any later moment, or
 * never); a client whose operation timed out is replaced by a new one, as in Jepsen.
 *
 * <p>Invocation and response times are even and moments of effect odd, so a moment is never
 * equal to an interval's end. Every written value is unique ("v" and the operation id), which
 * {@link AnomalyInjector} relies on.
 */
final class SimulatedKvWorkload {

    record Shape(int clients, int keys, int operations, int durationMax, int failPercent, int infoPercent) {
    }

    private SimulatedKvWorkload() {
    }

    static History<KvOp, KvResult> generate(long seed, Shape shape) {
        SplittableRandom random = new SplittableRandom(seed);
        record Planned(int id, int client, KvOp input, Outcome outcome, long invoke, long response,
                       long effect, boolean takesEffect) {
        }
        record Client(int id, long freeAt) {
        }
        PriorityQueue<Client> clients = new PriorityQueue<>(
                Comparator.comparingLong(Client::freeAt).thenComparingInt(Client::id));
        for (int c = 0; c < shape.clients(); c++) {
            clients.add(new Client(c, 2L * random.nextInt(4)));
        }
        int nextClient = shape.clients();
        Map<String, List<String>> writtenByKey = new HashMap<>();
        List<Planned> planned = new ArrayList<>();
        for (int id = 0; id < shape.operations(); id++) {
            Client client = clients.poll();
            long invoke = client.freeAt() + 2L * random.nextInt(3);
            long duration = 2L * (1 + random.nextInt(shape.durationMax()));
            long response = invoke + duration;
            long effect = invoke + 1 + 2L * random.nextInt((int) (duration / 2));
            String key = "k" + random.nextInt(shape.keys());
            KvOp input = randomInput(random, key, "v" + id, writtenByKey);
            int roll = random.nextInt(100);
            if (roll < shape.failPercent()) {
                planned.add(new Planned(id, client.id(), input, Outcome.FAIL, invoke, response, effect, false));
                clients.add(new Client(client.id(), response));
            } else if (roll < shape.failPercent() + shape.infoPercent()) {
                // A lingering request may take effect long after its client gave up, or never.
                long late = invoke + 1 + 2L * random.nextInt(4 * shape.durationMax() + 1);
                planned.add(new Planned(id, client.id(), input, Outcome.INFO, invoke, response, late,
                        random.nextBoolean()));
                clients.add(new Client(nextClient++, response));
            } else {
                planned.add(new Planned(id, client.id(), input, Outcome.OK, invoke, response, effect, true));
                clients.add(new Client(client.id(), response));
            }
        }

        // Apply the operations that take effect in the order of their moments of effect.
        List<Planned> effective = new ArrayList<>();
        for (Planned p : planned) {
            if (p.takesEffect()) {
                effective.add(p);
            }
        }
        effective.sort(Comparator.comparingLong(Planned::effect).thenComparingInt(Planned::id));
        KvModel model = new KvModel();
        Map<String, Optional<String>> store = new HashMap<>();
        Map<Integer, KvResult> outputs = new HashMap<>();
        for (Planned p : effective) {
            Optional<String> before = store.getOrDefault(p.input().key(), model.initialState());
            Model.Step<Optional<String>, KvResult> step = model.step(before, p.input());
            store.put(p.input().key(), step.next());
            outputs.put(p.id(), step.output());
        }

        List<Operation<KvOp, KvResult>> operations = new ArrayList<>();
        for (Planned p : planned) {
            operations.add(switch (p.outcome()) {
                case OK -> Operation.ok(p.id(), p.client(), p.input(), outputs.get(p.id()), p.invoke(), p.response());
                case FAIL -> Operation.fail(p.id(), p.client(), p.input(), p.invoke(), p.response());
                case INFO -> new Operation<>(p.id(), p.client(), p.input(), Outcome.INFO, Optional.empty(),
                        p.invoke(), OptionalLong.of(p.response()));
            });
        }
        return History.of(operations);
    }

    private static KvOp randomInput(SplittableRandom random, String key, String fresh,
                                    Map<String, List<String>> writtenByKey) {
        List<String> written = writtenByKey.computeIfAbsent(key, k -> new ArrayList<>());
        int roll = random.nextInt(100);
        if (roll < 40) {
            return KvOp.read(key);
        }
        if (roll < 70) {
            written.add(fresh);
            return KvOp.write(key, fresh);
        }
        if (roll < 90) {
            written.add(fresh);
            if (written.size() == 1 || random.nextInt(5) == 0) {
                return KvOp.putIfAbsent(key, fresh);
            }
            // Mostly one of the latest values, so that many swaps succeed.
            int back = Math.min(written.size() - 1, 1 + random.nextInt(3));
            return KvOp.compareAndSet(key, written.get(written.size() - 1 - back), fresh);
        }
        return KvOp.delete(key);
    }
}
