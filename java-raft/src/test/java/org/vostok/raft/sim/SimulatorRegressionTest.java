package org.vostok.raft.sim;

import org.junit.jupiter.api.Test;

/**
 * Seeds of the cluster simulator that once found a bug in the core, each run on every build.
 * Each test says first what went wrong before the fix.
 *
 * <p>A seed replays the same run only while the simulator draws its choices the same way. When
 * a change to the simulator alters that, these seeds still run as ordinary seeds but may no
 * longer reach their corner: then find new ones by running a campaign
 * ({@link SimulationCampaign}) against the core as it was before the fix (the commit named in
 * each test), and replace them.
 */
class SimulatorRegressionTest {

    /**
     * A leader served lease reads from a stale commit index. Node 5 led term 2 of five voters and
     * was cut off right after its followers heard from it; they elected a new leader, which
     * committed index 488, while node 5 still answered a lease read at 486. Its lease lasted
     * until its next CheckQuorum check, up to two election timeouts after the followers last
     * heard from it, but they were free to vote after one. Fixed in 4471a3e: the lease counts
     * from when a round a quorum answered was sent. (Found against 0026b10.)
     */
    @Test
    void leaseOutlivedTheFollowersPromise() {
        Simulation.run(SimOptions.draw(2092, 5));
    }

    /** The same stale lease read with seven voters: node 3 cut off, the six others elect a leader. */
    @Test
    void leaseOutlivedTheFollowersPromiseWithSevenNodes() {
        Simulation.run(SimOptions.draw(887, 7));
    }

    /**
     * A leader served a lease read after handing its leadership away. Node 5 sent TimeoutNow
     * to node 11, whose voters granted the transfer election despite their leases (as they
     * must); node 11 led term 10 and committed index 302 while node 5, not yet told, answered a
     * lease read at 298. Fixed in 4471a3e: sending TimeoutNow voids the lease for the rest of
     * the term. (Found against 0026b10.)
     */
    @Test
    void leaseSurvivedTimeoutNow() {
        Simulation.run(SimOptions.draw(1134, 3));
    }

    /**
     * A snapshot was installed with a hole in it. New node 5 had received chunks up to offset
     * 144 from the leader of term 10 when a vote request moved it to term 11, where it knew no
     * leader yet; its host then failed to write the chunk at 96 and called
     * abortIncomingSnapshot(), which refused (no leader to tell) and kept the incoming snapshot.
     * The next leader resumed the same snapshot at offset 144, which the core accepted and
     * handed to a host whose staging copy ended at 96. Fixed by dropping the incoming snapshot
     * whenever there is one, telling the leader only when one is known.
     */
    @Test
    void snapshotAbortRefusedWithoutLeader() {
        Simulation.run(SimOptions.draw(1026630, 3));
    }
}
