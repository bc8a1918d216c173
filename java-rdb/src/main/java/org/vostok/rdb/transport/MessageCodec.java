package org.vostok.rdb.transport;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.vostok.raft.Entry;
import org.vostok.raft.EntryType;
import org.vostok.raft.Membership;
import org.vostok.raft.Message;
import org.vostok.raft.RefusalReason;
import org.vostok.raft.SnapshotMetadata;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;

/**
 * The binary form of every Raft {@link Message}, for transports between replicas. Big-endian,
 * versioned, and checked on decode: bytes that are not a message this version reads fail with
 * {@link RdbError#INVAL} saying what was wrong, never with a wrong message.
 *
 * <pre>
 * message  := u8 version(1) | u8 kind | u64 from | u64 to | u64 term | fields of the kind
 * entry    := u64 index | u64 term | u8 type | u32 length | data
 * snapshot := u64 index | u64 term | u32 voters | u64* | u32 learners | u64*
 * </pre>
 * Refusal reasons travel as stable codes, not enum positions.
 */
public final class MessageCodec {

    private static final byte VERSION = 1;
    private static final int HEADER_BYTES = 2 + 24;
    private static final int ENTRY_HEADER_BYTES = 8 + 8 + 1 + 4;
    /** The most members a snapshot's membership may list on the wire. */
    private static final int MEMBERS_MAX = 1 << 16;

    private static final byte VOTE_REQUEST = 1;
    private static final byte VOTE_RESPONSE = 2;
    private static final byte APPEND_REQUEST = 3;
    private static final byte APPEND_RESPONSE = 4;
    private static final byte HEARTBEAT = 5;
    private static final byte HEARTBEAT_RESPONSE = 6;
    private static final byte READ_INDEX_REQUEST = 7;
    private static final byte READ_INDEX_RESPONSE = 8;
    private static final byte READ_INDEX_REFUSED = 9;
    private static final byte TIMEOUT_NOW = 10;
    private static final byte SNAPSHOT_CHUNK = 11;
    private static final byte SNAPSHOT_CHUNK_RESPONSE = 12;

    private MessageCodec() {
    }

    /** The encoded size of {@code m} in bytes. */
    public static int encodedBytes(Message m) {
        long size = HEADER_BYTES;
        if (m instanceof Message.VoteRequest) {
            size += 17;
        } else if (m instanceof Message.VoteResponse) {
            size += 1;
        } else if (m instanceof Message.AppendRequest a) {
            size += 28;
            for (Entry e : a.entries()) {
                size += ENTRY_HEADER_BYTES + e.data().length;
            }
        } else if (m instanceof Message.AppendResponse) {
            size += 33;
        } else if (m instanceof Message.Heartbeat) {
            size += 16;
        } else if (m instanceof Message.HeartbeatResponse) {
            size += 8;
        } else if (m instanceof Message.ReadIndexRequest) {
            size += 8;
        } else if (m instanceof Message.ReadIndexResponse) {
            size += 16;
        } else if (m instanceof Message.ReadIndexRefused) {
            size += 9;
        } else if (m instanceof Message.TimeoutNow) {
            size += 0;
        } else if (m instanceof Message.SnapshotChunk c) {
            size += snapshotBytes(c.snapshot()) + 8 + 1 + 4 + c.data().length;
        } else {
            size += 17;
        }
        if (size > Integer.MAX_VALUE) {
            throw new RdbException(RdbError.TOOBIG, "a message of " + size + " bytes cannot be encoded");
        }
        return (int) size;
    }

    private static int snapshotBytes(SnapshotMetadata s) {
        return 16 + 8 + 8 * (s.membership().voterCount() + s.membership().learners().length);
    }

    /** {@code m} as bytes. */
    public static byte[] encode(Message m) {
        ByteBuffer out = ByteBuffer.allocate(encodedBytes(m));
        encode(m, out);
        return out.array();
    }

    /** Writes {@code m} into {@code out} at its position; {@code out} needs {@link #encodedBytes} bytes left. */
    public static void encode(Message m, ByteBuffer out) {
        out.put(VERSION).put(kind(m)).putLong(m.from()).putLong(m.to()).putLong(m.term());
        if (m instanceof Message.VoteRequest v) {
            out.putLong(v.lastLogIndex()).putLong(v.lastLogTerm())
                    .put((byte) ((v.preVote() ? 1 : 0) | (v.leadershipTransfer() ? 2 : 0)));
        } else if (m instanceof Message.VoteResponse v) {
            out.put((byte) ((v.preVote() ? 1 : 0) | (v.granted() ? 2 : 0)));
        } else if (m instanceof Message.AppendRequest a) {
            out.putLong(a.prevLogIndex()).putLong(a.prevLogTerm()).putLong(a.commit()).putInt(a.entries().size());
            for (Entry e : a.entries()) {
                out.putLong(e.index()).putLong(e.term()).put((byte) e.type().ordinal()).putInt(e.data().length)
                        .put(e.data());
            }
        } else if (m instanceof Message.AppendResponse r) {
            out.put((byte) (r.success() ? 1 : 0)).putLong(r.matchIndex()).putLong(r.rejectedIndex())
                    .putLong(r.hintIndex()).putLong(r.hintTerm());
        } else if (m instanceof Message.Heartbeat h) {
            out.putLong(h.commit()).putLong(h.readRound());
        } else if (m instanceof Message.HeartbeatResponse h) {
            out.putLong(h.readRound());
        } else if (m instanceof Message.ReadIndexRequest r) {
            out.putLong(r.requestId());
        } else if (m instanceof Message.ReadIndexResponse r) {
            out.putLong(r.requestId()).putLong(r.readIndex());
        } else if (m instanceof Message.ReadIndexRefused r) {
            out.putLong(r.requestId()).put(reasonCode(r.reason()));
        } else if (m instanceof Message.TimeoutNow) {
            // nothing beyond the header
        } else if (m instanceof Message.SnapshotChunk c) {
            writeSnapshot(out, c.snapshot());
            out.putLong(c.offset()).put((byte) (c.last() ? 1 : 0)).putInt(c.data().length).put(c.data());
        } else {
            Message.SnapshotChunkResponse r = (Message.SnapshotChunkResponse) m;
            out.putLong(r.snapshotIndex()).putLong(r.nextOffset())
                    .put((byte) ((r.done() ? 1 : 0) | (r.failed() ? 2 : 0)));
        }
    }

    private static byte kind(Message m) {
        if (m instanceof Message.VoteRequest) {
            return VOTE_REQUEST;
        } else if (m instanceof Message.VoteResponse) {
            return VOTE_RESPONSE;
        } else if (m instanceof Message.AppendRequest) {
            return APPEND_REQUEST;
        } else if (m instanceof Message.AppendResponse) {
            return APPEND_RESPONSE;
        } else if (m instanceof Message.Heartbeat) {
            return HEARTBEAT;
        } else if (m instanceof Message.HeartbeatResponse) {
            return HEARTBEAT_RESPONSE;
        } else if (m instanceof Message.ReadIndexRequest) {
            return READ_INDEX_REQUEST;
        } else if (m instanceof Message.ReadIndexResponse) {
            return READ_INDEX_RESPONSE;
        } else if (m instanceof Message.ReadIndexRefused) {
            return READ_INDEX_REFUSED;
        } else if (m instanceof Message.TimeoutNow) {
            return TIMEOUT_NOW;
        } else if (m instanceof Message.SnapshotChunk) {
            return SNAPSHOT_CHUNK;
        } else if (m instanceof Message.SnapshotChunkResponse) {
            return SNAPSHOT_CHUNK_RESPONSE;
        }
        throw new IllegalArgumentException("no encoding for message " + m);
    }

    private static void writeSnapshot(ByteBuffer out, SnapshotMetadata s) {
        out.putLong(s.index()).putLong(s.term());
        long[] voters = s.membership().voters();
        out.putInt(voters.length);
        for (long v : voters) {
            out.putLong(v);
        }
        long[] learners = s.membership().learners();
        out.putInt(learners.length);
        for (long l : learners) {
            out.putLong(l);
        }
    }

    /** The stable wire code of a refusal reason. */
    static byte reasonCode(RefusalReason reason) {
        return switch (reason) {
            case NOT_LEADER -> 1;
            case NO_LEADER -> 2;
            case TRANSFER_IN_PROGRESS -> 3;
            case UNCOMMITTED_BYTES_FULL -> 4;
            case ENTRY_TOO_LARGE -> 5;
            case LEADER_NOT_READY -> 6;
            case MEMBERSHIP_CHANGE_PENDING -> 7;
            case INVALID_MEMBERSHIP_CHANGE -> 8;
            case INVALID_TRANSFER_TARGET -> 9;
            case READS_PENDING_FULL -> 10;
            case LEADERSHIP_LOST -> 11;
            case NOT_A_MEMBER -> 12;
        };
    }

    private static RefusalReason reason(byte code) {
        for (RefusalReason r : RefusalReason.values()) {
            if (reasonCode(r) == code) {
                return r;
            }
        }
        throw malformed("unknown refusal reason code " + code);
    }

    /** The message in {@code bytes}, which must hold exactly one. */
    public static Message decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        Message m = decode(in);
        if (in.hasRemaining()) {
            throw malformed(in.remaining() + " bytes after the message");
        }
        return m;
    }

    /** Reads one message from {@code in} at its position, leaving the position after it. */
    public static Message decode(ByteBuffer in) {
        try {
            byte version = in.get();
            if (version != VERSION) {
                throw malformed("version " + version + " is not " + VERSION + " (a peer of another version?)");
            }
            byte kind = in.get();
            long from = in.getLong();
            long to = in.getLong();
            long term = in.getLong();
            if (from <= 0 || to <= 0 || term < 0) {
                throw malformed("from " + from + ", to " + to + ", term " + term);
            }
            switch (kind) {
                case VOTE_REQUEST: {
                    long lastIndex = in.getLong();
                    long lastTerm = in.getLong();
                    byte flags = flags(in, 3);
                    return new Message.VoteRequest(from, to, term, lastIndex, lastTerm, (flags & 1) != 0, (flags & 2) != 0);
                }
                case VOTE_RESPONSE: {
                    byte flags = flags(in, 3);
                    return new Message.VoteResponse(from, to, term, (flags & 1) != 0, (flags & 2) != 0);
                }
                case APPEND_REQUEST:
                    return decodeAppend(in, from, to, term);
                case APPEND_RESPONSE: {
                    boolean success = flags(in, 1) != 0;
                    return new Message.AppendResponse(from, to, term, success, in.getLong(), in.getLong(), in.getLong(),
                            in.getLong());
                }
                case HEARTBEAT:
                    return new Message.Heartbeat(from, to, term, in.getLong(), in.getLong());
                case HEARTBEAT_RESPONSE:
                    return new Message.HeartbeatResponse(from, to, term, in.getLong());
                case READ_INDEX_REQUEST:
                    return new Message.ReadIndexRequest(from, to, term, in.getLong());
                case READ_INDEX_RESPONSE:
                    return new Message.ReadIndexResponse(from, to, term, in.getLong(), in.getLong());
                case READ_INDEX_REFUSED:
                    return new Message.ReadIndexRefused(from, to, term, in.getLong(), reason(in.get()));
                case TIMEOUT_NOW:
                    return new Message.TimeoutNow(from, to, term);
                case SNAPSHOT_CHUNK: {
                    SnapshotMetadata s = readSnapshot(in);
                    long offset = in.getLong();
                    boolean last = flags(in, 1) != 0;
                    byte[] data = bytes(in, in.getInt(), "snapshot chunk");
                    return new Message.SnapshotChunk(from, to, term, s, offset, data, last);
                }
                case SNAPSHOT_CHUNK_RESPONSE: {
                    long index = in.getLong();
                    long next = in.getLong();
                    byte flags = flags(in, 3);
                    return new Message.SnapshotChunkResponse(from, to, term, index, next, (flags & 1) != 0,
                            (flags & 2) != 0);
                }
                default:
                    throw malformed("unknown message kind " + kind);
            }
        } catch (BufferUnderflowException e) {
            throw malformed("the bytes end in the middle of a message");
        } catch (IllegalArgumentException e) {
            throw malformed(e.getMessage());
        }
    }

    private static Message.AppendRequest decodeAppend(ByteBuffer in, long from, long to, long term) {
        long prevIndex = in.getLong();
        long prevTerm = in.getLong();
        long commit = in.getLong();
        int count = in.getInt();
        if (count < 0 || (long) count * ENTRY_HEADER_BYTES > in.remaining()) {
            throw malformed(count + " entries in " + in.remaining() + " bytes");
        }
        List<Entry> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long index = in.getLong();
            long entryTerm = in.getLong();
            byte type = in.get();
            if (type < 0 || type >= EntryType.values().length) {
                throw malformed("entry " + index + " has unknown type " + type);
            }
            byte[] data = bytes(in, in.getInt(), "entry " + index);
            entries.add(new Entry(index, entryTerm, EntryType.values()[type], data));
        }
        return new Message.AppendRequest(from, to, term, prevIndex, prevTerm, List.copyOf(entries), commit);
    }

    private static SnapshotMetadata readSnapshot(ByteBuffer in) {
        long index = in.getLong();
        long term = in.getLong();
        List<Long> voters = ids(in);
        List<Long> learners = ids(in);
        return new SnapshotMetadata(index, term, Membership.of(voters, learners));
    }

    private static List<Long> ids(ByteBuffer in) {
        int n = in.getInt();
        if (n < 0 || n > MEMBERS_MAX || (long) n * 8 > in.remaining()) {
            throw malformed("a membership of " + n + " members in " + in.remaining() + " bytes");
        }
        List<Long> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ids.add(in.getLong());
        }
        return ids;
    }

    private static byte flags(ByteBuffer in, int allowed) {
        byte f = in.get();
        if ((f & ~allowed) != 0) {
            throw malformed("unknown flags " + f);
        }
        return f;
    }

    private static byte[] bytes(ByteBuffer in, int length, String what) {
        if (length < 0 || length > in.remaining()) {
            throw malformed(what + " claims " + length + " bytes with " + in.remaining() + " left");
        }
        byte[] b = new byte[length];
        in.get(b);
        return b;
    }

    private static RdbException malformed(String detail) {
        return new RdbException(RdbError.INVAL, "not a Raft message this version reads: " + detail);
    }
}
