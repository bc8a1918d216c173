package org.vostok.raft;

/** What an {@link Entry} carries. */
public enum EntryType {
    /** The host's data (or nothing: a new leader's empty entry). */
    NORMAL,
    /** A {@link MembershipChange}, encoded by the core; it takes effect when committed. */
    MEMBERSHIP
}
