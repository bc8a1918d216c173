package org.vostok.raft;

/** Volatile state a host may want to show or act on: the role and the leader this node knows. */
public record SoftState(Role role, long leader) {
    @Override
    public String toString() {
        return role + " leader=" + leader;
    }
}
