package org.vostok.rsvc;

import org.vostok.rdb.Replica;

/**
 * Tells a replica that the process of the leader it follows is gone (its node refused a
 * connection right after the old one closed), so that it stops waiting out the election
 * timeout. {@link Replica#leaderGone} documents why this is safe only on that evidence.
 */
final class LeaderGone {

    private LeaderGone() {
    }

    static void tell(Replica replica, long leaderReplicaId) {
        replica.leaderGone(leaderReplicaId);
    }
}
