package org.vostok.rdb;

import org.vostok.raft.Membership;
import org.vostok.raft.Role;

/**
 * A replica's state at one moment, for hosts, tools and tests.
 *
 * @param id this replica
 * @param role its role in {@code term}
 * @param term the latest term it knows
 * @param leader the leader it knows in {@code term}, or 0
 * @param readyTerm the term in which it leads with its first entry applied ({@link Replica#begin}
 *     accepts it), or 0 when it does not lead
 * @param commitIndex the highest index it knows committed
 * @param appliedIndex the highest index committed and applied here: what reads see
 * @param lastIndex its last log index
 * @param membership the membership in force
 */
public record ReplicaStatus(long id, Role role, long term, long leader, long readyTerm, long commitIndex,
                            long appliedIndex, long lastIndex, Membership membership) {

    /** True when this replica leads and takes transactions. */
    public boolean isReadyLeader() {
        return role == Role.LEADER && readyTerm == term;
    }
}
