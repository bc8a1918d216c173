package org.vostok.raft.sim;

import java.util.SplittableRandom;
import org.vostok.raft.Config;

/**
 * Everything one simulation run is drawn from: the cluster, the core's limits and switches, the
 * faults and the workload. Like TigerBeetle's VOPR, each seed draws its own mix ("swarm
 * testing"): some seeds lose many messages and never crash a node, others crash nodes often over
 * a perfect network, so that rare combinations are reached without hand-written scenarios.
 *
 * <p>Probabilities are per tick unless the name says per message; times are in ticks.
 *
 * @param seed the seed everything is drawn from
 * @param nodes the founding voters, 3, 5 or 7
 * @param config the core's config for node 1 (every node uses it with its own id)
 * @param faultTicks how long the fault phase lasts before the network and the nodes heal
 * @param dropPerMessage the chance a message is lost
 * @param duplicatePerMessage the chance a message is delivered twice
 * @param delayTicksMax the usual delay of a message is drawn from {@code [0, delayTicksMax]}
 * @param delaySpikePerMessage the chance a message is held back much longer (up to
 *     {@link #delaySpikeTicksMax}), which reorders it behind many later ones
 * @param delaySpikeTicksMax the longest delay of a held-back message
 * @param partitionPerTick the chance the network's shape changes (a new partition, or a heal)
 * @param crashPerTick the chance a node crashes, losing what it had not synced
 * @param downTicksMax how long a crashed node stays down at most before it restarts
 * @param diskLatencyTicksMax how long a host's write takes to become durable at most; the node
 *     keeps running meanwhile, and a crash in that window loses the write
 * @param clockSkewPerTick the chance a node's ticks skip or double for a moment (only without
 *     lease reads: a follower whose ticks come faster than tickNanos keeps its promise to a lease
 *     for less real time than the leader counts on; missed ticks are the stalls below)
 * @param proposePerTick the chance a client proposes an entry
 * @param readPerTick the chance a client asks for a linearizable read
 * @param membershipPerTick the chance the leader is asked to change the membership
 * @param transferPerTick the chance the leader is asked to hand leadership to another voter
 * @param compactPerTick the chance a host compacts its log up to its applied index
 * @param snapshotFailPerChunk the chance a leader's host fails to read a snapshot chunk, and a
 *     follower's host to write one
 * @param votersMax the most voters the membership changes grow the cluster to
 * @param readAtEveryLeader whether, besides the reads above, every node that believes it leads
 *     is asked for a read at every tick (clients that cached an old leader keep asking it), so
 *     that a deposed leader serving a stale read is caught in however short a window
 * @param quietTicks the length of the quiet spells, alternating with busy ones of the same length,
 *     in which no client proposes; 0 for none
 * @param stagingKeptOnDisk whether the hosts with even ids keep the staging copy of an incoming
 *     snapshot on disk, as rdb does, and resume it after a restart
 * @param stallPerTick the chance a host stalls (a GC pause, a descheduled process), the leader
 *     more often than its share, for longer than the election timeout: its clock runs on but it
 *     takes no tick, no message and no Ready; reads its clients ask meanwhile wait in its queue
 *     and are taken first when it resumes, before the messages that waited in its socket
 * @param votersMin the fewest voters the membership changes shrink the cluster to: 3, or 1 in
 *     the seeds that remove voters down to one (a leader of two voters removing itself, whose
 *     partner alone is no quorum of the old membership)
 * @param forgetDeadLeader whether, when the leader crashes, its followers are told its process
 *     is gone: they forget it ({@code RaftNode.forgetLeader}) and the lowest voter campaigns at
 *     once, as rdb's {@code Replica.leaderGone} does
 */
public record SimOptions(
        long seed,
        int nodes,
        Config config,
        int faultTicks,
        double dropPerMessage,
        double duplicatePerMessage,
        int delayTicksMax,
        double delaySpikePerMessage,
        int delaySpikeTicksMax,
        double partitionPerTick,
        double crashPerTick,
        int downTicksMax,
        int diskLatencyTicksMax,
        double clockSkewPerTick,
        double proposePerTick,
        double readPerTick,
        double membershipPerTick,
        double transferPerTick,
        double compactPerTick,
        double snapshotFailPerChunk,
        int votersMax,
        boolean readAtEveryLeader,
        int quietTicks,
        boolean stagingKeptOnDisk,
        double stallPerTick,
        int votersMin,
        boolean forgetDeadLeader) {

    /** The options of seed {@code seed} for a cluster of {@code nodes} founding voters. */
    public static SimOptions draw(long seed, int nodes) {
        if (nodes != 3 && nodes != 5 && nodes != 7) {
            throw new IllegalArgumentException("the simulator runs 3, 5 or 7 nodes, not " + nodes);
        }
        // A stream of its own, so that changing how the run uses randomness leaves the options
        // of a seed alone.
        SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL);
        int electionTicks = 5 + r.nextInt(16);
        int heartbeatTicks = 1 + r.nextInt(Math.max(1, electionTicks / 2));
        boolean checkQuorum = r.nextInt(10) < 8;
        boolean preVote = r.nextInt(10) < 8;
        boolean leaseReads = checkQuorum && r.nextInt(3) == 0;
        long entryBytesMax = 64 + r.nextInt(192);
        long messageBytesMax = pick(r, 40L, 256L, 1024L, 1L << 20);
        Config config = Config.builder(1)
                .electionTimeoutTicks(electionTicks)
                .heartbeatTimeoutTicks(heartbeatTicks)
                .entriesPerMessageMax(pick(r, 1, 4, 16, 1024))
                .messageBytesMax(messageBytesMax)
                .inflightMessagesMax(pick(r, 1, 2, 8, 256))
                .inflightBytesMax(messageBytesMax * pick(r, 1, 4, 64))
                .entryBytesMax(entryBytesMax)
                .uncommittedBytesMax(pick(r, entryBytesMax + 24, 2048L, 1L << 20))
                .committedBytesPerReadyMax(pick(r, 1L, 300L, 1L << 20))
                .snapshotChunkBytesMax(pick(r, 8, 48, 4096))
                .readRequestsPendingMax(pick(r, 2, 64))
                .checkQuorum(checkQuorum)
                .preVote(preVote)
                .leaseReads(leaseReads)
                // Virtual clocks run at exactly the same rate: the lease is tested at its bound.
                .clockDriftMarginNanos(0)
                // Drawn from a stream of its own, which leaves the other options of a seed as
                // they were before it existed.
                .lazyCommitIndex(new SplittableRandom(seed ^ 0x1A2C0FFEEL).nextBoolean())
                .build();
        boolean lossy = r.nextInt(4) != 0;
        boolean partitions = r.nextInt(4) != 0;
        boolean crashes = r.nextInt(4) != 0;
        boolean slowDisks = r.nextInt(2) == 0;
        return new SimOptions(
                seed,
                nodes,
                config,
                400 + r.nextInt(1200),
                lossy ? pick(r, 0.01, 0.05, 0.2) : 0.0,
                lossy ? pick(r, 0.0, 0.02, 0.1) : 0.0,
                pick(r, 0, 1, 3, electionTicks / 2),
                lossy ? pick(r, 0.0, 0.01, 0.05) : 0.0,
                electionTicks * 3,
                partitions ? pick(r, 0.005, 0.02, 0.05) : 0.0,
                crashes ? pick(r, 0.002, 0.01, 0.03) : 0.0,
                pick(r, 0, electionTicks, electionTicks * 4),
                slowDisks ? pick(r, 1, 3, electionTicks) : 0,
                leaseReads ? 0.0 : pick(r, 0.0, 0.0, 0.05),
                pick(r, 0.05, 0.3, 1.0),
                pick(r, 0.0, 0.05, 0.3),
                pick(r, 0.0, 0.005, 0.02),
                pick(r, 0.0, 0.002, 0.01),
                pick(r, 0.0, 0.01, 0.05),
                pick(r, 0.0, 0.0, 0.1),
                Math.min(7, nodes + 2),
                r.nextInt(4) == 0,
                pick(r, 0, electionTicks * 5, electionTicks * 20),
                r.nextBoolean(),
                // Drawn last, so that the draws above stay those of the seeds found before stalls.
                pick(r, 0.0, 0.0, 0.002, 0.01),
                pick(r, 3, 3, 1),
                r.nextInt(3) == 0);
    }

    /**
     * These options without stalls, with at least three voters and without followers told of a
     * dead leader: the run of a seed found before those were drawn (stalls draw from a stream of
     * their own, and the membership changes draw as before with three voters at least, so
     * everything else replays as it did then).
     */
    public SimOptions withOnlyTheOriginalFaults() {
        return new SimOptions(seed, nodes, config, faultTicks, dropPerMessage, duplicatePerMessage, delayTicksMax,
                delaySpikePerMessage, delaySpikeTicksMax, partitionPerTick, crashPerTick, downTicksMax,
                diskLatencyTicksMax, clockSkewPerTick, proposePerTick, readPerTick, membershipPerTick,
                transferPerTick, compactPerTick, snapshotFailPerChunk, votersMax, readAtEveryLeader, quietTicks,
                stagingKeptOnDisk, 0.0, 3, false);
    }

    /** These options with {@link #forgetDeadLeader()} set as given, for seeds found before it was drawn. */
    public SimOptions withForgetDeadLeader(boolean forget) {
        return new SimOptions(seed, nodes, config, faultTicks, dropPerMessage, duplicatePerMessage, delayTicksMax,
                delaySpikePerMessage, delaySpikeTicksMax, partitionPerTick, crashPerTick, downTicksMax,
                diskLatencyTicksMax, clockSkewPerTick, proposePerTick, readPerTick, membershipPerTick,
                transferPerTick, compactPerTick, snapshotFailPerChunk, votersMax, readAtEveryLeader, quietTicks,
                stagingKeptOnDisk, stallPerTick, votersMin, forget);
    }

    private static int pick(SplittableRandom r, int... choices) {
        return choices[r.nextInt(choices.length)];
    }

    private static long pick(SplittableRandom r, long... choices) {
        return choices[r.nextInt(choices.length)];
    }

    private static double pick(SplittableRandom r, double... choices) {
        return choices[r.nextInt(choices.length)];
    }

    /** The longest a message can take on the faulty network. */
    int messageDelayTicksMax() {
        return Math.max(delayTicksMax, delaySpikePerMessage > 0 ? delaySpikeTicksMax : 0);
    }

    @Override
    public String toString() {
        Config c = config;
        return "nodes=" + nodes + " faultTicks=" + faultTicks
                + " | election=" + c.electionTimeoutTicks() + " heartbeat=" + c.heartbeatTimeoutTicks()
                + " preVote=" + c.preVote() + " checkQuorum=" + c.checkQuorum() + " leaseReads=" + c.leaseReads()
                + " lazyCommitIndex=" + c.lazyCommitIndex()
                + " entriesPerMessage=" + c.entriesPerMessageMax() + " messageBytes=" + c.messageBytesMax()
                + " inflight=" + c.inflightMessagesMax() + "/" + c.inflightBytesMax() + "B"
                + " uncommittedBytes=" + c.uncommittedBytesMax() + " entryBytes=" + c.entryBytesMax()
                + " committedBytesPerReady=" + c.committedBytesPerReadyMax() + " chunkBytes="
                + c.snapshotChunkBytesMax() + " readsPending=" + c.readRequestsPendingMax()
                + " | drop=" + dropPerMessage + " duplicate=" + duplicatePerMessage + " delay=0.." + delayTicksMax
                + " spike=" + delaySpikePerMessage + "(..=" + delaySpikeTicksMax + ")"
                + " partition=" + partitionPerTick + " crash=" + crashPerTick + " down=0.." + downTicksMax
                + " disk=0.." + diskLatencyTicksMax + " skew=" + clockSkewPerTick
                + " | propose=" + proposePerTick + " read=" + readPerTick + " membership=" + membershipPerTick
                + " transfer=" + transferPerTick + " compact=" + compactPerTick
                + " snapshotFail=" + snapshotFailPerChunk + " votersMax=" + votersMax
                + " readAtEveryLeader=" + readAtEveryLeader + " quiet=" + quietTicks
                + " stagingKeptOnDisk=" + stagingKeptOnDisk + " stall=" + stallPerTick + " votersMin=" + votersMin
                + " forgetDeadLeader=" + forgetDeadLeader;
    }
}
