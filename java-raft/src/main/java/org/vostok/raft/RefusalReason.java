package org.vostok.raft;

/** Why a request to the core was refused. Requests are refused at once, never queued without bound. */
public enum RefusalReason {
    /** This node is not the leader; {@link Refusal#leaderHint()} names the leader it knows. */
    NOT_LEADER,
    /** This node knows no leader in its current term: retry after an election. */
    NO_LEADER,
    /** A leadership transfer is in progress; retry on the new leader. */
    TRANSFER_IN_PROGRESS,
    /** The leader holds too many uncommitted bytes ({@link Config#uncommittedBytesMax()}). */
    UNCOMMITTED_BYTES_FULL,
    /** The entry is larger than {@link Config#entryBytesMax()}. */
    ENTRY_TOO_LARGE,
    /** The new leader has not committed an entry of its term yet (Raft §8, and the 2015 fix). */
    LEADER_NOT_READY,
    /** Another membership change is not committed yet: changes go one at a time. */
    MEMBERSHIP_CHANGE_PENDING,
    /** The membership change does not apply to the current membership. */
    INVALID_MEMBERSHIP_CHANGE,
    /** The transfer target is not a voter of the current membership. */
    INVALID_TRANSFER_TARGET,
    /** Too many read requests wait already ({@link Config#readRequestsPendingMax()}). */
    READS_PENDING_FULL,
    /** The leader lost its leadership before the read could be confirmed. */
    LEADERSHIP_LOST,
    /** This node is not a member of the cluster (removed, or not added yet). */
    NOT_A_MEMBER
}
