package org.vostok.raft;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A host for one {@link RaftNode} in tests: a {@link MemoryStorage}, a state machine that is the
 * list of applied entries' data, and snapshots of that list. It carries out each {@link Ready}
 * exactly in the order the node's contract says and keeps the messages to send in an outbox
 * that the test's network delivers. A crash drops what was not synced and restarts the node from
 * its storage and its last snapshot, as a real host would.
 */
final class MemoryHost {

    final long id;
    final Config config;
    final long seed;
    MemoryStorage storage;
    RaftNode node;
    /**
     * The host's monotonic clock: it moves on by one tick's length with each {@link #tick()}, and
     * by more when the host stalls ({@link #stall}); it keeps running across a crash.
     */
    final ManualClock clock;

    /** The state machine: the data of every applied normal entry, in order. */
    final List<byte[]> applied = new ArrayList<>();
    /** Snapshot contents this host holds, by snapshot index (its own and the one installed). */
    final Map<Long, byte[]> snapshots = new HashMap<>();
    private ByteArrayOutputStream staging = new ByteArrayOutputStream();
    /** The snapshot whose content {@link #staging} holds, or null. */
    private SnapshotMetadata stagingSnapshot;

    final List<Message> outbox = new ArrayList<>();
    final List<ReadState> readStates = new ArrayList<>();
    final List<ReadRefused> readsRefused = new ArrayList<>();

    MemoryHost(Config config, MemoryStorage storage, long seed) {
        this.id = config.id();
        this.config = config;
        this.seed = seed;
        this.storage = storage;
        snapshots.put(storage.snapshot().index(), encode(List.of()));
        // Each host's clock has its own origin, as real monotonic clocks do.
        this.clock = new ManualClock((id - 2) * 1_000_000_000_000L);
        this.node = new RaftNode(config, storage, random(seed, id, 0), clock);
    }

    /** One tick: the clock moves on by one tick's length, then the node ticks. */
    void tick() {
        clock.advance(config.tickNanos());
        node.tick();
    }

    /**
     * The host stalls for {@code ticks} ticks' worth of time (a GC pause, a descheduled process):
     * its clock moves on, but the node takes none of the ticks it missed.
     */
    void stall(int ticks) {
        clock.advance(ticks * config.tickNanos());
    }

    static RandomSource random(long seed, long id, int incarnation) {
        SplittableRandom r = new SplittableRandom(seed * 1_000_003L + id * 7919L + incarnation);
        return r::nextInt;
    }

    /** Carries out one Ready if there is one; returns it, or null. */
    Ready handleReady() {
        if (!node.hasReady()) {
            return null;
        }
        Ready rd = node.ready();
        // 1. Snapshot first.
        for (ReceivedSnapshotChunk c : rd.receivedSnapshotChunks()) {
            if (c.offset() == 0) {
                staging = new ByteArrayOutputStream();
                stagingSnapshot = c.snapshot();
            }
            if (staging.size() != c.offset()) {
                throw new AssertionError("node " + id + ": chunk at " + c.offset() + " but staging holds " + staging.size());
            }
            staging.writeBytes(c.data());
        }
        rd.snapshot().ifPresent(s -> {
            byte[] content = staging.toByteArray();
            storage.installSnapshot(s);
            snapshots.put(s.index(), content);
            applied.clear();
            applied.addAll(decode(content));
        });
        // 2. Persist.
        storage.append(rd.entries());
        rd.hardState().ifPresent(storage::setHardState);
        storage.sync();
        // 3. Send (both lists: the network queues them; the early ones could have gone first).
        outbox.addAll(rd.messages());
        outbox.addAll(rd.messagesAfterPersist());
        // 4. Apply.
        for (Entry e : rd.committedEntries()) {
            if (e.type() == EntryType.NORMAL && !e.isEmpty()) {
                applied.add(e.data());
            }
        }
        readStates.addAll(rd.readStates());
        readsRefused.addAll(rd.readsRefused());
        for (SnapshotChunkRequest r : rd.snapshotChunkRequests()) {
            supplyChunk(r);
        }
        // 5. Acknowledge.
        node.advance(rd);
        return rd;
    }

    private void supplyChunk(SnapshotChunkRequest r) {
        byte[] content = snapshots.get(r.snapshot().index());
        if (content == null) {
            node.reportSnapshotFailed(r.peer());
            return;
        }
        int from = (int) Math.min(r.offset(), content.length);
        int to = (int) Math.min(content.length, from + (long) r.bytesMax());
        byte[] chunk = java.util.Arrays.copyOfRange(content, from, to);
        node.supplySnapshotChunk(r.peer(), r.snapshot(), r.offset(), chunk, to == content.length);
    }

    /** Snapshots the state machine at the applied index and compacts the log up to it. */
    void compact() {
        long index = node.appliedIndex();
        snapshots.put(index, encode(applied));
        storage.compact(index, node.membershipAt(index));
    }

    /** Loses everything not synced and restarts the node from storage and its snapshot. */
    void crashAndRestart(int incarnation) {
        storage.crash();
        outbox.clear();
        staging = new ByteArrayOutputStream();
        stagingSnapshot = null;
        applied.clear();
        applied.addAll(decode(snapshots.getOrDefault(storage.snapshot().index(), encode(List.of()))));
        node = new RaftNode(config, storage, random(seed, id, incarnation), clock);
    }

    /**
     * Like {@link #crashAndRestart}, but the staging copy of an incoming snapshot survives (as a
     * host that keeps it on disk does) and the restarted node is told how much of it is there.
     */
    void crashAndRestartKeepingSnapshot(int incarnation) {
        ByteArrayOutputStream kept = staging;
        SnapshotMetadata keptSnapshot = stagingSnapshot;
        crashAndRestart(incarnation);
        if (keptSnapshot != null) {
            staging = kept;
            stagingSnapshot = keptSnapshot;
            node.resumeIncomingSnapshot(keptSnapshot, kept.size());
        }
    }

    List<Message> takeOutbox() {
        List<Message> out = new ArrayList<>(outbox);
        outbox.clear();
        return out;
    }

    static byte[] encode(List<byte[]> items) {
        int size = 4;
        for (byte[] b : items) {
            size += 4 + b.length;
        }
        ByteBuffer buf = ByteBuffer.allocate(size);
        buf.putInt(items.size());
        for (byte[] b : items) {
            buf.putInt(b.length).put(b);
        }
        return buf.array();
    }

    static List<byte[]> decode(byte[] content) {
        ByteBuffer buf = ByteBuffer.wrap(content);
        int n = buf.getInt();
        List<byte[]> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] b = new byte[buf.getInt()];
            buf.get(b);
            items.add(b);
        }
        return items;
    }
}
