package org.vostok.raft;

import java.util.Objects;

/**
 * A single-server membership change (thesis §4.1): one node added, promoted or removed. It is
 * carried in a {@link EntryType#MEMBERSHIP} entry and takes effect on every node when that entry
 * is committed. A leader accepts one only after an entry of its own term has committed and
 * while no other change is uncommitted (the fix Ongaro described in 2015).
 */
public record MembershipChange(Type type, long node) {

    public enum Type {
        /** Add a voter, or turn a learner into one (prefer ADD_LEARNER then PROMOTE_LEARNER). */
        ADD_VOTER,
        /** Add a node that receives the log without voting, to catch up before promotion. */
        ADD_LEARNER,
        /** Make a learner a voter. */
        PROMOTE_LEARNER,
        /** Remove a voter or a learner; the leader may remove itself. */
        REMOVE
    }

    /** The encoded size: a format byte, a type byte and the node id. */
    private static final int ENCODED_BYTES = 10;
    private static final byte FORMAT = 1;

    public MembershipChange {
        Objects.requireNonNull(type, "type");
        if (node <= 0) {
            throw new IllegalArgumentException("a membership change names a node id above 0, got " + node);
        }
    }

    public static MembershipChange addVoter(long node) {
        return new MembershipChange(Type.ADD_VOTER, node);
    }

    public static MembershipChange addLearner(long node) {
        return new MembershipChange(Type.ADD_LEARNER, node);
    }

    public static MembershipChange promote(long node) {
        return new MembershipChange(Type.PROMOTE_LEARNER, node);
    }

    public static MembershipChange remove(long node) {
        return new MembershipChange(Type.REMOVE, node);
    }

    /** The entry data for this change. */
    public byte[] encode() {
        byte[] b = new byte[ENCODED_BYTES];
        b[0] = FORMAT;
        b[1] = (byte) type.ordinal();
        for (int i = 0; i < 8; i++) {
            b[2 + i] = (byte) (node >>> (56 - 8 * i));
        }
        return b;
    }

    /** The change in a {@link EntryType#MEMBERSHIP} entry's data. */
    public static MembershipChange decode(byte[] data) {
        if (data.length != ENCODED_BYTES || data[0] != FORMAT || data[1] < 0 || data[1] >= Type.values().length) {
            throw new IllegalArgumentException("not an encoded membership change: " + data.length
                    + " bytes, format " + (data.length > 0 ? data[0] : -1));
        }
        long node = 0;
        for (int i = 0; i < 8; i++) {
            node = (node << 8) | (data[2 + i] & 0xff);
        }
        return new MembershipChange(Type.values()[data[1]], node);
    }

    @Override
    public String toString() {
        return type.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-') + " " + node;
    }
}
