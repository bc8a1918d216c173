package org.vostok.raft.sim;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.vostok.raft.Config;
import org.vostok.raft.Entry;
import org.vostok.raft.EntryType;
import org.vostok.raft.HardState;
import org.vostok.raft.MembershipChange;
import org.vostok.raft.MemoryStorage;
import org.vostok.raft.Message;
import org.vostok.raft.RaftNode;
import org.vostok.raft.ReadRefused;
import org.vostok.raft.ReadState;
import org.vostok.raft.Ready;
import org.vostok.raft.ReceivedSnapshotChunk;
import org.vostok.raft.Role;
import org.vostok.raft.SnapshotChunkRequest;
import org.vostok.raft.SnapshotMetadata;

/**
 * One simulated replica: a {@link RaftNode} over a {@link MemoryStorage}, a state machine, the
 * snapshot contents it keeps, and a disk that takes time. It carries out each {@link Ready} in
 * the order of the contract written on {@link RaftNode}:
 *
 * <ol>
 *   <li>writes the received snapshot chunks to its staging copy and installs a snapshot;</li>
 *   <li>writes the entries and the hard state, which become durable only when the disk is done,
 *       {@code diskLatency} ticks later, while the node keeps taking ticks and messages;</li>
 *   <li>sends {@link Ready#messages()} at once, and {@link Ready#messagesAfterPersist()} only
 *       once the writes are durable;</li>
 *   <li>applies the committed entries, answers reads, supplies snapshot chunks;</li>
 *   <li>calls {@link RaftNode#advance}.</li>
 * </ol>
 * A crash loses whatever was not durable (MemoryStorage keeps the durable part apart), the
 * state machine and the staging copy; the restarted node is rebuilt from the durable storage
 * and the snapshot content that matches it.
 *
 * <p>Each host has its own monotonic clock: virtual time, {@link org.vostok.raft.Config#tickNanos()}
 * per simulated tick, from an origin of its own. A host can stall ({@link #stall}): its clock runs
 * on while it takes no tick, no message and no Ready, and reads asked of it wait in its queue.
 */
final class SimHost {

    final long id;
    final Config config;
    final MemoryStorage storage;
    private final Simulation sim;

    /** The running node, or null while the host is down. */
    RaftNode node;
    /** Starts at 0 and counts restarts; seeds each life's RandomSource. */
    int incarnation;
    SimStateMachine state;
    /** Snapshot contents by index: durable (a compaction writes its snapshot first; see install). */
    private final Map<Long, byte[]> snapshotContents = new HashMap<>();
    private ByteArrayOutputStream staging = new ByteArrayOutputStream();
    /** The snapshot whose chunks the staging copy holds (from the chunk at offset 0). */
    private SnapshotMetadata stagingSnapshot = SnapshotMetadata.EMPTY;
    /**
     * In seeds that draw {@link SimOptions#stagingKeptOnDisk()}, hosts with even ids keep the
     * staging copy on disk, as rdb does, and tell their node after a restart how much of which
     * snapshot they hold ({@link RaftNode#resumeIncomingSnapshot}); other hosts keep it in memory
     * and start over.
     */
    private final boolean stagingDurable;
    /** The staging copy as of the last sync, which a crash leaves on a host that keeps it on disk. */
    private byte[] durableStaging = new byte[0];
    private SnapshotMetadata durableStagingSnapshot = SnapshotMetadata.EMPTY;
    /** The hard state as of the last sync. */
    private HardState durableHardState;

    /** The Ready whose writes are not durable yet, or null; completed at {@link #persistDoneTick}. */
    private Ready persisting;
    private long persistDoneTick;
    /** Reads the core confirmed, answered once the state machine reaches their index. */
    private final List<ConfirmedRead> confirmedReads = new ArrayList<>();

    /** When the host is down, the tick it comes back at. */
    long restartTick;

    /** The host is stalled before this tick; it resumes at it. */
    private long stalledUntil;
    /** Reads its clients asked while it stalled, taken first when it resumes; at most {@link #STALLED_READS_MAX}. */
    private final List<SafetyChecker.ClientRead> readsQueuedWhileStalled = new ArrayList<>();
    /** The reads a stalled host's queue holds at most; more are refused (the client's request times out). */
    static final int STALLED_READS_MAX = 64;
    /** The path counted when a leader crashes before its term is durable ({@link SafetyChecker#onCrash}). */
    static final String LEADER_TERM_LOST = "leader crashed before its term was durable; its proposals are lost";
    /** Where this host's clock starts: real monotonic clocks have arbitrary origins, negative ones too. */
    private final long clockOriginNanos;

    // What the checker saw of this life of the node.
    long seenTerm;
    long seenCommit;

    private record ConfirmedRead(SafetyChecker.ClientRead read, long index) {
    }

    SimHost(Simulation sim, Config config, MemoryStorage storage) {
        this.sim = sim;
        this.id = config.id();
        this.config = config;
        this.storage = storage;
        this.durableHardState = storage.hardState();
        this.stagingDurable = sim.options.stagingKeptOnDisk() && id % 2 == 0;
        this.clockOriginNanos = (id - 4) * 3_600_000_000_000L;
        SimStateMachine empty = new SimStateMachine(storage.snapshot().index());
        snapshotContents.put(storage.snapshot().index(), empty.encode());
        start();
    }

    boolean isUp() {
        return node != null;
    }

    private void start() {
        long snapshotIndex = storage.snapshot().index();
        byte[] content = snapshotContents.get(snapshotIndex);
        if (content == null) {
            throw new AssertionError("host " + id + " has no content for its durable " + storage.snapshot());
        }
        state = SimStateMachine.decode(content);
        SplittableRandom r = new SplittableRandom(sim.options.seed() * 0x9E3779B97F4A7C15L + id * 7919 + incarnation);
        node = new RaftNode(config, storage, r::nextInt, this::clockNanos);
    }

    /** This host's monotonic clock: the simulation's virtual time from this host's origin. */
    private long clockNanos() {
        return clockOriginNanos + sim.now() * config.tickNanos();
    }

    /** Whether the host is up but stalled at {@code now}: it takes no tick, message or Ready. */
    boolean isStalled(long now) {
        return node != null && now < stalledUntil;
    }

    /** The host stalls until {@code untilTick}; its clock runs on meanwhile. */
    void stall(long now, long untilTick) {
        stalledUntil = untilTick;
        sim.trace.add(now, id, "stalls", "until t=" + untilTick + " (" + (untilTick - now) + " ticks)");
    }

    /** Ends the stall now (the faults heal). */
    void endStall(long now) {
        if (isStalled(now)) {
            stalledUntil = now;
        }
    }

    long stalledUntil() {
        return stalledUntil;
    }

    /**
     * A client asks the stalled host for a read: it waits in the host's queue; returns false when
     * the queue is full (the read is refused).
     */
    boolean queueRead(SafetyChecker.ClientRead read) {
        if (readsQueuedWhileStalled.size() >= STALLED_READS_MAX) {
            return false;
        }
        readsQueuedWhileStalled.add(read);
        return true;
    }

    /** The reads queued while the host stalled, in order, taken off the queue. */
    List<SafetyChecker.ClientRead> takeQueuedReads() {
        List<SafetyChecker.ClientRead> reads = List.copyOf(readsQueuedWhileStalled);
        readsQueuedWhileStalled.clear();
        return reads;
    }

    /** The machine stops: everything not durable is gone. */
    void crash(long now) {
        long commitBefore = node.commitIndex();
        storage.crash();
        durableHardState = storage.hardState();
        node = null;
        if (sim.checker.onCrash(this, durableHardState.term()) > 0) {
            sim.count(LEADER_TERM_LOST);
        }
        persisting = null;
        stalledUntil = 0;
        for (SafetyChecker.ClientRead r : takeQueuedReads()) {
            sim.checker.onReadRefused(r.requestId());
        }
        staging = new ByteArrayOutputStream();
        stagingSnapshot = SnapshotMetadata.EMPTY;
        if (stagingDurable) {
            staging.writeBytes(durableStaging);
            stagingSnapshot = durableStagingSnapshot;
        }
        confirmedReads.clear();
        seenCommit = commitBefore;
        sim.trace.add(now, id, "crash", "durable " + storage.hardState() + " last=" + storage.lastIndex()
                + " " + storage.snapshot());
    }

    /** The machine comes back and the node restarts from its storage. */
    void restart(long now) {
        long commitBefore = seenCommit;
        incarnation++;
        start();
        sim.trace.add(now, id, "restart", "incarnation " + incarnation + ", " + state);
        sim.checker.observeRestart(this, commitBefore);
        if (staging.size() > 0) {
            if (node.resumeIncomingSnapshot(stagingSnapshot, staging.size())) {
                sim.trace.add(now, id, "resumes", stagingSnapshot + " at " + staging.size());
                sim.count("incoming snapshot resumed after a restart");
            } else {
                staging = new ByteArrayOutputStream();
                stagingSnapshot = SnapshotMetadata.EMPTY;
            }
        }
    }

    // ----------------------------------------------------------------------------------------
    // The Ready contract

    /** Takes and starts carrying out the next Ready, if there is one and none is in progress. */
    boolean handleReady(long now) {
        if (node == null || isStalled(now) || persisting != null || !node.hasReady()) {
            return false;
        }
        Ready rd = node.ready();
        sim.trace.add(now, id, "ready", describe(rd));
        if (describe(rd).equals("(nothing)")) {
            SafetyChecker.fail("node " + id + "'s hasReady() said a Ready was there, but it holds nothing");
        }
        // 1. Snapshot first. Sometimes the host cannot write a chunk: it gives the snapshot up
        // and the leader starts over (a chunk that completes the snapshot is always written).
        boolean writeFails = !rd.receivedSnapshotChunks().isEmpty() && rd.snapshot().isEmpty()
                && sim.hostRandom.nextDouble() < sim.snapshotFailPerChunk;
        if (writeFails && node.abortIncomingSnapshot()) {
            sim.trace.add(now, id, "snapshot write failed", rd.receivedSnapshotChunks());
            sim.count("snapshot chunk write failed by the host");
            staging = new ByteArrayOutputStream();
            stagingSnapshot = SnapshotMetadata.EMPTY;
        }
        for (ReceivedSnapshotChunk c : writeFails ? List.<ReceivedSnapshotChunk>of() : rd.receivedSnapshotChunks()) {
            if (c.offset() == 0) {
                staging = new ByteArrayOutputStream();
                stagingSnapshot = c.snapshot();
            }
            if (c.offset() != staging.size() || !c.snapshot().equals(stagingSnapshot)) {
                SafetyChecker.fail("host " + id + " is handed a chunk of " + c.snapshot() + " at offset " + c.offset()
                        + " while its staging copy holds " + staging.size() + " bytes of " + stagingSnapshot
                        + ": chunks must come in order");
            }
            staging.writeBytes(c.data());
        }
        rd.snapshot().ifPresent(this::installSnapshot);
        // 2. Persist: written now, durable when the disk is done.
        if (!rd.entries().isEmpty()) {
            storage.append(rd.entries());
            for (Entry e : rd.entries()) {
                sim.checker.onEntryWritten(this, e, storage.term(e.index() - 1));
            }
        }
        rd.hardState().ifPresent(storage::setHardState);
        // 3. Messages that may leave before the writes are durable: only those of a term that is
        // durable already (a crash now must not leave a vote or an acknowledgement behind).
        for (Message m : rd.messages()) {
            if (m.term() != durableHardState.term()) {
                SafetyChecker.fail("node " + id + " hands " + m + " to send before its writes are durable, but its"
                        + " durable term is " + durableHardState.term());
            }
            sim.network.send(now, m);
        }
        persisting = rd;
        int latency = rd.isPersistEmpty() || sim.diskLatencyTicksMax == 0
                ? 0 : sim.hostRandom.nextInt(sim.diskLatencyTicksMax + 1);
        persistDoneTick = now + latency;
        if (latency == 0) {
            finishReady(now);
        }
        return true;
    }

    /** Finishes the Ready in progress if its writes are durable by {@code now}. */
    boolean finishReadyIfDurable(long now) {
        if (node == null || isStalled(now) || persisting == null || persistDoneTick > now) {
            return false;
        }
        finishReady(now);
        return true;
    }

    private void finishReady(long now) {
        Ready rd = persisting;
        storage.sync();
        if (stagingDurable) {
            durableStaging = staging.toByteArray();
            durableStagingSnapshot = stagingSnapshot;
        }
        durableHardState = storage.hardState();
        // 3. The messages that waited for the writes.
        for (Message m : rd.messagesAfterPersist()) {
            sim.network.send(now, m);
        }
        // 4. Apply, answer reads, supply snapshot chunks.
        for (Entry e : rd.committedEntries()) {
            if (e.type() == EntryType.MEMBERSHIP && e.index() > sim.checker.maxApplied) {
                MembershipChange change = MembershipChange.decode(e.data());
                sim.count("membership change committed: " + change.type()
                        + (change.type() == MembershipChange.Type.REMOVE && change.node() == id
                                && node.role() == Role.LEADER ? " (the leader itself)" : ""));
            }
            sim.checker.onApplied(this, e);
        }
        for (ReadState rs : rd.readStates()) {
            SafetyChecker.ClientRead r = sim.checker.onReadConfirmed(this, rs.requestId(), rs.index());
            if (r != null) {
                confirmedReads.add(new ConfirmedRead(r, rs.index()));
            }
        }
        for (ReadRefused rr : rd.readsRefused()) {
            sim.checker.onReadRefused(rr.requestId());
            sim.count("read refused: " + rr.refusal().reason());
        }
        for (SnapshotChunkRequest req : rd.snapshotChunkRequests()) {
            supplyChunk(now, req);
        }
        // 5. Acknowledge.
        persisting = null;
        node.advance(rd);
        serveReads();
        sim.observe(this);
    }

    private void installSnapshot(SnapshotMetadata s) {
        if (!s.equals(stagingSnapshot)) {
            SafetyChecker.fail("host " + id + " is asked to install " + s + " but its staging copy holds "
                    + staging.size() + " bytes of " + stagingSnapshot);
        }
        byte[] content = staging.toByteArray();
        SimStateMachine installed = SimStateMachine.decode(content);
        sim.checker.onSnapshotInstalled(this, s, installed);
        sim.count(s.index() == sim.checker.foundingIndex() ? "founding snapshot installed (new member)"
                : "snapshot installed");
        // The content is written durably before the log points at it, so that a crash leaves
        // either the old snapshot with its content or the new one with its content.
        snapshotContents.put(s.index(), content);
        storage.installSnapshot(s);
        state = installed;
        staging = new ByteArrayOutputStream();
        stagingSnapshot = SnapshotMetadata.EMPTY;
    }

    private void supplyChunk(long now, SnapshotChunkRequest req) {
        byte[] content = snapshotContents.get(req.snapshot().index());
        if (content == null || sim.hostRandom.nextDouble() < sim.snapshotFailPerChunk) {
            sim.trace.add(now, id, "snapshot read failed", req);
            sim.count("snapshot chunk failed by the host");
            node.reportSnapshotFailed(req.peer());
            return;
        }
        int from = (int) Math.min(req.offset(), content.length);
        int to = (int) Math.min(content.length, from + (long) req.bytesMax());
        byte[] chunk = Arrays.copyOfRange(content, from, to);
        node.supplySnapshotChunk(req.peer(), req.snapshot(), req.offset(), chunk, to == content.length);
    }

    /** Answers the confirmed reads the state machine has caught up with. */
    private void serveReads() {
        for (Iterator<ConfirmedRead> it = confirmedReads.iterator(); it.hasNext(); ) {
            ConfirmedRead c = it.next();
            if (state.appliedIndex >= c.index) {
                sim.checker.onReadServed(this, c.read);
                sim.count(node.role() == Role.LEADER
                        ? (config.leaseReads() ? "read served by a leader (lease)" : "read served by a leader")
                        : "read served by a follower");
                it.remove();
            }
        }
    }

    // ----------------------------------------------------------------------------------------
    // Host actions

    /**
     * Compacts the log up to the applied index, when nothing is being written (MemoryStorage
     * compacts only durable entries). Returns whether it did.
     */
    boolean compact(long now) {
        long index = state.appliedIndex;
        if (node == null || isStalled(now) || persisting != null || !storage.isSynced()
                || index <= storage.snapshot().index()
                || index != node.appliedIndex()) {
            return false;
        }
        sim.checker.onCompacted(this, index);
        snapshotContents.put(index, state.encode());
        storage.compact(index, node.membershipAt(index));
        sim.trace.add(now, id, "compact", storage.snapshot());
        return true;
    }

    boolean isPersisting() {
        return persisting != null;
    }

    private static String describe(Ready rd) {
        StringBuilder b = new StringBuilder();
        rd.softState().ifPresent(s -> b.append(" soft=[").append(s).append(']'));
        rd.hardState().ifPresent(s -> b.append(" hard=[").append(s).append(']'));
        rd.snapshot().ifPresent(s -> b.append(" install=[").append(s).append(']'));
        if (!rd.receivedSnapshotChunks().isEmpty()) {
            b.append(" chunks=").append(rd.receivedSnapshotChunks().size());
        }
        if (!rd.entries().isEmpty()) {
            b.append(" write=").append(span(rd.entries()));
        }
        if (!rd.committedEntries().isEmpty()) {
            b.append(" apply=").append(span(rd.committedEntries()));
        }
        if (!rd.messages().isEmpty()) {
            b.append(" send=").append(rd.messages().size());
        }
        if (!rd.messagesAfterPersist().isEmpty()) {
            b.append(" sendAfterPersist=").append(rd.messagesAfterPersist().size());
        }
        if (!rd.readStates().isEmpty()) {
            b.append(" reads=").append(rd.readStates());
        }
        if (!rd.readsRefused().isEmpty()) {
            b.append(" readsRefused=").append(rd.readsRefused().size());
        }
        if (!rd.snapshotChunkRequests().isEmpty()) {
            b.append(" chunkRequests=").append(rd.snapshotChunkRequests());
        }
        rd.membership().ifPresent(m -> b.append(" membership=[").append(m).append(']'));
        return b.length() == 0 ? "(nothing)" : b.substring(1);
    }

    private static String span(List<Entry> entries) {
        Entry first = entries.get(0);
        Entry last = entries.get(entries.size() - 1);
        return entries.size() == 1 ? first.toString() : "[" + first + " .. " + last + "]";
    }

    @Override
    public String toString() {
        if (node == null) {
            return "host " + id + " down (restarts at t=" + restartTick + ")";
        }
        return "host " + id + " " + node.role() + " term=" + node.term() + " leader=" + node.leader() + " commit="
                + node.commitIndex() + " applied=" + node.appliedIndex() + " last=" + node.lastIndex() + " "
                + node.membership() + " stored=" + storage.snapshot().index() + ".." + storage.lastIndex()
                + (persisting != null ? " persisting" : "")
                + (isStalled(sim.now()) ? " stalled until t=" + stalledUntil : "");
    }
}
