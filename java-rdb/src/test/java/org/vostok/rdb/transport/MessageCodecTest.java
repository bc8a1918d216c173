package org.vostok.rdb.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.vostok.raft.Entry;
import org.vostok.raft.EntryType;
import org.vostok.raft.Membership;
import org.vostok.raft.MembershipChange;
import org.vostok.raft.Message;
import org.vostok.raft.RefusalReason;
import org.vostok.raft.SnapshotMetadata;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;

/** Every Raft message survives the round trip through its bytes; damaged bytes are refused. */
class MessageCodecTest {

    private static final long BIG = Long.MAX_VALUE;

    static List<Message> samples() {
        SnapshotMetadata snap = new SnapshotMetadata(17, 4, Membership.of(List.of(1L, 2L, 3L), List.of(9L)));
        List<Message> all = new ArrayList<>();
        all.add(new Message.VoteRequest(1, 2, 5, 10, 4, false, false));
        all.add(new Message.VoteRequest(BIG, 1, BIG, BIG, BIG, true, true));
        all.add(new Message.VoteResponse(2, 1, 5, true, false));
        all.add(new Message.VoteResponse(2, 1, 5, false, true));
        all.add(new Message.AppendRequest(1, 3, 6, 0, 0, List.of(), 0));
        all.add(new Message.AppendRequest(1, 3, 6, 11, 5, List.of(
                new Entry(12, 6, EntryType.NORMAL, new byte[0]),
                new Entry(13, 6, EntryType.NORMAL, new byte[] {1, 2, 3}),
                new Entry(14, 6, EntryType.MEMBERSHIP, MembershipChange.addLearner(4).encode())), 12));
        all.add(new Message.AppendResponse(3, 1, 6, true, 14, 0, 0, 0));
        all.add(new Message.AppendResponse(3, 1, 6, false, 0, 11, 9, 5));
        all.add(new Message.Heartbeat(1, 2, 7, 99, 3));
        all.add(new Message.HeartbeatResponse(2, 1, 7, 3));
        all.add(new Message.ReadIndexRequest(2, 1, 7, BIG));
        all.add(new Message.ReadIndexResponse(1, 2, 7, 44, 101));
        for (RefusalReason r : RefusalReason.values()) {
            all.add(new Message.ReadIndexRefused(1, 2, 7, 45, r));
        }
        all.add(new Message.TimeoutNow(1, 2, 8));
        all.add(new Message.SnapshotChunk(1, 4, 8, snap, 0, new byte[0], true));
        all.add(new Message.SnapshotChunk(1, 4, 8, snap, 1 << 20, new byte[] {7, 7, 7}, false));
        all.add(new Message.SnapshotChunkResponse(4, 1, 8, 17, 3, false, false));
        all.add(new Message.SnapshotChunkResponse(4, 1, 8, 17, 0, true, false));
        all.add(new Message.SnapshotChunkResponse(4, 1, 8, 17, 0, false, true));
        return all;
    }

    @Test
    void everyMessageKindRoundTrips() {
        Set<Class<?>> kinds = new HashSet<>();
        for (Message m : samples()) {
            byte[] bytes = MessageCodec.encode(m);
            assertEquals(MessageCodec.encodedBytes(m), bytes.length, m.toString());
            assertSame(m, MessageCodec.decode(bytes));
            kinds.add(m.getClass());
        }
        assertEquals(Set.of(Message.class.getPermittedSubclasses()), kinds, "a sample of every message kind");
    }

    /** Records compare arrays by reference, so a snapshot chunk's data is compared apart. */
    private static void assertSame(Message expected, Message actual) {
        if (expected instanceof Message.SnapshotChunk c && actual instanceof Message.SnapshotChunk d) {
            byte[] same = new byte[0];
            assertEquals(new Message.SnapshotChunk(c.from(), c.to(), c.term(), c.snapshot(), c.offset(), same, c.last()),
                    new Message.SnapshotChunk(d.from(), d.to(), d.term(), d.snapshot(), d.offset(), same, d.last()));
            assertArrayEquals(c.data(), d.data());
        } else {
            assertEquals(expected, actual);
        }
    }

    @Test
    void messagesFollowEachOtherInOneBuffer() {
        List<Message> all = samples();
        int size = all.stream().mapToInt(MessageCodec::encodedBytes).sum();
        ByteBuffer buf = ByteBuffer.allocate(size);
        for (Message m : all) {
            MessageCodec.encode(m, buf);
        }
        buf.flip();
        for (Message m : all) {
            assertSame(m, MessageCodec.decode(buf));
        }
        assertEquals(0, buf.remaining());
    }

    @Test
    void everyTruncatedMessageIsRefused() {
        for (Message m : samples()) {
            byte[] bytes = MessageCodec.encode(m);
            for (int n = 0; n < bytes.length; n++) {
                byte[] cut = Arrays.copyOf(bytes, n);
                RdbException e = assertThrows(RdbException.class, () -> MessageCodec.decode(cut), m + " cut at " + n);
                assertEquals(RdbError.INVAL, e.error());
            }
        }
    }

    @Test
    void wrongVersionKindIdsAndTrailingBytesAreRefused() {
        byte[] bytes = MessageCodec.encode(new Message.Heartbeat(1, 2, 3, 4, 5));
        byte[] version = bytes.clone();
        version[0] = 2;
        assertTrue(assertThrows(RdbException.class, () -> MessageCodec.decode(version)).getMessage().contains("version"));
        byte[] kind = bytes.clone();
        kind[1] = 42;
        assertTrue(assertThrows(RdbException.class, () -> MessageCodec.decode(kind)).getMessage().contains("kind"));
        byte[] from = bytes.clone();
        Arrays.fill(from, 2, 10, (byte) 0);
        assertThrows(RdbException.class, () -> MessageCodec.decode(from));
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
        assertThrows(RdbException.class, () -> MessageCodec.decode(longer));
        // An entry whose length runs past the end, and an entry with index 0.
        byte[] append = MessageCodec.encode(new Message.AppendRequest(1, 2, 3, 4, 3, List.of(
                new Entry(5, 3, EntryType.NORMAL, new byte[] {1})), 4));
        byte[] badLength = append.clone();
        ByteBuffer.wrap(badLength).putInt(26 + 28 + 17, 1000);
        assertThrows(RdbException.class, () -> MessageCodec.decode(badLength));
        byte[] badIndex = append.clone();
        ByteBuffer.wrap(badIndex).putLong(26 + 28, 0);
        assertThrows(RdbException.class, () -> MessageCodec.decode(badIndex));
    }
}
