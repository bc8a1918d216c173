package org.vostok.raft.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.vostok.raft.Config;
import org.vostok.raft.ManualClock;
import org.vostok.raft.Membership;
import org.vostok.raft.MemoryStorage;
import org.vostok.raft.Message;
import org.vostok.raft.RaftNode;
import org.vostok.raft.Ready;
import org.vostok.raft.Role;

/**
 * Raw throughput of the Raft core: entries per second through a three-node cluster in one
 * thread, with instant delivery and in-memory storage, so that only the core's own cost (and
 * MemoryStorage's) is measured. Each operation is one entry: a batch of {@code batch} proposals
 * on the leader, then Ready/advance and delivery on every node until all of them are committed
 * and applied everywhere. Run with {@code java-raft/run-benchmark}; {@code -prof gc} reports
 * gc.alloc.rate.norm, the bytes allocated per entry across the three nodes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ThroughputBenchmark {

    static final int BATCH = 64;

    @Param({"128"})
    int entryBytes;

    private RaftNode[] nodes;
    private MemoryStorage[] storages;
    private final List<Message> network = new ArrayList<>();
    private byte[] payload;
    private long applied;
    private int invocations;

    @Setup(Level.Trial)
    public void setUp() {
        Membership members = Membership.ofVoters(1, 2, 3);
        nodes = new RaftNode[3];
        storages = new MemoryStorage[3];
        for (int i = 0; i < 3; i++) {
            storages[i] = MemoryStorage.bootstrap(members);
            SplittableRandom random = new SplittableRandom(i);
            nodes[i] = new RaftNode(Config.builder(i + 1).build(), storages[i], random::nextInt, new ManualClock());
        }
        payload = new byte[entryBytes];
        nodes[0].campaign();
        while (drive()) {
            // until the election and the leader's first entry have settled
        }
        if (nodes[0].role() != Role.LEADER) {
            throw new IllegalStateException("node 1 did not become leader");
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long replicateBatch() {
        RaftNode leader = nodes[0];
        for (int i = 0; i < BATCH; i++) {
            if (!leader.propose(payload).isAccepted()) {
                throw new IllegalStateException("proposal refused");
            }
        }
        long target = leader.lastIndex();
        while (nodes[0].appliedIndex() < target || nodes[1].appliedIndex() < target
                || nodes[2].appliedIndex() < target) {
            if (!drive()) {
                throw new IllegalStateException("the cluster stalled before applying " + target);
            }
        }
        if (++invocations % 256 == 0) {
            compact();
        }
        return applied;
    }

    /** One round: every node's Ready carried out, every message delivered. Returns whether anything moved. */
    private boolean drive() {
        boolean moved = false;
        for (int i = 0; i < 3; i++) {
            RaftNode n = nodes[i];
            if (!n.hasReady()) {
                continue;
            }
            moved = true;
            Ready rd = n.ready();
            MemoryStorage s = storages[i];
            s.append(rd.entries());
            rd.hardState().ifPresent(s::setHardState);
            s.sync();
            network.addAll(rd.messages());
            network.addAll(rd.messagesAfterPersist());
            applied += rd.committedEntries().size();
            n.advance(rd);
        }
        if (!network.isEmpty()) {
            moved = true;
            for (int i = 0; i < network.size(); i++) {
                Message m = network.get(i);
                nodes[(int) m.to() - 1].step(m);
            }
            network.clear();
        }
        return moved;
    }

    /** Keeps memory flat over a long run, as a host would: compact each log to its applied index. */
    private void compact() {
        for (int i = 0; i < 3; i++) {
            long index = nodes[i].appliedIndex();
            if (index > storages[i].snapshot().index()) {
                storages[i].compact(index, nodes[i].membershipAt(index));
            }
        }
    }
}
