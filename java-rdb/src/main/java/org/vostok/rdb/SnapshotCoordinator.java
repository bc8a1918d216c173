package org.vostok.rdb;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vostok.raft.HardState;
import org.vostok.raft.Message;
import org.vostok.raft.PeerStatus;
import org.vostok.raft.RaftNode;
import org.vostok.raft.Ready;
import org.vostok.raft.ReceivedSnapshotChunk;
import org.vostok.raft.SnapshotChunkRequest;
import org.vostok.raft.SnapshotMetadata;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.store.RdbStore;
import org.vostok.rdb.store.SnapshotStaging;

/**
 * Snapshots both ways. <b>Incoming</b>: the chunks a follower receives are written to a staging
 * container ({@link SnapshotStaging}) that survives a restart, and the snapshot is installed once
 * complete. <b>Outgoing</b>: the chunks a leader's core asks for are read by the
 * {@link SnapshotSender} thread, their epoch pinned against aggregation while the peer receives
 * it.
 *
 * <p>Owned by the replica's thread.
 */
final class SnapshotCoordinator {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotCoordinator.class);

    /** How often a refused snapshot is logged per peer at most. */
    private static final long WARNING_INTERVAL_NANOS = 10_000_000_000L;

    /** What {@link #receive} found: everything taken, a snapshot dropped, or the core to restart. */
    record Received(long droppedSnapshot, String restartCore) {
        static final Received ALL = new Received(0, "");

        boolean restart() {
            return !restartCore.isEmpty();
        }
    }

    private final ReplicaCore core;
    private final RdbStore store;
    private final ReadPins pins;
    private final SnapshotSender sender;
    private final long id;

    /** The snapshot being received, if any: found at start, or begun since. */
    private SnapshotStaging staging;
    /** The epoch pinned for each peer that receives a snapshot from this leader. */
    private final Map<Long, ReadPins.Pin> outgoing = new HashMap<>();
    private final Map<Long, Long> warnedNanos = new HashMap<>();

    SnapshotCoordinator(ReplicaCore core, RdbStore store, ReadPins pins, SnapshotSender sender) {
        this.core = core;
        this.store = store;
        this.pins = pins;
        this.sender = sender;
        this.id = core.id();
        this.staging = store.resumableSnapshot().orElse(null);
        if (staging != null && !core.node().resumeIncomingSnapshot(staging.snapshot(), staging.nextOffset())
                && staging.nextOffset() > 0) {
            LOG.info("replica {}: the staged {} is no longer needed", id, staging);
            store.abandonSnapshot(staging);
            staging = null;
        }
    }

    /** The core was restarted: it learns again where the staged copy ends. */
    void coreRestarted() {
        if (staging != null) {
            core.node().resumeIncomingSnapshot(staging.snapshot(), staging.nextOffset());
        }
        releaseOutgoing();
    }

    long incomingIndex() {
        return staging == null ? 0 : staging.snapshot().index();
    }

    long incomingBytes() {
        return staging == null ? 0 : staging.nextOffset();
    }

    // ----------------------------------------------------------------------------------------
    // Incoming

    /** Writes the chunks the Ready received to the staging container. */
    Received receive(Ready rd) {
        RaftNode node = core.node();
        for (ReceivedSnapshotChunk c : rd.receivedSnapshotChunks()) {
            try {
                if (staging != null && !staging.snapshot().equals(c.snapshot())) {
                    if (c.snapshot().index() < staging.snapshot().index() && node.term() == staging.leaderTerm()) {
                        // The leader that sent the staged snapshot leads still, and its base only moves
                        // forward: this chunk is of an older transfer, delayed. Keep the staged copy.
                        LOG.info("replica {}: dropping a stale chunk of snapshot {} while {} comes in", id,
                                c.snapshot().index(), staging);
                        node.resumeIncomingSnapshot(staging.snapshot(), staging.nextOffset());
                        return new Received(c.snapshot().index(), "");
                    }
                    abandon("snapshot " + c.snapshot().index() + " replaces it");
                } else if (staging != null && c.offset() == 0 && staging.nextOffset() > 0) {
                    abandon("the leader started it over");
                }
                if (staging == null) {
                    if (c.offset() != 0) {
                        throw new RdbException(RdbError.INVAL, "a chunk at " + c.offset() + " of snapshot "
                                + c.snapshot().index() + " came without the chunks before it");
                    }
                    staging = store.beginSnapshot(c.snapshot(), node.term());
                    LOG.info("replica {}: receiving snapshot {}/{} from replica {}", id, c.snapshot().index(),
                            c.snapshot().term(), node.leader());
                }
                if (!staging.write(c.offset(), c.data())) {
                    LOG.debug("replica {}: ignored a duplicate chunk at {} of {}", id, c.offset(), staging);
                }
            } catch (RdbException e) {
                if (e.error() != RdbError.INVAL && e.error() != RdbError.NOSPACE && e.error() != RdbError.TOOBIG) {
                    throw e;
                }
                LOG.warn("replica {}: dropping incoming snapshot {}: {}", id, c.snapshot().index(), e.getMessage());
                abandon("it cannot be taken");
                if (rd.snapshot().isPresent()) {
                    // The core took the snapshot as received already: only a restart from the store undoes it.
                    return new Received(c.snapshot().index(), "it could not take snapshot " + c.snapshot().index());
                }
                node.abortIncomingSnapshot();
                return new Received(c.snapshot().index(), "");
            }
        }
        return Received.ALL;
    }

    private void abandon(String why) {
        if (staging != null) {
            LOG.info("replica {}: dropping the {}: {}", id, staging, why);
            store.abandonSnapshot(staging);
            staging = null;
        }
    }

    /**
     * Installs the received snapshot {@code s} with {@code hardState}, the background work
     * paused around it. Returns why the core must be restarted when it could not be installed
     * (no complete copy, a full pool), or an empty string.
     */
    String install(SnapshotMetadata s, HardState hardState, Maintenance maintenance) {
        if (staging == null || !staging.snapshot().equals(s)) {
            return "it was told to install snapshot " + s.index() + " but holds no complete copy of it";
        }
        long oldBase = store.snapshot().index();
        maintenance.pause();
        try {
            store.installSnapshot(staging, hardState);
        } catch (RdbException e) {
            maintenance.resume(oldBase);
            if (e.error() != RdbError.NOSPACE) {
                throw e;
            }
            LOG.warn("replica {}: cannot install snapshot {}: {}", id, s.index(), e.getMessage());
            abandon("it could not be installed");
            return "it could not install snapshot " + s.index();
        }
        maintenance.resume(s.index());
        staging = null;
        return "";
    }

    /** The messages without the acknowledgements of chunks of the snapshot at {@code index}. */
    static List<Message> withoutChunkAcks(List<Message> messages, long index) {
        List<Message> out = new ArrayList<>(messages.size());
        for (Message m : messages) {
            if (!(m instanceof Message.SnapshotChunkResponse r && r.snapshotIndex() == index && !r.failed())) {
                out.add(m);
            }
        }
        return out;
    }

    // ----------------------------------------------------------------------------------------
    // Outgoing

    /** The core asks for chunks: each one's epoch is pinned, and the sender reads it. */
    void requestChunks(List<SnapshotChunkRequest> requests) {
        for (SnapshotChunkRequest req : requests) {
            ReadPins.Pin pin = outgoing.get(req.peer());
            if (pin == null || pin.epoch() != req.snapshot().index()) {
                if (pin != null) {
                    pin.close();
                }
                outgoing.put(req.peer(), pins.pin(req.snapshot().index()));
                LOG.info("replica {}: sending snapshot {}/{} to replica {}", id, req.snapshot().index(),
                        req.snapshot().term(), req.peer());
            }
            sender.request(req);
        }
    }

    /** The sender read a chunk: the core sends it, unless the transfer ended meanwhile. */
    void chunkReady(Request.SnapshotChunkReady c) {
        SnapshotChunkRequest req = c.request();
        if (outgoing.containsKey(req.peer())) {
            core.node().supplySnapshotChunk(req.peer(), req.snapshot(), req.offset(), c.data(), c.last());
        }
    }

    /** The sender could not read a chunk: the core gives that transfer up. */
    void chunkFailed(Request.SnapshotChunkFailed f, long nowNanos) {
        SnapshotChunkRequest req = f.request();
        core.node().reportSnapshotFailed(req.peer());
        Long warned = warnedNanos.get(req.peer());
        if (warned == null || nowNanos - warned > WARNING_INTERVAL_NANOS) {
            warnedNanos.put(req.peer(), nowNanos);
            LOG.warn("replica {}: cannot send snapshot {} to replica {}: {}", id, req.snapshot().index(),
                    req.peer(), f.error().getMessage());
        }
    }

    /** Unpins the snapshots of peers that receive none any more (they caught up, or this replica stopped leading). */
    void releaseFinished() {
        if (outgoing.isEmpty()) {
            return;
        }
        if (core.leading() == 0) {
            releaseOutgoing();
            return;
        }
        Map<Long, PeerStatus> peers = core.node().status().peers();
        Iterator<Map.Entry<Long, ReadPins.Pin>> it = outgoing.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Long, ReadPins.Pin> e = it.next();
            PeerStatus p = peers.get(e.getKey());
            if (p == null || !"SNAPSHOT".equals(p.state())) {
                e.getValue().close();
                it.remove();
            }
        }
    }

    private void releaseOutgoing() {
        outgoing.values().forEach(ReadPins.Pin::close);
        outgoing.clear();
    }

    /** The replica stops: outgoing pins are released and the sender thread ends. */
    void stopSending() {
        releaseOutgoing();
        sender.close();
    }

    /** The replica stops: a staged copy stays, with its progress, for the next start, unless nothing of it came. */
    void dropEmptyStaging() {
        if (staging != null && staging.nextOffset() == 0) {
            store.abandonSnapshot(staging);
        }
    }
}
