package org.vostok.raft.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The deterministic cluster simulator ({@link Simulation}), run over many seeds: each seed draws
 * its own cluster size, limits, faults and workload ({@link SimOptions}), runs a fault phase with
 * safety checked at every step, heals, and checks that the cluster elects a leader, commits new
 * proposals and converges within bounds.
 *
 * <ul>
 *   <li>{@link #seeds()} runs {@link #CI_SEEDS} seeds from 1 in every build, node counts 3, 5 and
 *       7 in turn.</li>
 *   <li>{@link #replay()} runs one seed, as a failure's message says:
 *       {@code ./mvnw -pl java-raft test -Dtest=SimulatorTest#replay -Dsim.seed=123 -Dsim.nodes=5}.</li>
 *   <li>{@link #campaign()} runs a long campaign outside CI:
 *       {@code ./mvnw -pl java-raft test -Dtest=SimulatorTest#campaign -Dsim.campaign.seeds=20000
 *       -Dsim.campaign.first=1000000}; {@link SimulationCampaign#main} does the same from a shell.</li>
 * </ul>
 * Seeds that once found a bug are kept in {@link SimulatorRegressionTest}.
 */
class SimulatorTest {

    /** Seeds every build runs: about 20 ms each on one core, so about 12 s in all. */
    static final int CI_SEEDS = 600;

    @TestFactory
    Stream<DynamicTest> seeds() {
        return LongStream.rangeClosed(1, CI_SEEDS).mapToObj(seed -> {
            int nodes = SimulationCampaign.nodesFor(seed);
            return DynamicTest.dynamicTest("seed " + seed + ", " + nodes + " nodes",
                    () -> Simulation.run(SimOptions.draw(seed, nodes)));
        });
    }

    @Test
    void replay() {
        String seed = System.getProperty("sim.seed");
        assumeTrue(seed != null, "replays one seed when run with -Dsim.seed=N [-Dsim.nodes=3|5|7]");
        long s = Long.parseLong(seed);
        String nodes = System.getProperty("sim.nodes");
        int n = nodes == null ? SimulationCampaign.nodesFor(s) : Integer.parseInt(nodes);
        SimResult result = Simulation.run(SimOptions.draw(s, n));
        System.out.println("replayed: " + result);
    }

    @Test
    void campaign() {
        String seeds = System.getProperty("sim.campaign.seeds");
        assumeTrue(seeds != null, "runs a campaign when run with -Dsim.campaign.seeds=N [-Dsim.campaign.first=S]");
        long first = Long.parseLong(System.getProperty("sim.campaign.first", "1000000"));
        SimulationCampaign.Summary summary = SimulationCampaign.run(first, Long.parseLong(seeds), 0, System.out);
        System.out.println("campaign: " + summary);
        assertTrue(summary.failures().isEmpty(), () -> summary.failures().size() + " of " + seeds
                + " seeds failed; the first:\n" + summary.failures().get(0).getMessage());
    }
}
