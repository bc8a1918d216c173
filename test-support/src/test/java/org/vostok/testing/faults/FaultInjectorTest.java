package org.vostok.testing.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class FaultInjectorTest {

    /** How long a condition is waited for before the test fails. */
    private static final long WAIT_NANOS_MAX = 120_000_000_000L;

    /** Records every call; replica 2 leads unless told otherwise. */
    private static class RecordingTarget implements FaultTarget {
        final List<String> calls = new ArrayList<>();
        volatile OptionalLong leader = OptionalLong.of(2);

        @Override
        public List<Long> replicaIds() {
            return List.of(1L, 2L, 3L);
        }

        @Override
        public OptionalLong leader() {
            return leader;
        }

        @Override
        public synchronized void partition(Collection<Long> side) {
            calls.add("partition " + new TreeSet<>(side));
        }

        @Override
        public synchronized void cut(long from, long to) {
            calls.add("cut " + from + "->" + to);
        }

        @Override
        public synchronized void noise(Fault.LinkNoise noise) {
            calls.add("noise " + noise.dropProbability());
        }

        @Override
        public synchronized void heal() {
            calls.add("heal");
        }

        @Override
        public synchronized void kill(long id) {
            calls.add("kill " + id);
        }

        @Override
        public synchronized void restart(long id) {
            calls.add("restart " + id);
        }

        synchronized List<String> calls() {
            return List.copyOf(calls);
        }
    }

    /** Can pause, resume and reset connections too, as a target of real processes can. */
    private static class ProcessTarget extends RecordingTarget {
        @Override
        public synchronized void pause(long id) {
            calls.add("pause " + id);
        }

        @Override
        public synchronized void resume(long id) {
            calls.add("resume " + id);
        }

        @Override
        public synchronized void resetConnections(long id) {
            calls.add("reset connections of " + id);
        }
    }

    private static FaultSchedule.Step step(Fault... faults) {
        return new FaultSchedule.Step(List.of(faults), 0, 0);
    }

    @Test
    void eachStepIsAppliedThenUndoneWithLeaderFaultsHittingTheLeaderOfTheMoment() throws Exception {
        RecordingTarget target = new RecordingTarget();
        FaultSchedule schedule = new FaultSchedule(1, List.of(
                step(new Fault.Partition(Set.of(3L)), new Fault.LinkNoise(0.1, 0, 0, 0)),
                step(new Fault.IsolateLeader()),
                step(new Fault.LeaderOneWay(true)),
                step(new Fault.LeaderOneWay(false)),
                step(new Fault.OneWayCut(1, 3)),
                step(new Fault.KillLeader()),
                step(new Fault.Kill(3))));
        try (FaultInjector injector = FaultInjector.start(target, schedule)) {
            injector.awaitFinished();
            assertEquals(List.of(
                    "partition [3]", "noise 0.1", "heal",
                    "partition [2]", "heal",
                    "cut 1->2", "cut 3->2", "heal",
                    "cut 2->1", "cut 2->3", "heal",
                    "cut 1->3", "heal",
                    "kill 2", "heal", "restart 2",
                    "kill 3", "heal", "restart 3"), target.calls());
            List<String> log = injector.log();
            assertTrue(log.get(log.size() - 1).endsWith("schedule done"), log.toString());
            assertTrue(injector.logText().contains("step 2: isolate the leader (replica 2)"), injector.logText());
        }
    }

    @Test
    void aLeaderFaultWithNoLeaderIsSkippedAndSaysSo() throws Exception {
        RecordingTarget target = new RecordingTarget();
        target.leader = OptionalLong.empty();
        try (FaultInjector injector = FaultInjector.start(target,
                new FaultSchedule(1, List.of(step(new Fault.KillLeader()))))) {
            injector.awaitFinished();
            assertEquals(List.of("heal"), target.calls());
            assertTrue(injector.logText().contains("skipped, no replica leads"), injector.logText());
        }
    }

    @Test
    void closingEarlyUndoesTheStepInProgress() throws InterruptedException {
        RecordingTarget target = new RecordingTarget();
        FaultSchedule schedule = new FaultSchedule(1, List.of(
                new FaultSchedule.Step(List.of(new Fault.KillLeader()), 3_600_000, 0),
                step(new Fault.Kill(1))));
        FaultInjector injector = FaultInjector.start(target, schedule);
        // The step holds for an hour; wait until it has started, then close.
        long deadline = System.nanoTime() + WAIT_NANOS_MAX;
        while (!target.calls().contains("kill 2")) {
            assertTrue(System.nanoTime() - deadline < 0, "the first step never started: " + target.calls());
            Thread.sleep(1);
        }
        injector.close();
        assertTrue(injector.isFinished());
        assertEquals(List.of("kill 2", "heal", "restart 2"), target.calls());
    }

    @Test
    void aTargetThatFailsStopsTheScheduleHealsAndFailsTheWait() {
        RecordingTarget target = new RecordingTarget() {
            @Override
            public synchronized void cut(long from, long to) {
                throw new IllegalStateException("no such link " + from + " -> " + to);
            }
        };
        FaultInjector injector = FaultInjector.start(target, new FaultSchedule(1, List.of(
                step(new Fault.OneWayCut(1, 9)), step(new Fault.Kill(1)))));
        AssertionError e = assertThrows(AssertionError.class, injector::awaitFinished);
        assertTrue(e.getCause().getMessage().contains("no such link 1 -> 9"), e.toString());
        assertEquals(List.of("heal"), target.calls());
    }

    @Test
    void pausedReplicasAreResumedWhenTheStepEndsAndResetsNeedNoUndoing() throws Exception {
        ProcessTarget target = new ProcessTarget();
        FaultSchedule schedule = new FaultSchedule(1, List.of(
                step(new Fault.PauseLeader()),
                step(new Fault.Pause(3)),
                step(new Fault.ResetLeaderConnections()),
                step(new Fault.Pause(1), new Fault.Kill(1))));
        try (FaultInjector injector = FaultInjector.start(target, schedule)) {
            injector.awaitFinished();
            assertEquals(List.of(
                    "pause 2", "heal", "resume 2",
                    "pause 3", "heal", "resume 3",
                    "reset connections of 2", "heal",
                    "pause 1", "kill 1", "heal", "resume 1", "restart 1"), target.calls());
            assertTrue(injector.logText().contains("step 1: pause the leader, resume it at the end of the step (replica 2)"),
                    injector.logText());
            assertTrue(injector.logText().contains("healed, resumed [1], restarted [1]"), injector.logText());
        }
    }

    @Test
    void aTargetThatCannotPauseFailsTheScheduleSayingSo() {
        RecordingTarget target = new RecordingTarget();
        FaultInjector injector = FaultInjector.start(target, new FaultSchedule(1, List.of(step(new Fault.Pause(1)))));
        AssertionError e = assertThrows(AssertionError.class, injector::awaitFinished);
        assertTrue(e.getCause() instanceof UnsupportedOperationException, e.toString());
        assertTrue(e.getCause().getMessage().contains("cannot pause a replica"), e.getCause().getMessage());
        assertTrue(e.getCause().getMessage().contains("FaultSchedule.Options.defaults()"), e.getCause().getMessage());
        assertEquals(List.of("heal"), target.calls());
    }
}
