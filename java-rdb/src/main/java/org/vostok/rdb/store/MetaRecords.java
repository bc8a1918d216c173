package org.vostok.rdb.store;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.vostok.raft.HardState;
import org.vostok.raft.Membership;
import org.vostok.raft.SnapshotMetadata;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;

/**
 * The records of the META container, each with a format byte first. Decoding checks every
 * length and value and fails with {@link RdbError#CORRUPT} naming the record, so a damaged pool is
 * never read as a wrong state (the store's checksums catch damaged bytes; these checks catch a
 * record of the wrong shape).
 */
final class MetaRecords {

    private static final byte FORMAT = 1;
    private static final int MEMBERS_MAX = 1 << 16;

    private MetaRecords() {
    }

    /** The log's bounds: the base (the snapshot the log starts after) and the last entry. */
    record LogBounds(SnapshotMetadata base, long lastIndex, long lastTerm) {
        LogBounds {
            if (lastIndex < base.index()) {
                throw new IllegalArgumentException("last index " + lastIndex + " below the base " + base.index());
            }
        }
    }

    static byte[] encodeLayout(int version) {
        return ByteBuffer.allocate(5).put(FORMAT).putInt(version).array();
    }

    static int decodeLayout(byte[] b) {
        ByteBuffer in = open(b, 5, "layout");
        return in.getInt();
    }

    static byte[] encodeReplica(long id) {
        return ByteBuffer.allocate(9).put(FORMAT).putLong(id).array();
    }

    static long decodeReplica(byte[] b) {
        ByteBuffer in = open(b, 9, "replica id");
        long id = in.getLong();
        check(id > 0, "replica id", "the id is " + id);
        return id;
    }

    static byte[] encodeHardState(HardState hs) {
        return ByteBuffer.allocate(25).put(FORMAT).putLong(hs.term()).putLong(hs.vote()).putLong(hs.commit()).array();
    }

    static HardState decodeHardState(byte[] b) {
        ByteBuffer in = open(b, 25, "hard state");
        long term = in.getLong();
        long vote = in.getLong();
        long commit = in.getLong();
        check(term >= 0 && vote >= 0 && commit >= 0, "hard state", "a field is negative");
        return new HardState(term, vote, commit);
    }

    static byte[] encodeLogBounds(LogBounds bounds) {
        Membership m = bounds.base().membership();
        long[] voters = m.voters();
        long[] learners = m.learners();
        ByteBuffer out = ByteBuffer.allocate(1 + 32 + 8 + 8 * (voters.length + learners.length));
        out.put(FORMAT).putLong(bounds.base().index()).putLong(bounds.base().term())
                .putLong(bounds.lastIndex()).putLong(bounds.lastTerm());
        out.putInt(voters.length);
        for (long v : voters) {
            out.putLong(v);
        }
        out.putInt(learners.length);
        for (long l : learners) {
            out.putLong(l);
        }
        return out.array();
    }

    static LogBounds decodeLogBounds(byte[] b) {
        ByteBuffer in = open(b, -1, "log bounds");
        try {
            long baseIndex = in.getLong();
            long baseTerm = in.getLong();
            long lastIndex = in.getLong();
            long lastTerm = in.getLong();
            List<Long> voters = readIds(in);
            List<Long> learners = readIds(in);
            check(!in.hasRemaining(), "log bounds", in.remaining() + " bytes too many");
            check(baseIndex >= 0 && baseTerm >= 0 && lastIndex >= baseIndex && lastTerm >= baseTerm,
                    "log bounds", "base " + baseIndex + "/" + baseTerm + ", last " + lastIndex + "/" + lastTerm);
            Membership membership = Membership.of(voters, learners);
            return new LogBounds(new SnapshotMetadata(baseIndex, baseTerm, membership), lastIndex, lastTerm);
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            throw corrupt("log bounds", e.getMessage() == null ? "the record is too short" : e.getMessage());
        }
    }

    private static List<Long> readIds(ByteBuffer in) {
        int n = in.getInt();
        check(n >= 0 && n <= MEMBERS_MAX && n <= in.remaining() / 8, "membership", "a member count of " + n);
        List<Long> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ids.add(in.getLong());
        }
        return ids;
    }

    /**
     * An incoming snapshot being staged: which snapshot, its staging container, how far it got
     * (the offset and sequence number of the next chunk, and the anchor that chunk must start
     * at), and the term in which it started.
     */
    record SnapshotProgress(SnapshotMetadata snapshot, UUID container, long nextOffset, long nextSequence,
                            long leaderTerm, byte[] anchor) {
    }

    static byte[] encodeSnapshotProgress(SnapshotProgress p) {
        long[] voters = p.snapshot().membership().voters();
        long[] learners = p.snapshot().membership().learners();
        ByteBuffer out = ByteBuffer.allocate(1 + 16 + 8 * (2 + voters.length + learners.length) + 16 + 24 + 4
                + p.anchor().length);
        out.put(FORMAT).putLong(p.snapshot().index()).putLong(p.snapshot().term());
        out.putInt(voters.length);
        for (long v : voters) {
            out.putLong(v);
        }
        out.putInt(learners.length);
        for (long l : learners) {
            out.putLong(l);
        }
        out.putLong(p.container().getMostSignificantBits()).putLong(p.container().getLeastSignificantBits());
        out.putLong(p.nextOffset()).putLong(p.nextSequence()).putLong(p.leaderTerm());
        out.putInt(p.anchor().length).put(p.anchor());
        return java.util.Arrays.copyOf(out.array(), out.position());
    }

    static SnapshotProgress decodeSnapshotProgress(byte[] b) {
        ByteBuffer in = open(b, -1, "incoming snapshot");
        try {
            long index = in.getLong();
            long term = in.getLong();
            List<Long> voters = readIds(in);
            List<Long> learners = readIds(in);
            UUID container = new UUID(in.getLong(), in.getLong());
            long nextOffset = in.getLong();
            long nextSequence = in.getLong();
            long leaderTerm = in.getLong();
            int anchorLength = in.getInt();
            check(anchorLength >= 0 && anchorLength == in.remaining(), "incoming snapshot",
                    "an anchor of " + anchorLength + " bytes with " + in.remaining() + " left");
            byte[] anchor = new byte[anchorLength];
            in.get(anchor);
            check(index > 0 && term > 0 && nextOffset >= 0 && nextSequence >= 0 && leaderTerm >= 0,
                    "incoming snapshot", "snapshot " + index + "/" + term + ", offset " + nextOffset);
            return new SnapshotProgress(new SnapshotMetadata(index, term, Membership.of(voters, learners)), container,
                    nextOffset, nextSequence, leaderTerm, anchor);
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            throw corrupt("incoming snapshot", e.getMessage() == null ? "the record is too short" : e.getMessage());
        }
    }

    static byte[] encodeUuid(UUID uuid) {
        return ByteBuffer.allocate(17).put(FORMAT).putLong(uuid.getMostSignificantBits())
                .putLong(uuid.getLeastSignificantBits()).array();
    }

    static UUID decodeUuid(byte[] b) {
        ByteBuffer in = open(b, 17, "log container");
        return new UUID(in.getLong(), in.getLong());
    }

    /** A buffer past the format byte, after checking the length ({@code -1}: any) and the format. */
    private static ByteBuffer open(byte[] b, int length, String what) {
        check(length < 0 ? b.length >= 1 : b.length == length, what,
                "it has " + b.length + " bytes" + (length < 0 ? "" : ", expected " + length));
        check(b[0] == FORMAT, what, "format " + b[0] + " is not " + FORMAT
                + " (a newer version of Vostok wrote it?)");
        return ByteBuffer.wrap(b, 1, b.length - 1);
    }

    private static void check(boolean ok, String what, String detail) {
        if (!ok) {
            throw corrupt(what, detail);
        }
    }

    static RdbException corrupt(String what, String detail) {
        return new RdbException(RdbError.CORRUPT, "the " + what + " record in the META container is damaged: "
                + detail + "; restore this replica from the others (remove it and add a new one)");
    }
}
