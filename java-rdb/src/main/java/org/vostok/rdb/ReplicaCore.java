package org.vostok.rdb;

import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;
import org.vostok.raft.RaftNode;
import org.vostok.raft.Refusal;
import org.vostok.raft.Role;
import org.vostok.rdb.model.LeaderHint;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.store.RdbStore;

/**
 * The replica's Raft core, which the loop replaces when it restarts it from the store (a write
 * that found the pool full, a term given up), and what every part of the loop asks of it: the
 * term it leads, the leader hint, the error a refusal maps to. Owned by the replica's thread.
 */
final class ReplicaCore {

    private final long id;
    private final RdbConfig config;
    private final RdbStore store;
    private final SplittableRandom random;
    private RaftNode node;

    ReplicaCore(RdbConfig config, RdbStore store, long applied) {
        this.id = store.replicaId();
        this.config = config;
        this.store = store;
        this.random = new SplittableRandom(config.randomSeed() ^ (id * 0x9E3779B97F4A7C15L));
        this.node = new RaftNode(config.raftConfig(id), store, random::nextInt, System::nanoTime, applied);
    }

    /** The core in use now: never keep it across a call that may restart it. */
    RaftNode node() {
        return node;
    }

    long id() {
        return id;
    }

    /**
     * A new core from what the store holds, as a restart of the process would make, with
     * everything up to {@code applied} applied: what the old one held that was not written is
     * forgotten.
     */
    void restart(long applied) {
        node = new RaftNode(config.raftConfig(id), store, random::nextInt, System::nanoTime, applied);
    }

    /** The term this replica leads, or 0 when it does not lead. */
    long leading() {
        return node.role() == Role.LEADER ? node.term() : 0;
    }

    /** The leader this replica knows, other than itself. */
    Optional<LeaderHint> hint() {
        long leader = node.leader();
        return leader != RaftNode.NONE && leader != id ? Optional.of(new LeaderHint(leader, node.term()))
                : Optional.empty();
    }

    String hintText() {
        return hint().map(h -> "; the leader it knows is " + h).orElse("; it knows no leader");
    }

    /** A sentence on this replica's role, for refusals. */
    String roleText() {
        return node.role().name().toLowerCase(Locale.ROOT) + " in term " + node.term();
    }

    /** The error a refusal of the core maps to. */
    RdbException refusal(Refusal r) {
        return switch (r.reason()) {
            case UNCOMMITTED_BYTES_FULL, READS_PENDING_FULL, MEMBERSHIP_CHANGE_PENDING, LEADER_NOT_READY ->
                    new RdbException(RdbError.BUSY, r.message());
            case ENTRY_TOO_LARGE -> new RdbException(RdbError.TOOBIG, r.message());
            case INVALID_MEMBERSHIP_CHANGE, INVALID_TRANSFER_TARGET -> new RdbException(RdbError.INVAL, r.message());
            default -> RdbException.notLeader("replica " + id + ": " + r.message(), hint());
        };
    }
}
