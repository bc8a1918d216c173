package org.vostok.raft;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * A small in-memory cluster for JUnit tests: {@link MemoryHost}s and a network that holds
 * sent messages until the test delivers them. Cut links drop messages at send time.
 */
final class TestCluster {

    final TreeMap<Long, MemoryHost> hosts = new TreeMap<>();
    final List<Message> network = new ArrayList<>();
    private final Set<Long> isolated = new HashSet<>();

    static TestCluster of(int n, UnaryOperator<Config.Builder> tune) {
        TestCluster c = new TestCluster();
        List<Long> ids = new ArrayList<>();
        for (long id = 1; id <= n; id++) {
            ids.add(id);
        }
        for (long id : ids) {
            Config config = tune.apply(Config.builder(id).preVote(false).checkQuorum(false)).build();
            c.hosts.put(id, new MemoryHost(config, MemoryStorage.bootstrap(Membership.of(ids, List.of())), 7));
        }
        return c;
    }

    static TestCluster of(int n) {
        return of(n, b -> b);
    }

    RaftNode node(long id) {
        return hosts.get(id).node;
    }

    MemoryHost host(long id) {
        return hosts.get(id);
    }

    void isolate(long id) {
        isolated.add(id);
    }

    void heal() {
        isolated.clear();
    }

    /** Carries out the ready batches of these nodes (all if none) and queues their messages. */
    void processReady(long... ids) {
        for (long id : ids.length == 0 ? hosts.keySet().stream().mapToLong(Long::longValue).toArray() : ids) {
            MemoryHost h = hosts.get(id);
            while (h.handleReady() != null) {
                for (Message m : h.takeOutbox()) {
                    if (!isolated.contains(m.from()) && !isolated.contains(m.to()) && hosts.containsKey(m.to())) {
                        network.add(m);
                    }
                }
            }
        }
    }

    /** Removes and returns the queued messages to {@code to}. */
    List<Message> take(long to) {
        List<Message> out = new ArrayList<>();
        network.removeIf(m -> {
            if (m.to() == to) {
                out.add(m);
                return true;
            }
            return false;
        });
        return out;
    }

    void deliver(Message m) {
        hosts.get(m.to()).node.step(m);
    }

    /** Ready and deliver until nothing moves. */
    void stabilize() {
        for (int round = 0; round < 10_000; round++) {
            processReady();
            if (network.isEmpty()) {
                return;
            }
            List<Message> batch = new ArrayList<>(network);
            network.clear();
            for (Message m : batch) {
                deliver(m);
            }
        }
        throw new AssertionError("the cluster did not stabilize");
    }

    /** Elects {@code id} by campaigning and stabilizing. */
    TestCluster elect(long id) {
        node(id).campaign();
        stabilize();
        if (node(id).role() != Role.LEADER) {
            throw new AssertionError("node " + id + " did not win: " + node(id).status());
        }
        return this;
    }

    ProposeResult propose(long id, String data) {
        return node(id).propose(data.getBytes(StandardCharsets.UTF_8));
    }

    List<String> applied(long id) {
        List<String> out = new ArrayList<>();
        for (byte[] b : hosts.get(id).applied) {
            out.add(new String(b, StandardCharsets.UTF_8));
        }
        return out;
    }

    void tick(long id, int count) {
        for (int i = 0; i < count; i++) {
            hosts.get(id).tick();
        }
    }
}
