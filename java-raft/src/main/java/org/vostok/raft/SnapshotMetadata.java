package org.vostok.raft;

import java.util.Objects;

/**
 * What the core knows of a snapshot: the last log index and term it covers and the membership
 * in force at that index. The content is the host's.
 */
public record SnapshotMetadata(long index, long term, Membership membership) {

    /** The metadata of "no snapshot": index 0, term 0, no members. */
    public static final SnapshotMetadata EMPTY = new SnapshotMetadata(0, 0, Membership.EMPTY);

    public SnapshotMetadata {
        if (index < 0 || term < 0) {
            throw new IllegalArgumentException("snapshot index and term must not be negative: index="
                    + index + " term=" + term);
        }
        if ((index == 0) != (term == 0)) {
            throw new IllegalArgumentException("a snapshot at index " + index + " cannot have term " + term
                    + ": only the empty snapshot has index 0 and term 0");
        }
        Objects.requireNonNull(membership, "membership");
    }

    @Override
    public String toString() {
        return "snapshot " + index + "/" + term + " " + membership;
    }
}
