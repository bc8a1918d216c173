package org.vostok.rdb;

import java.util.concurrent.ThreadLocalRandom;
import org.vostok.raft.Config;
import org.vostok.rdb.store.RdbStore;
import org.vostok.rdb.store.StoreLimits;

/**
 * A replica's settings. Every limit is named with its unit last, has a default, and is checked
 * when the config is built ({@link Builder#build()} throws {@link IllegalArgumentException}
 * naming the setting, its value and what it must be). Immutable.
 *
 * @param tickMillis milliseconds per Raft tick: time in the core is counted in ticks
 * @param electionTimeoutTicks ticks without a leader before a follower stands for election
 *     (randomized up to twice this)
 * @param heartbeatTicks ticks between a leader's heartbeats
 * @param checkQuorum a leader steps down when it has not heard from a quorum for an election
 *     timeout (thesis §6.2)
 * @param preVote a node asks whether it could win before it disturbs the cluster (thesis §9.6)
 * @param leaseReads reads are confirmed by the leader's lease instead of a heartbeat round
 *     (needs checkQuorum; safe while the replicas' clocks run at about the same rate)
 * @param entryBytesMax the largest transaction, encoded, in bytes
 * @param messageBytesMax bytes of entries in one AppendRequest at most
 * @param inflightMessagesMax AppendRequests in flight to one follower at most
 * @param uncommittedBytesMax bytes the leader holds uncommitted before it refuses commits (BUSY)
 * @param readRequestsPendingMax read requests the leader confirms at once, at most
 * @param snapshotChunkBytesMax the largest snapshot chunk sent
 * @param inboundMessagesMax Raft messages queued for the replica's thread at most; more are dropped
 *     (Raft resends)
 * @param requestsPendingMax transactions and reads queued for the replica's thread at most; more
 *     are refused with BUSY
 * @param readTimeoutMillis how long a read waits for its read index before it fails with TIMEDOUT
 * @param commitTimeoutMillis how long a commit waits to be applied before it fails with TIMEDOUT
 *     (its outcome then unknown)
 * @param entryCacheBytesMax bytes of the newest entries kept in memory for replication
 * @param vosOperationsPerTransactionMax VOS operations in one persist transaction at most
 * @param randomSeed the seed of the randomized election timeouts
 */
public record RdbConfig(
        int tickMillis,
        int electionTimeoutTicks,
        int heartbeatTicks,
        boolean checkQuorum,
        boolean preVote,
        boolean leaseReads,
        long entryBytesMax,
        long messageBytesMax,
        int inflightMessagesMax,
        long uncommittedBytesMax,
        int readRequestsPendingMax,
        int snapshotChunkBytesMax,
        int inboundMessagesMax,
        int requestsPendingMax,
        long readTimeoutMillis,
        long commitTimeoutMillis,
        long entryCacheBytesMax,
        int vosOperationsPerTransactionMax,
        long randomSeed) {

    public static Builder builder() {
        return new Builder();
    }

    /** The defaults. */
    public static RdbConfig defaults() {
        return builder().build();
    }

    /** Checks every setting; see the class comment. */
    public RdbConfig validate() {
        require(tickMillis > 0 && tickMillis <= 60_000, "tickMillis must be 1 .. 60000, got " + tickMillis);
        require(entryBytesMax > 0 && entryBytesMax <= RdbStore.ENTRY_BYTES_MAX, "entryBytesMax must be 1 .. "
                + RdbStore.ENTRY_BYTES_MAX + " (what one stored entry holds), got " + entryBytesMax);
        require(inboundMessagesMax > 0, "inboundMessagesMax must be above 0, got " + inboundMessagesMax);
        require(requestsPendingMax > 0, "requestsPendingMax must be above 0, got " + requestsPendingMax);
        require(readTimeoutMillis > 0, "readTimeoutMillis must be above 0, got " + readTimeoutMillis);
        require(commitTimeoutMillis > 0, "commitTimeoutMillis must be above 0, got " + commitTimeoutMillis);
        try {
            storeLimits();
            raftConfig(1);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid rdb config: " + e.getMessage(), e);
        }
        return this;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("invalid rdb config: " + message);
        }
    }

    /** The Raft core's config for replica {@code id}. */
    public Config raftConfig(long id) {
        return Config.builder(id)
                .electionTimeoutTicks(electionTimeoutTicks)
                .heartbeatTimeoutTicks(heartbeatTicks)
                .checkQuorum(checkQuorum)
                .preVote(preVote)
                .leaseReads(leaseReads)
                .entryBytesMax(entryBytesMax)
                .messageBytesMax(messageBytesMax)
                .inflightMessagesMax(inflightMessagesMax)
                .inflightBytesMax(Math.max(messageBytesMax, (long) inflightMessagesMax * messageBytesMax / 8))
                .uncommittedBytesMax(uncommittedBytesMax)
                .readRequestsPendingMax(readRequestsPendingMax)
                .snapshotChunkBytesMax(snapshotChunkBytesMax)
                .build();
    }

    /** The store's limits. */
    public StoreLimits storeLimits() {
        return new StoreLimits(entryCacheBytesMax, vosOperationsPerTransactionMax);
    }

    /** Builds an {@link RdbConfig}; every setting starts at its default. */
    public static final class Builder {
        private int tickMillis = 50;
        private int electionTimeoutTicks = 20;
        private int heartbeatTicks = 2;
        private boolean checkQuorum = true;
        private boolean preVote = true;
        private boolean leaseReads = false;
        private long entryBytesMax = RdbStore.ENTRY_BYTES_MAX;
        private long messageBytesMax = 1L << 20;
        private int inflightMessagesMax = 256;
        private long uncommittedBytesMax = 64L << 20;
        private int readRequestsPendingMax = 4096;
        private int snapshotChunkBytesMax = 1 << 20;
        private int inboundMessagesMax = 16384;
        private int requestsPendingMax = 16384;
        private long readTimeoutMillis = 10_000;
        private long commitTimeoutMillis = 60_000;
        private long entryCacheBytesMax = 16L << 20;
        private int vosOperationsPerTransactionMax = StoreLimits.DEFAULT.vosOperationsPerTransactionMax();
        private long randomSeed = ThreadLocalRandom.current().nextLong();

        private Builder() {
        }

        public Builder tickMillis(int v) { tickMillis = v; return this; }
        public Builder electionTimeoutTicks(int v) { electionTimeoutTicks = v; return this; }
        public Builder heartbeatTicks(int v) { heartbeatTicks = v; return this; }
        public Builder checkQuorum(boolean v) { checkQuorum = v; return this; }
        public Builder preVote(boolean v) { preVote = v; return this; }
        public Builder leaseReads(boolean v) { leaseReads = v; return this; }
        public Builder entryBytesMax(long v) { entryBytesMax = v; return this; }
        public Builder messageBytesMax(long v) { messageBytesMax = v; return this; }
        public Builder inflightMessagesMax(int v) { inflightMessagesMax = v; return this; }
        public Builder uncommittedBytesMax(long v) { uncommittedBytesMax = v; return this; }
        public Builder readRequestsPendingMax(int v) { readRequestsPendingMax = v; return this; }
        public Builder snapshotChunkBytesMax(int v) { snapshotChunkBytesMax = v; return this; }
        public Builder inboundMessagesMax(int v) { inboundMessagesMax = v; return this; }
        public Builder requestsPendingMax(int v) { requestsPendingMax = v; return this; }
        public Builder readTimeoutMillis(long v) { readTimeoutMillis = v; return this; }
        public Builder commitTimeoutMillis(long v) { commitTimeoutMillis = v; return this; }
        public Builder entryCacheBytesMax(long v) { entryCacheBytesMax = v; return this; }
        public Builder vosOperationsPerTransactionMax(int v) { vosOperationsPerTransactionMax = v; return this; }
        public Builder randomSeed(long v) { randomSeed = v; return this; }

        /** The config, validated. */
        public RdbConfig build() {
            return new RdbConfig(tickMillis, electionTimeoutTicks, heartbeatTicks, checkQuorum, preVote, leaseReads,
                    entryBytesMax, messageBytesMax, inflightMessagesMax, uncommittedBytesMax, readRequestsPendingMax,
                    snapshotChunkBytesMax, inboundMessagesMax, requestsPendingMax, readTimeoutMillis,
                    commitTimeoutMillis, entryCacheBytesMax, vosOperationsPerTransactionMax, randomSeed).validate();
        }
    }
}
