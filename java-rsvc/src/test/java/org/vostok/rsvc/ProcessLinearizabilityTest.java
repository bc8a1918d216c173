package org.vostok.rsvc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vostok.client.CallOptions;
import org.vostok.client.VostokClient;
import org.vostok.client.register.RegisterClient;
import org.vostok.rsvc.testing.ProcessNodes;
import org.vostok.rsvc.testing.RegisterKvClient;
import org.vostok.testing.faults.FaultInjector;
import org.vostok.testing.faults.FaultSchedule;
import org.vostok.testing.linearizability.CheckResult;
import org.vostok.testing.linearizability.HistoryRecorder;
import org.vostok.testing.linearizability.KvModel;
import org.vostok.testing.linearizability.KvOp;
import org.vostok.testing.linearizability.KvResult;
import org.vostok.testing.linearizability.LinearizabilityChecker;
import org.vostok.testing.linearizability.Verdict;
import org.vostok.testing.workload.KvClient;
import org.vostok.testing.workload.KvWorkload;

/**
 * The register service on three real processes, with lease reads on, under faults between the
 * processes: links cut both ways and one way, delayed and reset through the proxies, the leader
 * and other nodes killed, restarted, paused with SIGSTOP and resumed. The history of a
 * concurrent workload of reads, writes, deletes and compare-and-sets must be linearizable. It
 * prints its seed; {@code -Dvostok.faults.seed=N} replays the schedule, and
 * {@code -Dvostok.faults.steps=N} runs a longer one.
 */
class ProcessLinearizabilityTest {

    @TempDir
    Path dir;

    private static long seed() {
        Long given = Long.getLong("vostok.faults.seed");
        long seed = given != null ? given : new SplittableRandom().nextLong();
        System.out.println("ProcessLinearizabilityTest: seed " + seed + " (replay with -Dvostok.faults.seed=" + seed + ")");
        return seed;
    }

    @Test
    void theRegisterStaysLinearizableUnderNetworkAndProcessFaults() throws Exception {
        long seed = seed();
        try (ProcessNodes nodes = new ProcessNodes(dir, 3, true)) {
            VostokClient client = nodes.client(CallOptions.DEFAULTS.withDeadlineMillis(5_000));
            HistoryRecorder<KvOp, KvResult> recorder = new HistoryRecorder<>();
            KvWorkload.Options shape = KvWorkload.Options.defaults(seed);
            FaultSchedule schedule = FaultSchedule.generate(seed, nodes.ids(), FaultSchedule.Options.forProcesses()
                    .withSteps(Integer.getInteger("vostok.faults.steps", 10)));
            KvWorkload workload = KvWorkload.start(shape, n -> new RegisterKvClient(RegisterClient.of(client,
                    ProcessNodes.SERVICE)), recorder);
            String log;
            try (FaultInjector injector = FaultInjector.start(nodes.faultTarget(client), schedule)) {
                try {
                    injector.awaitFinished();
                } finally {
                    workload.stop();
                }
                log = injector.logText();
            }
            KvWorkload.Counts counts = workload.awaitStopped();
            // Healed and every node running: every key is read once more through a patient client.
            VostokClient last = nodes.client(CallOptions.DEFAULTS.withDeadlineMillis(120_000));
            KvClient reader = new RegisterKvClient(RegisterClient.of(last, ProcessNodes.SERVICE));
            for (int k = 0; k < shape.keys(); k++) {
                var reply = KvWorkload.perform(reader, shape.clients(), KvOp.read(KvWorkload.key(k)), recorder);
                assertInstanceOf(org.vostok.testing.workload.Reply.Ok.class, reply, () -> "seed " + seed + ": " + reply
                        + "\n" + log);
            }
            CheckResult<KvOp, KvResult> result = new LinearizabilityChecker<>(new KvModel()).check(recorder.history());
            System.out.println("ProcessLinearizabilityTest: " + counts + "; " + result.verdict() + " ("
                    + result.operationsChecked() + " operations checked)\n" + schedule + "\n" + log);
            assertEquals(Verdict.LINEARIZABLE, result.verdict(), () -> "seed " + seed + "\n" + counts + "\n" + schedule
                    + "\n" + log + "\n" + result);
            assertTrue(counts.ok() > 0, counts::toString);
        }
    }
}
