package org.vostok.raft.sim;

/**
 * A simulation run broke a safety or liveness check, or the core threw. The message says what,
 * names the seed and node count, gives the one command that replays the run exactly, and ends
 * with the cluster's state and the last events before the failure.
 */
public final class SimulationFailure extends AssertionError {

    private static final long serialVersionUID = 1L;

    private final long seed;
    private final int nodes;

    SimulationFailure(SimOptions options, long tick, String what, String cluster, String trace, Throwable cause) {
        super("simulation failed: seed=" + options.seed() + " nodes=" + options.nodes() + " at tick " + tick + ": "
                + what + "\nreplay: " + replayCommand(options.seed(), options.nodes())
                + "\noptions: " + options
                + "\ncluster:\n" + cluster
                + "last events:\n" + trace, cause);
        this.seed = options.seed();
        this.nodes = options.nodes();
    }

    /** The command that runs this seed alone, with the same node count. */
    public static String replayCommand(long seed, int nodes) {
        return "./mvnw -pl java-raft test -Dtest=SimulatorTest#replay -Dsim.seed=" + seed + " -Dsim.nodes=" + nodes;
    }

    public long seed() {
        return seed;
    }

    public int nodes() {
        return nodes;
    }
}
