package org.vostok.testing.faults;

import java.util.Set;
import java.util.TreeSet;

/**
 * One fault of a {@link FaultSchedule} step. Faults that name replicas fix them when the schedule
 * is drawn; faults about "the leader" pick the replica that leads when the step starts, so they
 * hit the replica that matters whatever the run's elections did.
 */
public sealed interface Fault permits Fault.Partition, Fault.IsolateLeader, Fault.OneWayCut, Fault.LeaderOneWay,
        Fault.LinkNoise, Fault.KillLeader, Fault.Kill, Fault.PauseLeader, Fault.Pause, Fault.ResetLeaderConnections {

    /** Cuts every link between {@code side} and the other replicas, both ways. */
    record Partition(Set<Long> side) implements Fault {
        public Partition {
            if (side == null || side.isEmpty()) {
                throw new IllegalArgumentException("a partition needs at least one replica on its side, got " + side);
            }
            side = Set.copyOf(side);
        }

        @Override
        public String toString() {
            return "partition " + new TreeSet<>(side) + " from the rest";
        }
    }

    /** Cuts the replica that leads off from every other, both ways. */
    record IsolateLeader() implements Fault {
        @Override
        public String toString() {
            return "isolate the leader";
        }
    }

    /** Cuts the link from {@code from} to {@code to}; the other direction still works. */
    record OneWayCut(long from, long to) implements Fault {
        public OneWayCut {
            if (from == to) {
                throw new IllegalArgumentException("a one-way cut joins two replicas, got " + from + " twice");
            }
        }

        @Override
        public String toString() {
            return "cut " + from + " -> " + to;
        }
    }

    /**
     * Cuts every link into the leader ({@code inbound}: it still sends, but hears nobody) or out
     * of it (it hears everybody, but nobody hears it).
     */
    record LeaderOneWay(boolean inbound) implements Fault {
        @Override
        public String toString() {
            return inbound ? "cut every link into the leader" : "cut every link out of the leader";
        }
    }

    /**
     * Every link drops a message with {@code dropProbability}, delivers it twice with
     * {@code duplicateProbability}, and delays each copy by {@code delayMillisMin} to
     * {@code delayMillisMax} (so messages overtake one another).
     */
    record LinkNoise(double dropProbability, double duplicateProbability, long delayMillisMin, long delayMillisMax)
            implements Fault {
        public LinkNoise {
            if (!(dropProbability >= 0 && dropProbability < 1) || !(duplicateProbability >= 0 && duplicateProbability <= 1)) {
                throw new IllegalArgumentException("drop must be in [0, 1) and duplicate in [0, 1], got "
                        + dropProbability + " and " + duplicateProbability);
            }
            if (delayMillisMin < 0 || delayMillisMax < delayMillisMin) {
                throw new IllegalArgumentException("delays must satisfy 0 <= min <= max, got " + delayMillisMin
                        + " and " + delayMillisMax);
            }
        }

        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "noise: drop %.2f, duplicate %.2f, delay %d..%d ms",
                    dropProbability, duplicateProbability, delayMillisMin, delayMillisMax);
        }
    }

    /** Kills the replica that leads (as a crash would) and restarts it from its storage when the step ends. */
    record KillLeader() implements Fault {
        @Override
        public String toString() {
            return "kill the leader, restart it at the end of the step";
        }
    }

    /** Kills replica {@code id} and restarts it from its storage when the step ends. */
    record Kill(long id) implements Fault {
        @Override
        public String toString() {
            return "kill " + id + ", restart it at the end of the step";
        }
    }

    /**
     * Pauses the replica that leads (as SIGSTOP does: it keeps its sockets, its memory and its
     * lease, and runs nothing) and resumes it when the step ends. Its peers see a silent leader,
     * not a dead one: connections to it still open, nothing is answered.
     */
    record PauseLeader() implements Fault {
        @Override
        public String toString() {
            return "pause the leader, resume it at the end of the step";
        }
    }

    /** Pauses replica {@code id} and resumes it when the step ends. */
    record Pause(long id) implements Fault {
        @Override
        public String toString() {
            return "pause " + id + ", resume it at the end of the step";
        }
    }

    /**
     * Resets every connection to and from the replica that leads, once, when the step starts;
     * the leader keeps running and accepting connections. Nothing is undone at the end of the
     * step: its peers reconnect by themselves.
     */
    record ResetLeaderConnections() implements Fault {
        @Override
        public String toString() {
            return "reset every connection of the leader";
        }
    }
}
