package org.vostok.rsvc;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vostok.rdb.Replica;

/** Tells a replica that the process of the leader it follows is gone. */
final class LeaderGone {
    private static final Logger LOG = LoggerFactory.getLogger(LeaderGone.class);

    private LeaderGone() {
    }

    static void tell(Replica replica, long leaderReplicaId) {
        LOG.debug("replica {}: leader {} is gone", replica.id(), leaderReplicaId);
    }
}
