package org.vostok.raft;

/**
 * Every limit and switch of one Raft node. Each limit is named with its unit last, has a
 * default (see {@link Builder}), and is checked by {@link #validate()}, which the node calls at
 * construction.
 *
 * @param id this node's id, above 0 ({@link RaftNode#NONE} is 0)
 * @param electionTimeoutTicks ticks without hearing from a leader before a follower campaigns;
 *     the actual timeout is drawn at random from {@code [electionTimeoutTicks, 2 * electionTimeoutTicks)}
 *     (Raft §5.2). A leader under CheckQuorum steps down after this many ticks without a quorum.
 * @param heartbeatTimeoutTicks ticks between a leader's heartbeats; below the election timeout
 * @param entriesPerMessageMax entries in one AppendRequest at most
 * @param messageBytesMax bytes of entries ({@link Entry#sizeBytes()}) in one AppendRequest at
 *     most; a single larger entry still goes alone
 * @param inflightMessagesMax AppendRequests sent to one follower and not yet acknowledged, at most
 * @param inflightBytesMax bytes of entries sent to one follower and not yet acknowledged, at most
 * @param uncommittedBytesMax bytes of entries the leader holds uncommitted before it refuses
 *     proposals ({@link RefusalReason#UNCOMMITTED_BYTES_FULL}); the new leader's empty entry and
 *     membership changes are not counted
 * @param entryBytesMax the largest entry a proposal may create
 * @param committedBytesPerReadyMax bytes of committed entries handed to the host in one
 *     {@link Ready} at most (at least one entry goes, whatever its size)
 * @param snapshotChunkBytesMax the largest snapshot chunk the core asks the host for
 * @param readRequestsPendingMax read requests a leader holds unconfirmed at most
 * @param checkQuorum a leader steps down when it has not heard from a quorum within an election
 *     timeout, and followers that hear from a live leader ignore vote requests (thesis §6.2, §4.2.3)
 * @param preVote a node asks for pre-votes before it increments its term (thesis §9.6), so a
 *     node that rejoins after a partition does not depose a working leader
 * @param leaseReads a leader answers reads from its commit index without a heartbeat round while
 *     its lease holds (thesis §6.4.1, {@link #leaseDurationNanos()}); only with {@code checkQuorum}
 * @param tickNanos the real length of one tick, in nanoseconds: how often the host calls
 *     {@link RaftNode#tick()} at most (a host may miss ticks, never deliver them faster). The core
 *     turns the election timeout into real time with it, for the lease
 * @param clockDriftMarginNanos how much shorter than the followers' promise the leader's lease is
 *     kept, in nanoseconds: room for the hosts' clocks to run at different rates over a lease.
 *     Below {@code (electionTimeoutTicks - 1) * tickNanos} when {@code leaseReads} is on
 * @param lazyCommitIndex a new commit index reaches the followers with the next append that
 *     carries entries, or at the next tick or heartbeat when none came, instead of in an empty
 *     append sent at once. When writes come one at a time, that is half the messages, wake-ups and
 *     answers of each write; followers apply up to a tick later. Off by default (etcd's way); a
 *     commit the group needs a peer to learn (its own removal, a retiring leader's hand-off) is
 *     sent at once either way
 */
public record Config(
        long id,
        int electionTimeoutTicks,
        int heartbeatTimeoutTicks,
        int entriesPerMessageMax,
        long messageBytesMax,
        int inflightMessagesMax,
        long inflightBytesMax,
        long uncommittedBytesMax,
        long entryBytesMax,
        long committedBytesPerReadyMax,
        int snapshotChunkBytesMax,
        int readRequestsPendingMax,
        boolean checkQuorum,
        boolean preVote,
        boolean leaseReads,
        long tickNanos,
        long clockDriftMarginNanos,
        boolean lazyCommitIndex) {

    /** The longest tick, in nanoseconds: one minute (so that no lease arithmetic overflows). */
    public static final long TICK_NANOS_MAX = 60_000_000_000L;

    /** A builder with the defaults for node {@code id}. */
    public static Builder builder(long id) {
        return new Builder(id);
    }

    /**
     * Checks every limit and every combination; throws {@link IllegalArgumentException} naming
     * the setting, its value and what it must be.
     */
    public Config validate() {
        require(id > 0, "id must be above 0 (0 means no node), got " + id);
        require(heartbeatTimeoutTicks > 0, "heartbeatTimeoutTicks must be above 0, got " + heartbeatTimeoutTicks);
        require(electionTimeoutTicks > heartbeatTimeoutTicks, "electionTimeoutTicks (" + electionTimeoutTicks
                + ") must be above heartbeatTimeoutTicks (" + heartbeatTimeoutTicks
                + "); about 10 heartbeats per election timeout is usual");
        require(electionTimeoutTicks <= 1 << 20, "electionTimeoutTicks must be at most 2^20, got " + electionTimeoutTicks);
        require(entriesPerMessageMax > 0, "entriesPerMessageMax must be above 0, got " + entriesPerMessageMax);
        require(messageBytesMax > 0, "messageBytesMax must be above 0, got " + messageBytesMax);
        require(inflightMessagesMax > 0, "inflightMessagesMax must be above 0, got " + inflightMessagesMax);
        require(inflightBytesMax >= messageBytesMax, "inflightBytesMax (" + inflightBytesMax
                + ") must be at least messageBytesMax (" + messageBytesMax + ") so one full message fits");
        require(entryBytesMax > 0, "entryBytesMax must be above 0, got " + entryBytesMax);
        require(uncommittedBytesMax >= entryBytesMax + Entry.HEADER_BYTES, "uncommittedBytesMax (" + uncommittedBytesMax
                + ") must hold at least one largest entry (entryBytesMax + " + Entry.HEADER_BYTES + " = "
                + (entryBytesMax + Entry.HEADER_BYTES) + ")");
        require(committedBytesPerReadyMax > 0, "committedBytesPerReadyMax must be above 0, got " + committedBytesPerReadyMax);
        require(snapshotChunkBytesMax > 0, "snapshotChunkBytesMax must be above 0, got " + snapshotChunkBytesMax);
        require(readRequestsPendingMax > 0, "readRequestsPendingMax must be above 0, got " + readRequestsPendingMax);
        require(!leaseReads || checkQuorum, "leaseReads needs checkQuorum: without it a deposed leader may not know"
                + " it lost its lease and would serve stale reads; enable checkQuorum or disable leaseReads");
        require(tickNanos > 0 && tickNanos <= TICK_NANOS_MAX, "tickNanos must be 1 .. " + TICK_NANOS_MAX
                + " (one minute), got " + tickNanos);
        require(clockDriftMarginNanos >= 0, "clockDriftMarginNanos must not be negative, got " + clockDriftMarginNanos);
        require(!leaseReads || leaseDurationNanos() > 0, "clockDriftMarginNanos (" + clockDriftMarginNanos
                + ") must be below (electionTimeoutTicks - 1) * tickNanos (" + leaseBaseNanos() + ") with leaseReads:"
                + " the lease would never hold; lower the margin or lengthen the election timeout");
        return this;
    }

    /**
     * How long a lease holds after the leader created the heartbeat round that renewed it, in
     * nanoseconds of its {@link MonotonicClock}: the election timeout less one tick, less
     * {@link #clockDriftMarginNanos()}. A follower that answers a round refuses votes for
     * {@code electionTimeoutTicks} of its own ticks after it received it, and its first tick may
     * come right after, so it keeps its promise for at least {@code electionTimeoutTicks - 1}
     * ticks of real time; the round was created no later than it was sent, and the margin covers
     * clocks that run at slightly different rates.
     */
    public long leaseDurationNanos() {
        return leaseBaseNanos() - clockDriftMarginNanos;
    }

    private long leaseBaseNanos() {
        return (long) (electionTimeoutTicks - 1) * tickNanos;
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("invalid raft config: " + message);
        }
    }

    /** A copy with another id, for building a cluster of nodes that differ only in id. */
    public Config withId(long newId) {
        return new Config(newId, electionTimeoutTicks, heartbeatTimeoutTicks, entriesPerMessageMax, messageBytesMax,
                inflightMessagesMax, inflightBytesMax, uncommittedBytesMax, entryBytesMax, committedBytesPerReadyMax,
                snapshotChunkBytesMax, readRequestsPendingMax, checkQuorum, preVote, leaseReads, tickNanos,
                clockDriftMarginNanos, lazyCommitIndex);
    }

    /** Builds a {@link Config}; every setting starts at its default. */
    public static final class Builder {
        private final long id;
        private int electionTimeoutTicks = 10;
        private int heartbeatTimeoutTicks = 1;
        private int entriesPerMessageMax = 1024;
        private long messageBytesMax = 1L << 20;
        private int inflightMessagesMax = 256;
        private long inflightBytesMax = 32L << 20;
        private long uncommittedBytesMax = 64L << 20;
        private long entryBytesMax = 8L << 20;
        private long committedBytesPerReadyMax = 16L << 20;
        private int snapshotChunkBytesMax = 1 << 20;
        private int readRequestsPendingMax = 4096;
        private boolean checkQuorum = true;
        private boolean preVote = true;
        private boolean leaseReads = false;
        private long tickNanos = 100_000_000L;
        private long clockDriftMarginNanos = 100_000_000L;
        private boolean lazyCommitIndex = false;

        private Builder(long id) {
            this.id = id;
        }

        public Builder electionTimeoutTicks(int v) { electionTimeoutTicks = v; return this; }
        public Builder heartbeatTimeoutTicks(int v) { heartbeatTimeoutTicks = v; return this; }
        public Builder entriesPerMessageMax(int v) { entriesPerMessageMax = v; return this; }
        public Builder messageBytesMax(long v) { messageBytesMax = v; return this; }
        public Builder inflightMessagesMax(int v) { inflightMessagesMax = v; return this; }
        public Builder inflightBytesMax(long v) { inflightBytesMax = v; return this; }
        public Builder uncommittedBytesMax(long v) { uncommittedBytesMax = v; return this; }
        public Builder entryBytesMax(long v) { entryBytesMax = v; return this; }
        public Builder committedBytesPerReadyMax(long v) { committedBytesPerReadyMax = v; return this; }
        public Builder snapshotChunkBytesMax(int v) { snapshotChunkBytesMax = v; return this; }
        public Builder readRequestsPendingMax(int v) { readRequestsPendingMax = v; return this; }
        public Builder checkQuorum(boolean v) { checkQuorum = v; return this; }
        public Builder preVote(boolean v) { preVote = v; return this; }
        public Builder leaseReads(boolean v) { leaseReads = v; return this; }
        public Builder tickNanos(long v) { tickNanos = v; return this; }
        public Builder clockDriftMarginNanos(long v) { clockDriftMarginNanos = v; return this; }
        public Builder lazyCommitIndex(boolean v) { lazyCommitIndex = v; return this; }

        /** The config, validated. */
        public Config build() {
            return new Config(id, electionTimeoutTicks, heartbeatTimeoutTicks, entriesPerMessageMax, messageBytesMax,
                    inflightMessagesMax, inflightBytesMax, uncommittedBytesMax, entryBytesMax,
                    committedBytesPerReadyMax, snapshotChunkBytesMax, readRequestsPendingMax, checkQuorum, preVote,
                    leaseReads, tickNanos, clockDriftMarginNanos, lazyCommitIndex).validate();
        }
    }
}
