package org.vostok.raft;

import java.util.Objects;

/**
 * One entry of the replicated log.
 *
 * <p>The data is the host's, opaque to the core, except for {@link EntryType#MEMBERSHIP}
 * entries whose data is a {@link MembershipChange} encoded by the core. A new leader's first
 * entry is a {@link EntryType#NORMAL} entry with empty data (Raft §8): hosts skip it when they
 * apply.
 *
 * <p>The array is never copied: neither the core nor the host may modify it after the entry is
 * created.
 */
public record Entry(long index, long term, EntryType type, byte[] data) {

    /** What an entry costs beyond its data in every byte bound of the core (index, term, type). */
    public static final int HEADER_BYTES = 24;

    public Entry {
        if (index <= 0) {
            throw new IllegalArgumentException("entry index must be positive, got " + index);
        }
        if (term <= 0) {
            throw new IllegalArgumentException("entry term must be positive, got " + term);
        }
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(data, "data");
    }

    /** The bytes this entry counts for in message, in-flight and uncommitted bounds. */
    public long sizeBytes() {
        return HEADER_BYTES + (long) data.length;
    }

    /** True for a leader's empty entry (Raft §8), which carries nothing for the host. */
    public boolean isEmpty() {
        return type == EntryType.NORMAL && data.length == 0;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Entry e && e.index == index && e.term == term && e.type == type
                && java.util.Arrays.equals(e.data, data);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(index) * 31 + Long.hashCode(term);
    }

    @Override
    public String toString() {
        return index + "/" + term + (type == EntryType.MEMBERSHIP
                ? " " + MembershipChange.decode(data)
                : data.length == 0 ? " EMPTY" : " " + data.length + "B");
    }
}
