package org.vostok.raft;

/** The role a node plays in its current term (Raft §5.1, with the pre-candidate of §9.6). */
public enum Role {
    FOLLOWER,
    /** Asking whether it could win an election before it disturbs anyone (thesis §9.6). */
    PRE_CANDIDATE,
    CANDIDATE,
    LEADER
}
