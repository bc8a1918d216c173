package org.vostok.testing.faults;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * A seeded list of fault steps: each step applies its faults, holds them for
 * {@link Step#holdMillis()}, undoes them all (heals the network, restarts what it killed), and
 * lets the cluster run calm for {@link Step#calmMillis()} before the next.
 *
 * <p>The schedule is a pure function of the seed, the replica ids and the options: the same seed
 * gives the same faults, in the same order, with the same parameters and durations. What it does
 * not fix is which replica leads when a leader fault starts, nor how the workload's threads
 * interleave with it; a run is replayed from its seed as far as real threads allow.
 */
public record FaultSchedule(long seed, List<Step> steps) {

    /** The kinds of fault a schedule draws from. */
    public enum Kind {
        /** {@link Fault.Partition}: a minority cut off from the majority. */
        PARTITION,
        /** {@link Fault.IsolateLeader}. */
        ISOLATE_LEADER,
        /** {@link Fault.OneWayCut}: one or two random links cut in one direction. */
        ONE_WAY_CUT,
        /** {@link Fault.LeaderOneWay}: the leader deaf or mute. */
        LEADER_ONE_WAY,
        /** {@link Fault.LinkNoise} on its own. */
        LINK_NOISE,
        /** {@link Fault.KillLeader}. */
        KILL_LEADER,
        /** {@link Fault.Kill} of a random replica. */
        KILL_REPLICA,
        /** {@link Fault.PauseLeader}: needs a target that can pause a process. */
        PAUSE_LEADER,
        /** {@link Fault.Pause} of a random replica: needs a target that can pause a process. */
        PAUSE_REPLICA,
        /** {@link Fault.ResetLeaderConnections}: needs a target whose replicas talk over real connections. */
        RESET_LEADER_CONNECTIONS;

        /**
         * The kinds every {@link FaultTarget} supports. They are also the first kinds in
         * declaration order, so that a schedule drawn from them is the same as before the other
         * kinds existed: a seed that failed once still replays.
         */
        public static Set<Kind> everyTarget() {
            return EnumSet.range(PARTITION, KILL_REPLICA);
        }
    }

    /**
     * One step.
     *
     * @param faults     applied together at the start of the step
     * @param holdMillis how long they hold before they are all undone
     * @param calmMillis how long the cluster runs without faults after that
     */
    public record Step(List<Fault> faults, long holdMillis, long calmMillis) {
        public Step {
            faults = List.copyOf(faults);
            if (faults.isEmpty() || holdMillis < 0 || calmMillis < 0) {
                throw new IllegalArgumentException("a step needs at least one fault and durations of 0 ms or more, got "
                        + faults + " for " + holdMillis + " ms then " + calmMillis + " ms calm");
            }
        }
    }

    /**
     * How a schedule is drawn.
     *
     * @param steps             how many steps
     * @param kinds             the kinds each step's main fault is drawn from
     * @param holdMillisMin     the shortest hold
     * @param holdMillisMax     the longest hold
     * @param calmMillisMin     the shortest calm after a step
     * @param calmMillisMax     the longest calm
     * @param noiseAlongside    the probability that a step whose main fault is not noise gets
     *                          link noise as well (when {@link Kind#LINK_NOISE} is among the kinds)
     * @param everyKindFirst    the first steps take every kind once, in an order the seed picks,
     *                          so that a short schedule still covers them all; later steps draw
     *                          their kind at random
     */
    public record Options(int steps, Set<Kind> kinds, long holdMillisMin, long holdMillisMax, long calmMillisMin,
                          long calmMillisMax, double noiseAlongside, boolean everyKindFirst) {
        public Options {
            kinds = kinds.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(kinds));
            if (steps < 0 || kinds.isEmpty()) {
                throw new IllegalArgumentException("a schedule needs 0 or more steps and at least one kind of fault, got "
                        + steps + " steps of " + kinds);
            }
            if (holdMillisMin < 0 || holdMillisMax < holdMillisMin || calmMillisMin < 0 || calmMillisMax < calmMillisMin) {
                throw new IllegalArgumentException("durations must satisfy 0 <= min <= max, got hold " + holdMillisMin
                        + ".." + holdMillisMax + " and calm " + calmMillisMin + ".." + calmMillisMax);
            }
            if (!(noiseAlongside >= 0 && noiseAlongside <= 1)) {
                throw new IllegalArgumentException("noiseAlongside is a probability, got " + noiseAlongside);
            }
        }

        /**
         * 8 steps of the kinds every target supports ({@link Kind#everyTarget()}), every kind
         * among the first 7, held 0.4 to 1.5 s, with 0.2 to 0.8 s of calm, noise alongside in 3
         * of 10.
         */
        public static Options defaults() {
            return new Options(8, Kind.everyTarget(), 400, 1500, 200, 800, 0.3, true);
        }

        /**
         * As {@link #defaults()} with every kind, pauses and connection resets too: for targets
         * made of real processes talking over real connections (such as
         * {@code org.vostok.testing.net.ProxyFaultTarget}); 10 steps, so that each kind comes
         * once first.
         */
        public static Options forProcesses() {
            return defaults().withKinds(EnumSet.allOf(Kind.class)).withSteps(10);
        }

        public Options withSteps(int steps) {
            return new Options(steps, kinds, holdMillisMin, holdMillisMax, calmMillisMin, calmMillisMax, noiseAlongside,
                    everyKindFirst);
        }

        public Options withKinds(Set<Kind> kinds) {
            return new Options(steps, kinds, holdMillisMin, holdMillisMax, calmMillisMin, calmMillisMax, noiseAlongside,
                    everyKindFirst);
        }

        public Options withHoldMillis(long min, long max) {
            return new Options(steps, kinds, min, max, calmMillisMin, calmMillisMax, noiseAlongside, everyKindFirst);
        }

        public Options withCalmMillis(long min, long max) {
            return new Options(steps, kinds, holdMillisMin, holdMillisMax, min, max, noiseAlongside, everyKindFirst);
        }

        public Options withEveryKindFirst(boolean everyKindFirst) {
            return new Options(steps, kinds, holdMillisMin, holdMillisMax, calmMillisMin, calmMillisMax, noiseAlongside,
                    everyKindFirst);
        }
    }

    public FaultSchedule {
        steps = List.copyOf(steps);
    }

    /** Draws a schedule for a cluster of {@code replicaIds} (at least two) from {@code seed}. */
    public static FaultSchedule generate(long seed, List<Long> replicaIds, Options options) {
        List<Long> ids = List.copyOf(new TreeSet<>(replicaIds));
        if (ids.size() < 2) {
            throw new IllegalArgumentException("faults between replicas need at least two replicas, got " + replicaIds);
        }
        SplittableRandom random = new SplittableRandom(seed);
        List<Kind> kinds = List.copyOf(new TreeSet<>(options.kinds()));
        List<Kind> firstKinds = options.everyKindFirst() ? pick(kinds, kinds.size(), random) : List.of();
        List<Step> steps = new ArrayList<>();
        for (int s = 0; s < options.steps(); s++) {
            Kind kind = s < firstKinds.size() ? firstKinds.get(s) : kinds.get(random.nextInt(kinds.size()));
            List<Fault> faults = new ArrayList<>(mainFaults(kind, ids, random));
            if (kind != Kind.LINK_NOISE && options.kinds().contains(Kind.LINK_NOISE)
                    && random.nextDouble() < options.noiseAlongside()) {
                faults.add(noise(random));
            }
            steps.add(new Step(faults, between(random, options.holdMillisMin(), options.holdMillisMax()),
                    between(random, options.calmMillisMin(), options.calmMillisMax())));
        }
        return new FaultSchedule(seed, steps);
    }

    private static List<Fault> mainFaults(Kind kind, List<Long> ids, SplittableRandom random) {
        return switch (kind) {
            case PARTITION -> List.of(new Fault.Partition(Set.copyOf(pick(ids, 1 + random.nextInt(ids.size() / 2), random))));
            case ISOLATE_LEADER -> List.of(new Fault.IsolateLeader());
            case ONE_WAY_CUT -> {
                List<Fault> cuts = new ArrayList<>();
                int count = 1 + random.nextInt(2);
                while (cuts.size() < count) {
                    List<Long> pair = pick(ids, 2, random);
                    Fault cut = new Fault.OneWayCut(pair.get(0), pair.get(1));
                    if (!cuts.contains(cut)) {
                        cuts.add(cut);
                    }
                }
                yield cuts;
            }
            case LEADER_ONE_WAY -> List.of(new Fault.LeaderOneWay(random.nextBoolean()));
            case LINK_NOISE -> List.of(noise(random));
            case KILL_LEADER -> List.of(new Fault.KillLeader());
            case KILL_REPLICA -> List.of(new Fault.Kill(ids.get(random.nextInt(ids.size()))));
            case PAUSE_LEADER -> List.of(new Fault.PauseLeader());
            case PAUSE_REPLICA -> List.of(new Fault.Pause(ids.get(random.nextInt(ids.size()))));
            case RESET_LEADER_CONNECTIONS -> List.of(new Fault.ResetLeaderConnections());
        };
    }

    private static Fault.LinkNoise noise(SplittableRandom random) {
        long delayMin = random.nextInt(6);
        return new Fault.LinkNoise(random.nextInt(31) / 100.0, random.nextInt(31) / 100.0, delayMin,
                delayMin + random.nextInt(41));
    }

    /** {@code count} distinct elements of {@code from}, in a random order. */
    private static <T> List<T> pick(List<T> from, int count, SplittableRandom random) {
        List<T> left = new ArrayList<>(from);
        List<T> picked = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            picked.add(left.remove(random.nextInt(left.size())));
        }
        return picked;
    }

    private static long between(SplittableRandom random, long min, long max) {
        return min + random.nextLong(max - min + 1);
    }

    /** The schedule's length without the time its steps take to apply and undo. */
    public long durationMillis() {
        return steps.stream().mapToLong(s -> s.holdMillis() + s.calmMillis()).sum();
    }

    /** One line per step. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("fault schedule of seed ").append(seed).append(", ").append(steps.size())
                .append(" steps:");
        for (int i = 0; i < steps.size(); i++) {
            Step step = steps.get(i);
            text.append("\n  ").append(i + 1).append(". ").append(step.faults()).append(" for ").append(step.holdMillis())
                    .append(" ms, then ").append(step.calmMillis()).append(" ms calm");
        }
        return text.toString();
    }
}
