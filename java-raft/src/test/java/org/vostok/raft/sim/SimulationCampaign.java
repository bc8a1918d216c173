package org.vostok.raft.sim;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A long run of many seeds, outside CI. Either through Maven:
 *
 * <pre>
 * ./mvnw -pl java-raft test -Dtest=SimulatorTest#campaign -Dsim.campaign.seeds=20000 [-Dsim.campaign.first=1000000]
 * </pre>
 *
 * or, after {@code ./mvnw -pl java-raft test-compile}, directly (it prints as it goes):
 *
 * <pre>
 * java -cp java-raft/target/classes:java-raft/target/test-classes org.vostok.raft.sim.SimulationCampaign \
 *     --seeds 20000 [--first 1000000] [--nodes 5]
 * </pre>
 *
 * Seeds run from {@code first} upwards; without {@code --nodes} the node count cycles through 3, 5
 * and 7 with the seed ({@link #nodesFor}). Every failure is printed in full, with its replay
 * command; the summary names the longest run.
 */
public final class SimulationCampaign {

    /** The outcome of a campaign. */
    public record Summary(long seeds, List<SimulationFailure> failures, SimResult longest, long ticks,
                          long proposalsApplied, long readsServed, long crashes, long snapshotsInstalled,
                          Map<String, Long> counts) {
        @Override
        public String toString() {
            StringBuilder b = new StringBuilder();
            b.append(seeds).append(" seeds, ").append(failures.size()).append(" failed, ").append(ticks)
                    .append(" ticks in all, ").append(proposalsApplied).append(" proposals applied, ")
                    .append(readsServed).append(" reads served, ").append(crashes).append(" crashes, ")
                    .append(snapshotsInstalled).append(" snapshots installed; longest run: ").append(longest);
            b.append("\npaths taken (times, over all seeds):");
            counts.forEach((k, v) -> b.append("\n  ").append(k).append(": ").append(v));
            return b.toString();
        }
    }

    private SimulationCampaign() {
    }

    /** The node count a seed runs with when none is given: 3, 5 and 7 in turn. */
    public static int nodesFor(long seed) {
        return 3 + 2 * (int) Math.floorMod(seed, 3L);
    }

    /** Runs {@code count} seeds from {@code first}; {@code nodes} 0 means {@link #nodesFor}. */
    public static Summary run(long first, long count, int nodes, PrintStream progress) {
        List<SimulationFailure> failures = new ArrayList<>();
        SimResult longest = null;
        long ticks = 0;
        long applied = 0;
        long reads = 0;
        long crashes = 0;
        long snapshots = 0;
        TreeMap<String, Long> counts = new TreeMap<>();
        for (long seed = first; seed < first + count; seed++) {
            int n = nodes != 0 ? nodes : nodesFor(seed);
            try {
                SimResult r = Simulation.run(SimOptions.draw(seed, n));
                ticks += r.ticks();
                applied += r.proposalsApplied();
                reads += r.readsServed();
                crashes += r.crashes();
                snapshots += r.snapshotsInstalled();
                r.counts().forEach((k, v) -> counts.merge(k, v, Long::sum));
                if (longest == null || r.ticks() > longest.ticks()) {
                    longest = r;
                }
            } catch (SimulationFailure f) {
                failures.add(f);
                if (progress != null) {
                    progress.println(f.getMessage());
                    if (f.getCause() != null) {
                        f.getCause().printStackTrace(progress);
                    }
                }
            }
            long done = seed - first + 1;
            if (progress != null && done % 1000 == 0) {
                progress.println("campaign: " + done + " of " + count + " seeds, " + failures.size() + " failed");
            }
        }
        return new Summary(count, failures, longest, ticks, applied, reads, crashes, snapshots, counts);
    }

    public static void main(String[] args) {
        long first = 1;
        long seeds = 1000;
        int nodes = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--first" -> first = Long.parseLong(args[++i]);
                case "--seeds" -> seeds = Long.parseLong(args[++i]);
                case "--nodes" -> nodes = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("usage: SimulationCampaign [--seeds N] [--first SEED] [--nodes 3|5|7]");
                    System.exit(2);
                }
            }
        }
        Summary s = run(first, seeds, nodes, System.out);
        System.out.println("campaign: " + s);
        for (SimulationFailure f : s.failures()) {
            System.out.println("failed: " + SimulationFailure.replayCommand(f.seed(), f.nodes()));
        }
        System.exit(s.failures().isEmpty() ? 0 : 1);
    }
}
