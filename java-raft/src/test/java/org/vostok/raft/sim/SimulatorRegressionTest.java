package org.vostok.raft.sim;

import org.junit.jupiter.api.Test;

/**
 * Seeds of the cluster simulator that once found a bug in the core, each run on every build.
 * Each test says first what went wrong before the fix. A seed replays the same run only while
 * the simulator draws its choices the same way; after a change to the simulator the seed still
 * runs, but may no longer reach the same corner, so the scripted tests stay the precise record.
 */
class SimulatorRegressionTest {

    /**
     * A leader served a lease read from a stale commit index. Node 3 led term 2 and was cut off
     * right after hearing from both followers; they elected node 2 in term 3, which committed
     * new entries, while node 3 still answered lease reads at index 57: its lease lasted until
     * its next CheckQuorum round, up to two election timeouts after the followers last heard from
     * it, but the followers were free to vote after one.
     */
    @Test
    void leaseOutlivedTheFollowersPromise() {
        Simulation.run(SimOptions.draw(249, 3));
    }

    /** The same stale lease read, with 7 nodes: node 7 isolated, the six others elect node 2. */
    @Test
    void leaseOutlivedTheFollowersPromiseWithSevenNodes() {
        Simulation.run(SimOptions.draw(887, 7));
    }
}
