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
 * @param baseIndex the index the log is compacted up to (its snapshot); entries start after it
 * @param aggregatedIndex the epoch up to which old versions were folded away by aggregation
 * @param incomingSnapshotIndex the snapshot being received, or 0
 * @param incomingSnapshotBytes the bytes of it written so far
 * @param spaceBlocked the last write found the pool full: the replica waits for space to be
 *     freed (by compaction and aggregation, or by deletes) and takes the log again then
 * @param fullPoolWrites how many writes found the pool full since the replica started
 * @param abandonedTerm a term this replica leads but takes no transactions in (a commit in it
 *     ended ambiguously, or its host's stepUp failed): it hands the leadership over; 0 when none
 * @param scrubPasses how many passes of the background scrub over the pool have completed since
 *     the replica started ({@link RdbConfig#scrubBytesPerSecond()})
 * @param scrubDamage damaged or inconsistent structures the background scrub has found in the
 *     pool since the replica started, each counted once however many passes find it again; above
 *     0, the pool needs replacing: the scrub does not stop the replica (a read or write that meets
 *     the damage fails with CORRUPT), and its operator replaces it (a new replica takes a snapshot
 *     from the others)
 * @param leaderChanges how many times since the replica started it came to know a leader other
 *     than the last one it knew (the first it learns of counts): elections and transfers, as this
 *     replica saw them; a leader that changes twice between two of the replica's rounds counts once
 */
public record ReplicaStatus(long id, Role role, long term, long leader, long readyTerm, long commitIndex,
                            long appliedIndex, long lastIndex, Membership membership, long baseIndex,
                            long aggregatedIndex, long incomingSnapshotIndex, long incomingSnapshotBytes,
                            boolean spaceBlocked, long fullPoolWrites, long abandonedTerm, long scrubPasses,
                            long scrubDamage, long leaderChanges) {

    /** True when this replica leads and takes transactions. */
    public boolean isReadyLeader() {
        return role == Role.LEADER && readyTerm == term;
    }
}
