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
 *     (needs checkQuorum). The lease is measured on the owner thread's monotonic clock, so a
 *     leader whose thread stalled past it takes a heartbeat round instead
 * @param clockDriftMarginMillis how much shorter than the followers' promise not to vote the
 *     leader keeps its lease, in milliseconds: room for the replicas' clocks to run at different
 *     rates. With leaseReads, below {@code (electionTimeoutTicks - 1) * tickMillis}
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
 * @param poolFreeBytesMin the leader refuses a transaction that is not critical with NOSPACE
 *     when its estimated bytes, with those reserved by the entries it proposed and has not
 *     written yet, would leave fewer free bytes in its pool than this (after a compaction and a
 *     second look), and any replica below it compacts its log at once instead of waiting for
 *     compactThresholdEntries. Besides the margin it is meant to be, it must cover the space
 *     the pool's allocator strands (fragmentation), which no estimate counts
 * @param criticalEntryBytesMax a transaction made only of deletes and destroys, of at most this
 *     many bytes encoded, is critical: it is taken even below poolFreeBytesMin, so that a full
 *     pool can be emptied
 * @param compactThresholdEntries the log is compacted once more than this many applied entries
 *     follow its base
 * @param compactRetainEntries applied entries kept in the log below the applied index at a
 *     compaction at least, so that a follower a little behind catches up from the log, not a
 *     snapshot (the base stops at the end of a log segment of 4,096 entries where one is in
 *     reach, so up to a segment's entries more are kept)
 * @param requestRetentionEntries how many entries a request id is remembered for after the entry
 *     that carried it: a retry within that many entries takes the first attempt's fate (EXIST once
 *     that entry is committed; requestOutcome answers); later ones are new requests. Must be the same on every replica of a cluster
 * @param aggregationSliceKeys keys aggregated per slice by the background aggregation; each slice
 *     holds the pool's change lock only for its own duration
 * @param maintenanceRetryMillis how long the background maintenance waits before it tries again
 *     after a failure (a pool so full that even aggregation cannot run yet)
 * @param scrubBytesPerSecond how fast the background scrub checks the replica's pool, in bytes
 *     checksummed per second; 0 turns it off. The maintenance thread runs a pass over every
 *     structure of the pool in slices (each holds the pool's read lock for at most 256 KiB of
 *     checksumming, so commits wait for one slice at most), paced to this rate (a pass counted
 *     as at least 1 MiB), and starts the next pass when one ends. Damage it finds is logged and counted ({@link ReplicaStatus}); the
 *     replica goes on serving, and its operator replaces it
 * @param randomSeed the seed of the randomized election timeouts
 * @param lazyCommitIndex the leader tells the followers of a new commit index with its next
 *     append that carries entries, or a tick later (raft's {@link Config#lazyCommitIndex()}),
 *     instead of in an empty append of its own at once: with writes one at a time, half the Raft
 *     messages and wake-ups of each. Only the leader serves, and it answers once it has applied,
 *     so no request waits for it; a follower applies up to a tick later. On by default
 */
public record RdbConfig(
        int tickMillis,
        int electionTimeoutTicks,
        int heartbeatTicks,
        boolean checkQuorum,
        boolean preVote,
        boolean leaseReads,
        long clockDriftMarginMillis,
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
        long poolFreeBytesMin,
        long criticalEntryBytesMax,
        long compactThresholdEntries,
        long compactRetainEntries,
        long requestRetentionEntries,
        int aggregationSliceKeys,
        long maintenanceRetryMillis,
        long scrubBytesPerSecond,
        long randomSeed,
        boolean lazyCommitIndex) {

    /** The smallest snapshot chunk, in bytes: a chunk must hold a piece of a large value and its key. */
    public static final int SNAPSHOT_CHUNK_BYTES_MIN = 64 << 10;
    /** The largest snapshot chunk, in bytes. */
    public static final int SNAPSHOT_CHUNK_BYTES_MAX = 1 << 20;
    /** The background scrub's rate by default, in bytes per second: a 1 GiB pool in about four minutes. */
    public static final long SCRUB_BYTES_PER_SECOND_DEFAULT = 4L << 20;

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
        require(clockDriftMarginMillis >= 0 && clockDriftMarginMillis <= 60_000, "clockDriftMarginMillis must be"
                + " 0 .. 60000, got " + clockDriftMarginMillis);
        require(entryBytesMax > 0 && entryBytesMax <= RdbStore.ENTRY_BYTES_MAX, "entryBytesMax must be 1 .. "
                + RdbStore.ENTRY_BYTES_MAX + " (what one stored entry holds), got " + entryBytesMax);
        require(inboundMessagesMax > 0, "inboundMessagesMax must be above 0, got " + inboundMessagesMax);
        require(requestsPendingMax > 0, "requestsPendingMax must be above 0, got " + requestsPendingMax);
        require(readTimeoutMillis > 0, "readTimeoutMillis must be above 0, got " + readTimeoutMillis);
        require(commitTimeoutMillis > 0, "commitTimeoutMillis must be above 0, got " + commitTimeoutMillis);
        require(snapshotChunkBytesMax >= SNAPSHOT_CHUNK_BYTES_MIN && snapshotChunkBytesMax <= SNAPSHOT_CHUNK_BYTES_MAX,
                "snapshotChunkBytesMax must be " + SNAPSHOT_CHUNK_BYTES_MIN + " .. " + SNAPSHOT_CHUNK_BYTES_MAX
                + " (a chunk holds a piece of a large value with its key, and at most 1 MiB), got "
                + snapshotChunkBytesMax);
        require(poolFreeBytesMin >= 0, "poolFreeBytesMin must not be negative, got " + poolFreeBytesMin);
        require(criticalEntryBytesMax > 0, "criticalEntryBytesMax must be above 0, got " + criticalEntryBytesMax);
        require(compactThresholdEntries > 0, "compactThresholdEntries must be above 0, got " + compactThresholdEntries);
        require(compactRetainEntries >= 0 && compactRetainEntries < compactThresholdEntries, "compactRetainEntries"
                + " must be 0 .. compactThresholdEntries - 1 (" + (compactThresholdEntries - 1)
                + ", or compaction never moves the base), got " + compactRetainEntries);
        require(aggregationSliceKeys > 0 && aggregationSliceKeys <= 65536, "aggregationSliceKeys must be 1 .. 65536,"
                + " got " + aggregationSliceKeys);
        require(maintenanceRetryMillis > 0, "maintenanceRetryMillis must be above 0, got " + maintenanceRetryMillis);
        require(scrubBytesPerSecond >= 0, "scrubBytesPerSecond must be 0 (no background scrub) or above, got "
                + scrubBytesPerSecond);
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
                .tickNanos(tickMillis * 1_000_000L)
                .clockDriftMarginNanos(clockDriftMarginMillis * 1_000_000L)
                .entryBytesMax(entryBytesMax)
                .messageBytesMax(messageBytesMax)
                .inflightMessagesMax(inflightMessagesMax)
                .inflightBytesMax(Math.max(messageBytesMax, (long) inflightMessagesMax * messageBytesMax / 8))
                .uncommittedBytesMax(uncommittedBytesMax)
                .readRequestsPendingMax(readRequestsPendingMax)
                .snapshotChunkBytesMax(snapshotChunkBytesMax)
                .lazyCommitIndex(lazyCommitIndex)
                .build();
    }

    /** The store's limits. */
    public StoreLimits storeLimits() {
        return new StoreLimits(entryCacheBytesMax, vosOperationsPerTransactionMax, requestRetentionEntries);
    }

    /** Builds an {@link RdbConfig}; every setting starts at its default. */
    public static final class Builder {
        private int tickMillis = 50;
        private int electionTimeoutTicks = 20;
        private int heartbeatTicks = 2;
        private boolean checkQuorum = true;
        private boolean preVote = true;
        private boolean leaseReads = false;
        private long clockDriftMarginMillis = 100;
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
        private long entryCacheBytesMax = StoreLimits.ENTRY_CACHE_BYTES_DEFAULT;
        private int vosOperationsPerTransactionMax = StoreLimits.DEFAULT.vosOperationsPerTransactionMax();
        private long poolFreeBytesMin = 8L << 20;
        private long criticalEntryBytesMax = 64L << 10;
        private long compactThresholdEntries = 8192;
        private long compactRetainEntries = 1024;
        private long requestRetentionEntries = StoreLimits.DEFAULT.requestRetentionEntries();
        private int aggregationSliceKeys = 256;
        private long maintenanceRetryMillis = 1000;
        private long scrubBytesPerSecond = SCRUB_BYTES_PER_SECOND_DEFAULT;
        private long randomSeed = ThreadLocalRandom.current().nextLong();
        private boolean lazyCommitIndex = true;

        private Builder() {
        }

        public Builder tickMillis(int v) { tickMillis = v; return this; }
        public Builder electionTimeoutTicks(int v) { electionTimeoutTicks = v; return this; }
        public Builder heartbeatTicks(int v) { heartbeatTicks = v; return this; }
        public Builder checkQuorum(boolean v) { checkQuorum = v; return this; }
        public Builder preVote(boolean v) { preVote = v; return this; }
        public Builder leaseReads(boolean v) { leaseReads = v; return this; }
        public Builder clockDriftMarginMillis(long v) { clockDriftMarginMillis = v; return this; }
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
        public Builder poolFreeBytesMin(long v) { poolFreeBytesMin = v; return this; }
        public Builder criticalEntryBytesMax(long v) { criticalEntryBytesMax = v; return this; }
        public Builder compactThresholdEntries(long v) { compactThresholdEntries = v; return this; }
        public Builder compactRetainEntries(long v) { compactRetainEntries = v; return this; }
        public Builder requestRetentionEntries(long v) { requestRetentionEntries = v; return this; }
        public Builder aggregationSliceKeys(int v) { aggregationSliceKeys = v; return this; }
        public Builder maintenanceRetryMillis(long v) { maintenanceRetryMillis = v; return this; }
        public Builder scrubBytesPerSecond(long v) { scrubBytesPerSecond = v; return this; }
        public Builder randomSeed(long v) { randomSeed = v; return this; }
        public Builder lazyCommitIndex(boolean v) { lazyCommitIndex = v; return this; }

        /** The config, validated. */
        public RdbConfig build() {
            return new RdbConfig(tickMillis, electionTimeoutTicks, heartbeatTicks, checkQuorum, preVote, leaseReads,
                    clockDriftMarginMillis, entryBytesMax, messageBytesMax, inflightMessagesMax, uncommittedBytesMax, readRequestsPendingMax,
                    snapshotChunkBytesMax, inboundMessagesMax, requestsPendingMax, readTimeoutMillis,
                    commitTimeoutMillis, entryCacheBytesMax, vosOperationsPerTransactionMax, poolFreeBytesMin,
                    criticalEntryBytesMax, compactThresholdEntries, compactRetainEntries, requestRetentionEntries,
                    aggregationSliceKeys, maintenanceRetryMillis, scrubBytesPerSecond, randomSeed,
                    lazyCommitIndex).validate();
        }
    }
}
