package org.vostok.server.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.vostok.client.CallOptions;
import org.vostok.client.VostokException;
import org.vostok.client.proto.Reply;
import org.vostok.client.proto.node.ReplicaInfo;
import org.vostok.server.demo.LocalCluster;

/**
 * The failover runs, as the peers' benchmark times them: with the client idle, the leader of
 * the register service is found (the replier of a write), its process is killed with SIGKILL
 * or stopped with SIGSTOP, and a write is issued at once and retried by the client until it
 * succeeds; the time from the signal to that success is the failover time. Then the old leader
 * comes back (restarted from its data directory, or resumed with SIGCONT) and the run waits
 * until its replica is a follower that applied everything the leader had committed, and lets
 * the load run a moment before the next fault. Between faults one write at a time keeps going
 * ({@link SequentialWriter}), for the throughput chart.
 */
final class FailoverRunner {

    /** The probe write after a fault may take this long, retries included (the peers allow 60 s). */
    static final long PROBE_MILLIS_MAX = 60_000;
    /** How long the returned node may take to catch up. */
    private static final long CATCH_UP_MILLIS_MAX = 120_000;
    /** The load runs this long between a node's return and the next fault (the peers: 100 writes and 1 s). */
    static final long SETTLE_MILLIS = 1_000;

    private final LocalCluster cluster;
    private final RegisterLoad load;
    private final LeaderLog leaders;
    private final Timeline timeline;
    private final Progress progress;
    private final CallOptions probeOptions;

    FailoverRunner(LocalCluster cluster, RegisterLoad load, LeaderLog leaders, Timeline timeline, Progress progress,
                   CallOptions defaults) {
        this.cluster = cluster;
        this.load = load;
        this.leaders = leaders;
        this.timeline = timeline;
        this.progress = progress;
        this.probeOptions = defaults.withDeadlineMillis(PROBE_MILLIS_MAX);
    }

    FailoverResult run(Fault fault, int runs) throws InterruptedException, IOException, TimeoutException {
        List<FailoverResult.Round> rounds = new ArrayList<>();
        String phase = "failover: " + fault.display() + " of the leader";
        timeline.beginPhase(phase, fault.display(), true);
        try (SequentialWriter writer = new SequentialWriter(load)) {
            progress.beginPhase(phase, runs, "runs", rounds::size, writer::completed);
            for (int round = 1; round <= runs; round++) {
                Thread.sleep(SETTLE_MILLIS);
                writer.pause();
                rounds.add(runOnce(fault, round, runs));
                writer.resume();
            }
        } finally {
            progress.endPhase();
            timeline.endPhase();
        }
        return new FailoverResult(fault, rounds);
    }

    private FailoverResult.Round runOnce(Fault fault, int round, int runs) throws InterruptedException, IOException,
            TimeoutException {
        Reply before = write();
        long victim = before.getNodeId();
        long pid = cluster.pid(victim);
        long t0;
        if (fault == Fault.KILL9) {
            // From the signal, as the peers: killNow sends it at once, then waits for the end.
            t0 = System.nanoTime();
            cluster.kill(victim);
            timeline.event(t0, Timeline.EventKind.KILL, "kill -9 node " + victim);
        } else {
            // From kill(1)'s return: starting it takes a moment, and the process runs meanwhile.
            cluster.pause(victim);
            t0 = System.nanoTime();
            timeline.event(t0, Timeline.EventKind.PAUSE, "SIGSTOP node " + victim);
        }
        double at = timeline.secondsAt(t0);
        Reply after = write();
        long okNanos = System.nanoTime();
        long millis = TimeUnit.NANOSECONDS.toMillis(okNanos - t0);
        timeline.event(okNanos, Timeline.EventKind.RECOVERED, "first write ok: " + millis + " ms");
        long newLeader = after.getNodeId();
        long newTerm = after.getHint().getTerm();
        long seenMillis = leaders.changesBetween(t0, okNanos).stream().findFirst()
                .map(c -> TimeUnit.NANOSECONDS.toMillis(c.atNanos() - t0)).orElse(-1L);
        if (newLeader == victim) {
            throw new IllegalStateException("node " + victim + " answered a write after its process " + pid
                    + " got " + fault.display() + ": the signal did not take");
        }
        long back = System.nanoTime();
        if (fault == Fault.KILL9) {
            cluster.restart(victim);
            timeline.event(Timeline.EventKind.RESTART, "node " + victim + " restarted");
        } else {
            cluster.resume(victim);
            timeline.event(Timeline.EventKind.RESUME, "SIGCONT node " + victim);
        }
        long commit = leaderCommit(newLeader);
        ReplicaInfo caught = cluster.awaitCaughtUp(victim, Benchmark.SERVICE_ID, commit, CATCH_UP_MILLIS_MAX);
        long caughtNanos = System.nanoTime();
        timeline.event(caughtNanos, Timeline.EventKind.CAUGHT_UP, "node " + victim + " caught up");
        int changes = leaders.changesBetween(t0, caughtNanos).size();
        long catchUpMillis = TimeUnit.NANOSECONDS.toMillis(caughtNanos - back);
        progress.say("%s %d/%d: node %d (process %d) leading term %d; first write ok after %d ms (a new leader seen"
                        + " after %s), answered by node %d in term %d; node %d %s (process %d), caught up to index %d in"
                        + " %d ms%s", fault.display(), round, runs, victim, pid, before.getHint().getTerm(), millis,
                seenMillis < 0 ? "it" : seenMillis + " ms", newLeader, newTerm, victim,
                fault == Fault.KILL9 ? "restarted" : "resumed", cluster.pid(victim), caught.getAppliedIndex(),
                catchUpMillis, changes == 1 ? "" : "; " + changes + " leader changes seen");
        return new FailoverResult.Round(round, victim, pid, at, millis, seenMillis, newLeader, newTerm, catchUpMillis,
                changes);
    }

    /** One write, retried by the client until {@link #PROBE_MILLIS_MAX}; its reply names the leader. */
    private Reply write() {
        try {
            return load.call(Operation.WRITE, probeOptions).join();
        } catch (CompletionException e) {
            Throwable c = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException("a write failed for " + PROBE_MILLIS_MAX + " ms: " + c.getMessage(),
                    c instanceof VostokException ? c : e);
        }
    }

    /** The commit index node {@code leader} reports (it answered the last write, so it leads). */
    private long leaderCommit(long leader) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CATCH_UP_MILLIS_MAX);
        while (System.nanoTime() < deadline) {
            try {
                var r = cluster.replicaStatus(leader, Benchmark.SERVICE_ID).get(5, TimeUnit.SECONDS);
                if (r.isPresent()) {
                    return r.get().getCommitIndex();
                }
            } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
                // asked again below
            }
            Thread.sleep(20);
        }
        throw new TimeoutException("node " + leader + " did not report its commit index in " + CATCH_UP_MILLIS_MAX
                + " ms");
    }
}
