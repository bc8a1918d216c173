package org.vostok.raft;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One Raft node as a pure, deterministic state machine (in the shape of etcd's RawNode). It has
 * no threads, does no IO, and draws no randomness and reads no clock of its own (the host injects
 * both: a {@link RandomSource} and a {@link MonotonicClock}): its inputs are
 * {@link #tick()} (time, counted in ticks), {@link #step(Message)} (a message from a peer) and the
 * host's requests ({@link #propose}, {@link #proposeMembershipChange}, {@link #readIndex},
 * {@link #transferLeadership}, {@link #campaign}, snapshot reports); its outputs are collected in
 * a {@link Ready} batch that the host carries out and acknowledges. Every call is made from one
 * thread, the host's replica loop.
 *
 * <h2>The Ready contract</h2>
 * When {@link #hasReady()} is true, the host takes {@link #ready()} and carries it out in this
 * order, then calls {@link #advance(Ready)} before it takes the next one:
 * <ol>
 *   <li><b>Snapshot first.</b> Write {@link Ready#receivedSnapshotChunks()} to the staging copy
 *       of the incoming snapshot; if {@link Ready#snapshot()} is present, install that snapshot
 *       durably (the state machine and the log are replaced by it: the stored log becomes empty
 *       at the snapshot's index).</li>
 *   <li><b>Persist.</b> Write {@link Ready#entries()} to the log (truncating the stored log from
 *       the first one's index when it is not past the end) and {@link Ready#hardState()}, and make
 *       them durable (fsync, or a PMEM persist). A node that sent a vote, or acknowledged an
 *       entry, and then forgets it after a crash could elect two leaders in one term or lose a
 *       committed entry (Raft Figure 2: "updated on stable storage before responding").</li>
 *   <li><b>Send.</b> Send {@link Ready#messagesAfterPersist()} only once step 2 is durable.
 *       {@link Ready#messages()} may be sent at once, before or while step 2 runs: the core puts
 *       there only a leader's replication traffic (AppendRequest, Heartbeat, TimeoutNow,
 *       snapshot chunks, read index answers) sent while its term and vote are already durable.
 *       This is the leader's parallel write of thesis §10.2.1: the leader counts its own log in
 *       a quorum only for entries the host acknowledged through {@code advance}, so a follower
 *       may hold an entry before the leader does without harm.</li>
 *   <li><b>Apply.</b> Apply {@link Ready#committedEntries()} in order (they are durable by
 *       now), skipping a new leader's empty entries; answer {@link Ready#readStates()} once the
 *       applied index reaches each read's index, and fail {@link Ready#readsRefused()}; supply
 *       each of {@link Ready#snapshotChunkRequests()} through {@link #supplySnapshotChunk} (now
 *       or later).</li>
 *   <li><b>Acknowledge.</b> Call {@link #advance(Ready)} with this batch: the core then counts
 *       the entries as written, the committed entries as applied and the snapshot as
 *       installed.</li>
 * </ol>
 * Between {@code ready()} and {@code advance()} the host may keep calling {@code tick},
 * {@code step} and the requests; their effects go into the next batch. A host that cannot carry
 * out a batch (its disk failed) must stop the node and restart it from its storage.
 *
 * <h2>Safety checks</h2>
 * The node checks Raft's safety invariants on every call, in production too, and throws
 * {@link RaftInvariantViolation} when one breaks (two leaders in one term, commit moving back,
 * applied passing committed, a committed entry about to be overwritten). After that the node is
 * unusable.
 *
 * <h2>Time</h2>
 * Elections, heartbeats and every timeout count {@link #tick() ticks}, which the host delivers at
 * most once per {@link Config#tickNanos()}; ticks a stalled host misses are simply missed. The one
 * exception is the leader's lease (thesis §6.4.1): it is measured on the injected
 * {@link MonotonicClock}, from a reading taken when the heartbeat round that a quorum answered
 * was created (no later than it was sent), and it is checked against a fresh reading each time a
 * read is served, so that a leader whose host stalled past its lease never answers from it. See
 * {@link Config#leaseDurationNanos()}.
 *
 * <h2>Refusals</h2>
 * Requests that cannot be carried out are refused at once with a {@link Refusal}; nothing is
 * queued without a bound. Proposals go to the leader only: a follower refuses them with the
 * leader it knows so that the host can redirect its client.
 */
public final class RaftNode {

    /** The id of no node: no vote, no known leader. */
    public static final long NONE = 0;

    private final Config config;
    private final long id;
    private final RandomSource random;
    private final RaftLog log;
    /** The memberships in the log: the one in force, those before, the uncommitted changes. */
    private final MembershipLog memberships;
    /** The leader's view of its peers and votes, and the quorum arithmetic over them. */
    private final ProgressTracker tracker = new ProgressTracker();
    /** The leader's ReadIndex rounds and lease. */
    private final ReadOnly readOnly;
    /** Where readOnly hands the reads a quorum confirmed. */
    private final ReadOnly.Answer answerRead = this::answerRead;

    // Persistent state (Raft Figure 2), persisted through Ready.hardState.
    private long term;
    private long vote;

    private Role role = Role.FOLLOWER;
    private long leader = NONE;
    /** Invariant: a node leads at most once per term; this is the last term it led. */
    private long lastTermLed;
    /** Started with lease reads on, and no election timeout, election or new term since. */
    private boolean leasePromisedBeforeStart;

    /** The index of the last membership entry a leader proposed; another waits until it commits. */
    private long pendingMembershipIndex;

    private int electionElapsed;
    private int heartbeatElapsed;
    private int randomizedElectionTimeout;

    // Leader state.
    private long transferTarget = NONE;
    private int transferElapsed;
    /** The leader's entries not committed yet, for the uncommittedBytesMax bound. */
    private final IndexBytesQueue uncommitted = new IndexBytesQueue(64);
    /** Proposals, commits or answers left appends to send: they go out when the next Ready is taken. */
    private boolean appendsPending;

    // Follower state for an incoming snapshot.
    private SnapshotMetadata incomingSnapshot = SnapshotMetadata.EMPTY;
    private long incomingSnapshotOffset;

    // Effects collected for the next Ready.
    private final ArrayList<Message> outbox = new ArrayList<>();
    private final ArrayList<ReadState> readStates = new ArrayList<>();
    private final ArrayList<ReadRefused> readsRefused = new ArrayList<>();
    private final ArrayList<SnapshotChunkRequest> chunkRequests = new ArrayList<>();
    private final ArrayList<ReceivedSnapshotChunk> receivedChunks = new ArrayList<>();
    private boolean membershipChanged;
    private SoftState reportedSoftState;
    private HardState persistedHardState;
    /** The batch handed out and not yet acknowledged, or null. */
    private Ready outstanding;

    /**
     * A node whose state machine holds exactly its storage's snapshot (nothing applied after it).
     * {@code random} draws the election timeouts; {@code clock} measures the lease.
     */
    public RaftNode(Config config, LogStorage storage, RandomSource random, MonotonicClock clock) {
        this(config, storage, random, clock, storage.snapshot().index());
    }

    /**
     * A node restarting from {@code storage}, whose host's state machine has already applied the
     * log up to {@code appliedIndex} (between the snapshot's index and the stored commit index).
     */
    public RaftNode(Config config, LogStorage storage, RandomSource random, MonotonicClock clock, long appliedIndex) {
        this.config = Objects.requireNonNull(config, "config").validate();
        this.id = config.id();
        this.random = Objects.requireNonNull(random, "random");
        this.readOnly = new ReadOnly(id, config, Objects.requireNonNull(clock, "clock"));
        HardState hs = storage.hardState();
        this.log = new RaftLog(storage, hs.commit(), appliedIndex);
        this.term = hs.term();
        this.vote = hs.vote();
        this.persistedHardState = hs;
        this.memberships = new MembershipLog(id, storage, log);
        becomeFollower(term, NONE);
        // Before it stopped, this node may have answered a leader's lease round; it does not
        // remember, so it keeps the promise that answer made: no vote for an election timeout.
        // Not in the founding term (1) or before it: no node ever led those.
        this.leasePromisedBeforeStart = config.leaseReads() && term > MemoryStorage.FOUNDING_SNAPSHOT_INDEX;
        this.reportedSoftState = softState();
    }

    // ----------------------------------------------------------------------------------------
    // Time

    /** One unit of time has passed: followers count towards an election, leaders towards a heartbeat. */
    public void tick() {
        if (role == Role.LEADER) {
            tickLeader();
        } else {
            tickElection();
        }
    }

    private void tickElection() {
        electionElapsed++;
        if (isPromotable() && electionElapsed >= randomizedElectionTimeout) {
            electionElapsed = 0;
            startElection(config.preVote(), false);
        }
    }

    private void tickLeader() {
        heartbeatElapsed++;
        electionElapsed++;
        if (electionElapsed >= config.electionTimeoutTicks()) {
            electionElapsed = 0;
            if (config.checkQuorum() && !tracker.quorumActive(membership(), id)) {
                // Thesis §6.2: a leader cut off from a quorum steps down, so that clients find the
                // real leader and lease reads stay safe.
                becomeFollower(term, NONE);
                return;
            }
        }
        if (transferTarget != NONE && ++transferElapsed >= config.electionTimeoutTicks()) {
            // Thesis §3.10: a transfer that did not finish within an election timeout is aborted,
            // so that the leader takes proposals again.
            transferTarget = NONE;
        }
        tickReplication();
        if (heartbeatElapsed >= config.heartbeatTimeoutTicks()) {
            heartbeatElapsed = 0;
            broadcastHeartbeat();
        }
        if (config.lazyCommitIndex()) {
            // After the heartbeats, which may have carried it already.
            sendLateCommits();
        }
    }

    private void tickReplication() {
        for (Progress pr : tracker.all()) {
            if (pr.state == Progress.State.REPLICATE && pr.inflights.count() > 0
                    && ++pr.ticksWithoutProgress >= config.electionTimeoutTicks()) {
                // Nothing acknowledged for an election timeout: the messages (or their answers)
                // were lost. Probe from the last known match and resend.
                pr.becomeProbe();
                appendsPending = true;
            }
            if (pr.state == Progress.State.SNAPSHOT && !pr.snapshotChunkRequested
                    && ++pr.snapshotIdleTicks >= config.electionTimeoutTicks()) {
                // No answer for an election timeout: the chunk or its answer was lost; resume from
                // what the follower acknowledged.
                requestSnapshotChunk(pr, pr.snapshotAckedOffset);
            }
        }
    }

    // ----------------------------------------------------------------------------------------
    // Elections (Raft §5.2, PreVote thesis §9.6)

    /**
     * Starts an election now, as if the election timeout had passed (with a pre-vote first when
     * {@link Config#preVote()} is on). Ignored by a leader and by a node that is not a voter.
     */
    public void campaign() {
        if (role != Role.LEADER && isPromotable()) {
            startElection(config.preVote(), false);
        }
    }

    /**
     * This follower stops honouring its current leader, as etcd's ForgetLeader does: it knows no
     * leader until it hears from one again, so it grants pre-votes and votes at once instead of
     * refusing them for an election timeout after the leader's last message (thesis §4.2.3, the
     * refusal CheckQuorum adds), and a quorum of followers that forget a dead leader can elect
     * another at once ({@link #campaign()}) instead of waiting out their election timeouts. It
     * keeps its term, its vote and its election timer; a message from the leader makes it follow
     * again. A no-op on a leader or a candidate.
     *
     * <p><b>Safety contract.</b> Call it only when the leader's process is known to be gone (its
     * node refused a new connection right after the old one was reset), never on a mere reset or
     * timeout. The refusal is this follower's promise to the leader's lease (thesis §6.4.1):
     * forgetting a live leader breaks it. If the leader's lease rested on this follower's answer,
     * and another voter whose own promise had lapsed (cut off from the leader) grants this
     * follower's campaign, a second leader is elected while the first still answers lease reads
     * from a state the second moves past. While every other voter still hears from the leader,
     * they refuse, and forgetting does no harm; the host cannot know that, so the trigger must be
     * evidence that the leader is gone, not a suspicion. A dead leader answers nothing, and a
     * restarted one starts as a follower without a lease.
     */
    public void forgetLeader() {
        if (role != Role.FOLLOWER) {
            return;
        }
        leader = NONE;
        // A promise made before a restart was to a leader of a term no later than this one's,
        // which is gone: any later leader's election needed a quorum whose promise had ended.
        leasePromisedBeforeStart = false;
    }

    private boolean isPromotable() {
        return membership().isVoter(id);
    }

    private void startElection(boolean pre, boolean leadershipTransfer) {
        leasePromisedBeforeStart = false;
        if (pre) {
            becomePreCandidate();
        } else {
            becomeCandidate();
        }
        long electionTerm = pre ? term + 1 : term;
        if (recordVote(id, true)) {
            return;
        }
        long lastIndex = log.lastIndex();
        long lastTerm = log.lastTerm();
        for (int i = 0; i < membership().voterCount(); i++) {
            long voter = membership().voterAt(i);
            if (voter != id) {
                send(new Message.VoteRequest(id, voter, electionTerm, lastIndex, lastTerm, pre, leadershipTransfer));
            }
        }
    }

    /** Counts a vote; returns true when it decided the (pre-)election and the role changed. */
    private boolean recordVote(long voter, boolean granted) {
        switch (tracker.recordVote(membership(), voter, granted)) {
            case WON -> {
                if (role == Role.PRE_CANDIDATE) {
                    startElection(false, false);
                } else {
                    becomeLeader();
                }
                return true;
            }
            case LOST -> {
                becomeFollower(term, NONE);
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    private void becomeFollower(long newTerm, long newLeader) {
        reset(newTerm);
        role = Role.FOLLOWER;
        leader = newLeader;
    }

    private void becomePreCandidate() {
        if (role == Role.LEADER) {
            throw new RaftInvariantViolation("node " + id + ": a leader cannot become a pre-candidate");
        }
        // Thesis §9.6: no term change and no vote until the pre-vote is won.
        tracker.resetVotes();
        role = Role.PRE_CANDIDATE;
        leader = NONE;
    }

    private void becomeCandidate() {
        if (role == Role.LEADER) {
            throw new RaftInvariantViolation("node " + id + ": a leader cannot become a candidate");
        }
        reset(term + 1);
        vote = id;
        role = Role.CANDIDATE;
    }

    private void becomeLeader() {
        if (role != Role.CANDIDATE) {
            throw new RaftInvariantViolation("node " + id + ": only a candidate can become leader, not a " + role);
        }
        if (term <= lastTermLed) {
            throw new RaftInvariantViolation("node " + id + " would lead term " + term + " twice");
        }
        reset(term);
        role = Role.LEADER;
        leader = id;
        lastTermLed = term;
        long next = log.lastIndex() + 1;
        for (long voter : membership().voters()) {
            addPeer(voter, next, false);
        }
        for (long learner : membership().learners()) {
            addPeer(learner, next, true);
        }
        Progress self = tracker.get(id);
        if (self != null) {
            self.match = log.stableIndex();
            self.becomeReplicate();
        }
        // A change proposed by an earlier leader may be uncommitted in the log: no new change
        // until everything up to here is committed.
        pendingMembershipIndex = log.lastIndex();
        // Raft §8: a new leader commits an entry of its own term first; until then it cannot
        // know which entries are committed (and, §5.4.2, cannot commit older ones by counting).
        appendEntry(EntryType.NORMAL, new byte[0]);
        broadcastAppend();
    }

    private void addPeer(long peer, long next, boolean learner) {
        tracker.add(new Progress(peer, next, learner, config.inflightMessagesMax()));
    }

    /** Resets the per-term volatile state; the vote is kept only within the same term. */
    private void reset(long newTerm) {
        if (newTerm < term) {
            throw new RaftInvariantViolation("node " + id + ": term would move back from " + term + " to " + newTerm);
        }
        if (newTerm != term) {
            term = newTerm;
            vote = NONE;
        }
        if (role == Role.LEADER) {
            refuseAllPendingReads(RefusalReason.LEADERSHIP_LOST);
        }
        leader = NONE;
        leasePromisedBeforeStart = false;
        electionElapsed = 0;
        heartbeatElapsed = 0;
        randomizedElectionTimeout = config.electionTimeoutTicks() + random.nextInt(config.electionTimeoutTicks());
        tracker.reset();
        transferTarget = NONE;
        uncommitted.clear();
        appendsPending = false;
        pendingMembershipIndex = 0;
        readOnly.resetLease();
    }

    // ----------------------------------------------------------------------------------------
    // Messages

    /**
     * Takes a message from a peer. Messages for another node are refused with
     * {@link IllegalArgumentException}; stale, duplicated and unexpected messages are ignored.
     */
    public void step(Message m) {
        Objects.requireNonNull(m, "message");
        if (m.to() != id) {
            throw new IllegalArgumentException("message for node " + m.to() + " delivered to node " + id + ": " + m);
        }
        if (m.from() == id || m.from() == NONE) {
            throw new IllegalArgumentException("message from node " + m.from() + " delivered to node " + id + ": " + m);
        }
        if (m.term() > term) {
            if (!stepHigherTerm(m)) {
                return;
            }
        } else if (m.term() < term) {
            stepLowerTerm(m);
            return;
        }
        if (m instanceof Message.VoteRequest v) {
            handleVoteRequest(v);
        } else if (m instanceof Message.VoteResponse r) {
            handleVoteResponse(r);
        } else if (role == Role.LEADER) {
            stepLeader(m);
        } else {
            stepFollower(m);
        }
    }

    /** A message from a later term; returns false when it is to be ignored. */
    private boolean stepHigherTerm(Message m) {
        if (m instanceof Message.VoteRequest v) {
            boolean inLease = config.checkQuorum() && (leader != NONE || leasePromisedBeforeStart)
                    && electionElapsed < config.electionTimeoutTicks();
            if (inLease && !v.leadershipTransfer()) {
                // Thesis §4.2.3: we heard from a live leader within the minimum election timeout,
                // so this candidate (perhaps a removed or partitioned node) must not depose it.
                return false;
            }
            if (v.preVote()) {
                // A pre-vote request carries the term the candidate would use; nobody changes term.
                return true;
            }
            // Raft Figure 2: the election timer restarts on hearing from the leader or on granting
            // a vote, not on merely seeing a later term. Otherwise a candidate that cannot win (a
            // stale log, a removed node) would hold every other node back with each new term.
            int elapsed = electionElapsed;
            becomeFollower(m.term(), NONE);
            electionElapsed = elapsed;
            return true;
        }
        if (m instanceof Message.VoteResponse r && r.preVote() && r.granted()) {
            // Granted pre-votes carry the future term of the election we are about to start.
            return true;
        }
        becomeFollower(m.term(), isFromLeader(m) ? m.from() : NONE);
        return true;
    }

    private static boolean isFromLeader(Message m) {
        return m instanceof Message.AppendRequest || m instanceof Message.Heartbeat
                || m instanceof Message.SnapshotChunk;
    }

    private void stepLowerTerm(Message m) {
        if ((config.checkQuorum() || config.preVote()) && isFromLeader(m)) {
            // A leader of an older term, cut off while the cluster moved on: with pre-vote or
            // CheckQuorum the newer term might never reach it otherwise, so tell it.
            send(new Message.AppendResponse(id, m.from(), term, false, 0, 0, 0, 0));
        } else if (m instanceof Message.VoteRequest v) {
            // Raft §5.1: a stale request is refused with the current term, so that the candidate
            // catches up. Ignored, a candidate whose term others outran (nodes that missed their
            // removal can drive terms up without pre-vote) would never learn it, and never win.
            send(new Message.VoteResponse(id, m.from(), term, v.preVote(), false));
        }
    }

    private void handleVoteRequest(Message.VoteRequest v) {
        // We can vote if this is a repeat of a vote we already cast, or if we have not voted and
        // know no leader in this term, or for a pre-vote of a later term (Raft §5.2, thesis §9.6).
        boolean canVote = vote == v.from()
                || (vote == NONE && leader == NONE)
                || (v.preVote() && v.term() > term);
        boolean upToDate = log.isUpToDate(v.lastLogIndex(), v.lastLogTerm());
        if (canVote && upToDate) {
            send(new Message.VoteResponse(id, v.from(), v.term(), v.preVote(), true));
            if (!v.preVote()) {
                electionElapsed = 0;
                vote = v.from();
            }
        } else {
            send(new Message.VoteResponse(id, v.from(), term, v.preVote(), false));
            if (!upToDate) {
                maybeCampaignToHandOver(v.from());
            }
        }
    }

    /**
     * This node is no member of its committed membership (it was removed, and knows it) and just
     * refused the vote of {@code candidate}, a voter of that membership, because its own log is
     * longer. The candidate does not know the removal took effect yet (or it would not ask), so
     * it may need this vote, which it will never get: a removed leader that crashed before it
     * handed over leaves exactly that behind. So this node stands for election itself, counting
     * only the votes of its membership's voters (a quorum of it overlaps every quorum of the
     * membership before, so two leaders of one term remain impossible), and once elected hands
     * over like a leader that removed itself ({@link #maybeHandOffAfterRemoval}).
     */
    private void maybeCampaignToHandOver(long candidate) {
        if (role == Role.FOLLOWER && !membership().contains(id) && membership().isVoter(candidate)) {
            startElection(config.preVote(), false);
        }
    }

    private void handleVoteResponse(Message.VoteResponse r) {
        boolean ours = (role == Role.PRE_CANDIDATE && r.preVote()) || (role == Role.CANDIDATE && !r.preVote());
        if (ours) {
            recordVote(r.from(), r.granted());
        }
    }

    private void stepFollower(Message m) {
        if (isFromLeader(m)) {
            if (role != Role.FOLLOWER) {
                // Raft §5.2: a candidate that hears from a leader of its term steps down.
                becomeFollower(term, m.from());
            }
            if (leader != NONE && leader != m.from()) {
                throw new RaftInvariantViolation("node " + id + " hears from two leaders in term " + term + ": "
                        + leader + " and " + m.from());
            }
            leader = m.from();
            electionElapsed = 0;
            if (m instanceof Message.AppendRequest a) {
                handleAppendRequest(a);
            } else if (m instanceof Message.Heartbeat h) {
                handleHeartbeat(h);
            } else {
                handleSnapshotChunk((Message.SnapshotChunk) m);
            }
        } else if (m instanceof Message.TimeoutNow) {
            if (isPromotable()) {
                // Thesis §3.10: the leader asked us to take over; skip the pre-vote, and the
                // voters skip their lease check because the request says it is a transfer.
                startElection(false, true);
            }
        } else if (m instanceof Message.ReadIndexResponse r) {
            readStates.add(new ReadState(r.requestId(), r.readIndex()));
        } else if (m instanceof Message.ReadIndexRefused r) {
            readsRefused.add(new ReadRefused(r.requestId(), refusal(r.reason(), "the leader refused the read")));
        } else if (m instanceof Message.ReadIndexRequest r) {
            send(new Message.ReadIndexRefused(id, r.from(), term, r.requestId(),
                    leader == NONE ? RefusalReason.NO_LEADER : RefusalReason.NOT_LEADER));
        }
    }

    private void handleAppendRequest(Message.AppendRequest a) {
        if (a.prevLogIndex() < log.committed) {
            // Everything up to our commit index matches any leader's log (Raft §5.4).
            send(new Message.AppendResponse(id, a.from(), term, true, log.committed, 0, 0, 0));
            return;
        }
        long lastNew = log.maybeAppend(a.prevLogIndex(), a.prevLogTerm(), a.entries(), memberships::truncatedFrom);
        if (lastNew >= 0) {
            memberships.appended(a.entries());
            commitTo(Math.min(a.commit(), lastNew));
            send(new Message.AppendResponse(id, a.from(), term, true, lastNew, 0, 0, 0));
            return;
        }
        // Raft §5.3: tell the leader where our log could match, so it skips a whole conflicting
        // term in one round trip instead of one entry at a time.
        long hintIndex = log.findConflictByTerm(Math.min(a.prevLogIndex(), log.lastIndex()), a.prevLogTerm());
        long hintTerm = log.term(hintIndex);
        send(new Message.AppendResponse(id, a.from(), term, false, 0, a.prevLogIndex(), hintIndex, hintTerm));
    }

    private void handleHeartbeat(Message.Heartbeat h) {
        // The leader sends min(its commit, our match), so this never points past what we hold.
        commitTo(Math.min(h.commit(), log.lastIndex()));
        send(new Message.HeartbeatResponse(id, h.from(), term, h.readRound()));
    }

    private void stepLeader(Message m) {
        if (isFromLeader(m)) {
            throw new RaftInvariantViolation("node " + id + " leads term " + term + " and hears from another leader "
                    + m.from() + " of the same term: " + m);
        }
        if (m instanceof Message.ReadIndexRequest r) {
            handleReadRequest(r.from(), r.requestId());
            return;
        }
        Progress pr = tracker.get(m.from());
        if (pr == null) {
            return;
        }
        if (m instanceof Message.AppendResponse r) {
            pr.recentActive = true;
            handleAppendResponse(pr, r);
        } else if (m instanceof Message.HeartbeatResponse r) {
            pr.recentActive = true;
            handleHeartbeatResponse(pr, r);
        } else if (m instanceof Message.SnapshotChunkResponse r) {
            pr.recentActive = true;
            handleSnapshotChunkResponse(pr, r);
        }
    }

    // ----------------------------------------------------------------------------------------
    // Replication (Raft §5.3)

    private void handleAppendResponse(Progress pr, Message.AppendResponse r) {
        if (!r.success()) {
            if (pr.state == Progress.State.SNAPSHOT || r.rejectedIndex() == 0) {
                return; // answers an append sent before the snapshot, or a stale-term answer
            }
            long probeHint = r.hintTerm() > 0 ? log.findConflictByTerm(r.hintIndex(), r.hintTerm()) : r.hintIndex();
            if (pr.maybeDecreaseTo(r.rejectedIndex(), probeHint)) {
                if (pr.state == Progress.State.REPLICATE) {
                    pr.becomeProbe();
                }
                sendAppend(pr, false);
            }
            return;
        }
        if (!pr.maybeUpdate(r.matchIndex())) {
            return;
        }
        switch (pr.state) {
            case PROBE -> pr.becomeReplicate();
            case SNAPSHOT -> {
                if (pr.match >= pr.snapshot.index()) {
                    pr.becomeProbe();
                }
            }
            case REPLICATE -> pr.inflights.removeUpTo(pr.match);
        }
        maybeCommit();
        if (role != Role.LEADER) {
            return; // the commit removed this leader
        }
        appendsPending = true;
        if (isRetiring()) {
            maybeHandOffAfterRemoval();
        } else if (pr.id == transferTarget && pr.match == log.lastIndex()) {
            sendTimeoutNow(pr.id);
        }
    }

    /** Thesis §3.10: tells {@code target} to start an election now, which its voters grant despite their leases. */
    private void sendTimeoutNow(long target) {
        readOnly.revokeLease();
        send(new Message.TimeoutNow(id, target, term));
    }

    private void handleHeartbeatResponse(Progress pr, Message.HeartbeatResponse r) {
        pr.probeSent = false;
        if (pr.match < log.lastIndex()) {
            appendsPending = true;
            if (pr.state == Progress.State.REPLICATE && pr.next >= log.firstIndex()) {
                // The peer answers heartbeats but still lacks entries: the appends carrying them
                // may have been lost with a connection, and next has moved past them. An empty
                // append at next makes it say where its log ends; a rejection moves next back and
                // the entries go again, one heartbeat after the loss instead of the no-progress
                // probe's election timeout. Sent even when the window is full of lost appends.
                send(new Message.AppendRequest(id, pr.id, term, pr.next - 1, log.term(pr.next - 1), List.of(),
                        log.committed));
                pr.commitSent = log.committed;
            }
        }
        if (r.readRound() > pr.readRoundAcked) {
            pr.readRoundAcked = r.readRound();
            releaseConfirmedReads();
        }
    }

    /**
     * Sends the entries {@code pr} lacks, or an empty probe when {@code sendIfEmpty}; starts a
     * snapshot when they are compacted. Returns whether a message went out. {@link #hasAppendsToSend}
     * mirrors its conditions.
     */
    private boolean sendAppend(Progress pr, boolean sendIfEmpty) {
        if (pr.id == id || pr.isPaused(config.inflightMessagesMax(), config.inflightBytesMax())) {
            return false;
        }
        if (pr.next < log.firstIndex()) {
            startSnapshot(pr);
            return false;
        }
        long prevIndex = pr.next - 1;
        long prevTerm = log.term(prevIndex);
        List<Entry> entries = log.slice(pr.next, log.lastIndex() + 1, config.messageBytesMax(),
                config.entriesPerMessageMax());
        if (entries.isEmpty() && !sendIfEmpty) {
            return false;
        }
        send(new Message.AppendRequest(id, pr.id, term, prevIndex, prevTerm, entries, log.committed));
        pr.commitSent = log.committed;
        if (pr.state == Progress.State.REPLICATE) {
            if (!entries.isEmpty()) {
                long last = entries.get(entries.size() - 1).index();
                long bytes = 0;
                for (Entry e : entries) {
                    bytes += e.sizeBytes();
                }
                pr.next = last + 1;
                pr.inflights.add(last, bytes);
            }
        } else {
            pr.probeSent = true;
        }
        return true;
    }

    /**
     * Sends each peer what it lacks, pipelining as far as its flow control allows, and the new
     * commit index to peers that have not heard it (not with {@link Config#lazyCommitIndex()}:
     * {@link #sendLateCommits}). Runs once per Ready, so that proposals and commits between two
     * batches share messages.
     *
     * <p>With {@link Config#lazyCommitIndex()} a new commit index does not go out on its own at
     * once: it rides on the next append that carries entries, or, when none came, goes in an
     * empty append at the next tick (or on a heartbeat due then). Sent at once, every commit costs each
     * follower an extra message, a wake-up and an answer, twice the Raft traffic of a write when
     * writes come one at a time, for nothing a client of a leader-only service waits for: the
     * leader answers once it has applied. A follower learns a commit a tick late at most. Where a
     * peer must learn a commit for the group to go on (the commit of its own removal, a retiring
     * leader's hand-off) it is sent at once.
     */
    private void flushAppends() {
        appendsPending = false;
        if (role != Role.LEADER) {
            return;
        }
        for (Progress pr : tracker.all()) {
            while (sendAppend(pr, false)) {
                // keep going until the peer is paused or has everything
            }
            // A peer being probed gets a probe even with no entries to carry: until it answers
            // the leader does not know where their logs match.
            if (commitOwed(pr) || (pr.state == Progress.State.PROBE && pr.match < log.lastIndex())) {
                sendAppend(pr, true);
            }
        }
    }

    /**
     * Whether {@link #flushAppends} would send a peer something or start a snapshot for it,
     * asked without doing it (for {@link #hasReady()}, which changes nothing). Mirrors
     * {@link #sendAppend}'s conditions: change one, change the other.
     */
    private boolean hasAppendsToSend() {
        for (Progress pr : tracker.all()) {
            if (pr.id == id || pr.isPaused(config.inflightMessagesMax(), config.inflightBytesMax())) {
                continue;
            }
            if (pr.next < log.firstIndex() || pr.next <= log.lastIndex() || commitOwed(pr)
                    || (pr.state == Progress.State.PROBE && pr.match < log.lastIndex())) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@link #flushAppends} owes {@code pr} the commit index in an append of its own. */
    private boolean commitOwed(Progress pr) {
        return !config.lazyCommitIndex() && pr.commitSent < log.committed;
    }

    /**
     * With {@link Config#lazyCommitIndex()}, on a tick: a peer that has not heard the commit index
     * (no append with entries and no heartbeat carried it since it moved) gets it now, in an
     * append that may be empty.
     */
    private void sendLateCommits() {
        for (Progress pr : tracker.all()) {
            if (pr.id != id && pr.commitSent < log.committed) {
                sendAppend(pr, true);
            }
        }
    }

    /** Sends every peer an AppendRequest now, even an empty one (to carry the commit index). */
    private void broadcastAppend() {
        for (Progress pr : tracker.all()) {
            sendAppend(pr, true);
        }
        appendsPending = true;
    }

    private void broadcastHeartbeat() {
        long readRound = readOnly.roundForHeartbeat();
        for (Progress pr : tracker.all()) {
            if (pr.id != id) {
                long commit = Math.min(pr.match, log.committed);
                send(new Message.Heartbeat(id, pr.id, term, commit, readRound));
                if (config.lazyCommitIndex() && commit > pr.commitSent) {
                    pr.commitSent = commit; // no empty append needs to follow for it
                }
            }
        }
    }

    /**
     * Raft §5.4.2: commits the highest index replicated on a quorum, but only if it is of the
     * current term; earlier entries are committed with it, never by counting. Returns whether the
     * commit index moved.
     */
    private boolean maybeCommit() {
        long quorumIndex = tracker.quorumMatch(membership());
        if (quorumIndex > log.committed && log.term(quorumIndex) == term) {
            commitTo(quorumIndex);
            appendsPending = true;
            return true;
        }
        return false;
    }

    private void commitTo(long index) {
        long before = log.committed;
        if (!log.commitTo(index)) {
            return;
        }
        if (role == Role.LEADER) {
            uncommitted.removeUpTo(log.committed);
        }
        applyCommittedMembership();
        if (role == Role.LEADER && before < log.committed && log.term(log.committed) == term) {
            releaseReadsAwaitingCommit();
        }
    }

    // ----------------------------------------------------------------------------------------
    // Proposals

    /** Proposes {@code data} as a new log entry; only a leader accepts. */
    public ProposeResult propose(byte[] data) {
        Objects.requireNonNull(data, "data");
        Optional<Refusal> refused = refuseProposal();
        if (refused.isPresent()) {
            return new ProposeResult.Refused(refused.get());
        }
        if (data.length > config.entryBytesMax()) {
            return refused(RefusalReason.ENTRY_TOO_LARGE, "the entry has " + data.length
                    + " bytes, more than entryBytesMax (" + config.entryBytesMax() + "); split it");
        }
        long size = Entry.HEADER_BYTES + (long) data.length;
        if (uncommitted.totalBytes() > 0 && uncommitted.totalBytes() + size > config.uncommittedBytesMax()) {
            return refused(RefusalReason.UNCOMMITTED_BYTES_FULL, "the leader holds " + uncommitted.totalBytes()
                    + " uncommitted bytes and this entry would pass uncommittedBytesMax ("
                    + config.uncommittedBytesMax() + "); retry once followers catch up");
        }
        Entry e = appendEntry(EntryType.NORMAL, data);
        uncommitted.add(e.index(), size);
        return new ProposeResult.Accepted(e.index(), e.term());
    }

    /**
     * Proposes a single-server membership change (thesis §4.1). Refused unless this node leads,
     * has committed an entry of its term, and no other change is uncommitted. The change takes
     * effect on each node when that node learns it is committed (see {@link #membership()}); a
     * leader that removes itself leads on until it hands over.
     */
    public ProposeResult proposeMembershipChange(MembershipChange change) {
        Objects.requireNonNull(change, "change");
        Optional<Refusal> refused = refuseProposal();
        if (refused.isPresent()) {
            return new ProposeResult.Refused(refused.get());
        }
        if (log.term(log.committed) != term) {
            // Ongaro, 2015: a leader that changes the membership before an entry of its term is
            // committed may overlap with an uncommitted change of an earlier leader and split
            // the cluster into two majorities.
            return refused(RefusalReason.LEADER_NOT_READY, "this leader has not committed an entry of its term "
                    + term + " yet; retry after its first entry commits");
        }
        if (pendingMembershipIndex > log.committed) {
            return refused(RefusalReason.MEMBERSHIP_CHANGE_PENDING, "the membership change at index "
                    + pendingMembershipIndex + " is not committed yet; changes go one at a time");
        }
        try {
            membership().apply(change);
        } catch (IllegalArgumentException e) {
            return refused(RefusalReason.INVALID_MEMBERSHIP_CHANGE, "cannot " + change + " in " + membership()
                    + ": " + e.getMessage());
        }
        Entry e = appendEntry(EntryType.MEMBERSHIP, change.encode());
        pendingMembershipIndex = e.index();
        return new ProposeResult.Accepted(e.index(), e.term());
    }

    private Optional<Refusal> refuseProposal() {
        if (role != Role.LEADER) {
            return Optional.of(notLeader());
        }
        if (transferTarget != NONE) {
            return Optional.of(refusal(RefusalReason.TRANSFER_IN_PROGRESS, "leadership is being transferred to "
                    + transferTarget + "; retry on the new leader"));
        }
        if (isRetiring()) {
            return Optional.of(refusal(RefusalReason.TRANSFER_IN_PROGRESS, "node " + id + " was removed from the"
                    + " membership and hands its leadership to a voter of " + membership()
                    + "; retry on the new leader"));
        }
        return Optional.empty();
    }

    private Refusal notLeader() {
        if (leader == NONE) {
            return refusal(RefusalReason.NO_LEADER, "node " + id + " knows no leader in term " + term
                    + "; retry after an election");
        }
        return refusal(RefusalReason.NOT_LEADER, "node " + id + " is not the leader; the leader is " + leader);
    }

    private Refusal refusal(RefusalReason reason, String message) {
        return new Refusal(reason, message, leader == id ? NONE : leader);
    }

    private ProposeResult refused(RefusalReason reason, String message) {
        return new ProposeResult.Refused(refusal(reason, message));
    }

    private Entry appendEntry(EntryType type, byte[] data) {
        Entry e = new Entry(log.lastIndex() + 1, term, type, data);
        log.append(e);
        if (type == EntryType.MEMBERSHIP) {
            memberships.proposed(e);
        }
        // Sent at the next ready(), so that proposals made between two batches share messages.
        appendsPending = true;
        return e;
    }

    // ----------------------------------------------------------------------------------------
    // Membership (thesis §4.1, §4.2.1). MembershipLog keeps the memberships and says when a
    // change takes effect: on each node when it learns the change's entry is committed. So the
    // others learn that a leader removed itself only from its commit index: it leads on, taking
    // no proposals, until a voter of the new membership holds its whole log, and then hands over
    // (maybeHandOffAfterRemoval); a removed node whose vote a voter still asks for, and refuses
    // for its longer log, stands for election to hand over (maybeCampaignToHandOver).

    /** The membership in force on this node now: the latest one it knows to be committed. */
    public Membership membership() {
        return memberships.current();
    }

    /**
     * The membership in force at log index {@code index} (at or after the storage's snapshot and
     * at or below the commit index), for the metadata of a snapshot the host takes at that index.
     */
    public Membership membershipAt(long index) {
        return memberships.at(index);
    }

    /** Membership changes take effect when committed, on every node alike; a leader reacts to each. */
    private void applyCommittedMembership() {
        while (memberships.applyNextCommitted()) {
            membershipChanged = true;
            if (role == Role.LEADER) {
                onLeaderMembershipChanged();
            }
        }
    }

    private void onLeaderMembershipChanged() {
        long next = log.lastIndex() + 1;
        for (long voter : membership().voters()) {
            Progress pr = tracker.get(voter);
            if (pr == null) {
                addPeer(voter, next, false);
            } else {
                pr.learner = false;
            }
        }
        for (long learner : membership().learners()) {
            if (!tracker.contains(learner)) {
                addPeer(learner, next, true);
            }
        }
        for (Progress pr : List.copyOf(tracker.all())) {
            if (!membership().contains(pr.id) && pr.id != id) {
                // One last AppendRequest, carrying the commit of its removal, so that the removed
                // node learns it and stops campaigning.
                sendAppend(pr, true);
                tracker.remove(pr.id);
            }
        }
        if (transferTarget != NONE && !membership().isVoter(transferTarget)) {
            transferTarget = NONE;
        }
        if (!membership().isVoter(id)) {
            // Everyone hears the commit of the removal now (with the hand-off when a voter holds
            // the whole log already; otherwise the hand-off waits for one).
            if (!maybeHandOffAfterRemoval()) {
                broadcastAppend();
            }
            return;
        }
        // Fewer voters may make a quorum of what is already replicated.
        maybeCommit();
        appendsPending = true;
    }

    /**
     * Whether this node leads a membership it is no voter of: it committed its own removal and has
     * not handed its leadership over yet, or it was elected, removed, to hand its log over
     * ({@link #maybeCampaignToHandOver}).
     */
    private boolean isRetiring() {
        return role == Role.LEADER && !membership().isVoter(id);
    }

    /**
     * A leader that committed its own removal hands its leadership to a voter of the new
     * membership that holds its whole log, with TimeoutNow, and steps down; until one does, it
     * leads on, taking no proposals, replicating its log and the commit index, committing by the
     * new membership's quorum (its own log no longer counts). Why it cannot step down at once:
     * the others learn that the removal took effect only from this leader's commit index, and
     * this node, no longer a voter, never campaigns; a voter that missed both the commit and the
     * entries after the removal would still count this node's vote, which this node, holding a
     * longer log, refuses: without a quorum of the old membership among the others, no leader
     * ever again. A voter that holds this whole log wins under either membership: no log is
     * longer than its own. A higher term deposes a retiring leader as any other, and so does
     * CheckQuorum; should it step down (or crash) before it handed over, a voter that needs its
     * vote and asks for it makes it stand again ({@link #maybeCampaignToHandOver}). Returns
     * whether it handed over.
     */
    private boolean maybeHandOffAfterRemoval() {
        Progress best = null;
        for (Progress pr : tracker.all()) {
            if (pr.id != id && membership().isVoter(pr.id) && (best == null || pr.match > best.match)) {
                best = pr;
            }
        }
        if (best == null || best.match != log.lastIndex()) {
            return false;
        }
        // The commit index goes out first, in the same batch, so that the new leader usually
        // knows the removal took effect when it campaigns.
        broadcastAppend();
        flushAppends();
        sendTimeoutNow(best.id);
        tracker.remove(id);
        becomeFollower(term, NONE);
        return true;
    }

    // ----------------------------------------------------------------------------------------
    // Leadership transfer (thesis §3.10)

    /**
     * Hands leadership to {@code target}: once its log is caught up, it is told to start an
     * election at once. Proposals are refused meanwhile; the transfer is aborted after an
     * election timeout. Returns a refusal when it cannot start.
     */
    public Optional<Refusal> transferLeadership(long target) {
        if (role != Role.LEADER) {
            return Optional.of(notLeader());
        }
        if (target == id) {
            return Optional.empty();
        }
        if (!membership().isVoter(target)) {
            return Optional.of(refusal(RefusalReason.INVALID_TRANSFER_TARGET, "node " + target
                    + " is not a voter of " + membership() + "; only a voter can lead"));
        }
        if (transferTarget == target) {
            return Optional.empty();
        }
        transferTarget = target;
        transferElapsed = 0;
        Progress pr = tracker.get(target);
        if (pr.match == log.lastIndex()) {
            sendTimeoutNow(target);
            return Optional.empty();
        }
        if (pr.state == Progress.State.REPLICATE && pr.inflights.count() > 0) {
            // Entries in flight to a lagging target may have been lost; do not let the transfer
            // wait for the stall detection: probe and resend now.
            pr.becomeProbe();
        }
        appendsPending = true;
        return Optional.empty();
    }

    // ----------------------------------------------------------------------------------------
    // Linearizable reads (Raft §6.4, thesis §6.4.1)

    /**
     * Asks for a read index for the host's read {@code requestId}. The answer comes in a later
     * {@link Ready}: a {@link ReadState} (read once applied up to its index) or a
     * {@link ReadRefused}. A follower forwards the request to the leader; if that message or its
     * answer is lost, the host's own deadline fails the read. Returns a refusal when it cannot
     * even start.
     */
    public Optional<Refusal> readIndex(long requestId) {
        if (role == Role.LEADER) {
            handleReadRequest(id, requestId);
            return Optional.empty();
        }
        if (leader == NONE) {
            return Optional.of(notLeader());
        }
        send(new Message.ReadIndexRequest(id, leader, term, requestId));
        return Optional.empty();
    }

    private void handleReadRequest(long origin, long requestId) {
        if (readOnly.isFull()) {
            refuseRead(origin, requestId, RefusalReason.READS_PENDING_FULL);
            return;
        }
        if (log.term(log.committed) != term) {
            // Raft §6.4 step 1: until its first entry commits, the leader does not know the
            // commit index of the cluster.
            readOnly.awaitCommit(origin, requestId);
            return;
        }
        serveRead(origin, requestId);
    }

    private void serveRead(long origin, long requestId) {
        boolean alone = membership().voterCount() == 1 && membership().isVoter(id);
        if (alone || (config.leaseReads() && readOnly.leaseHolds())) {
            // While the lease holds no other leader can have been elected, so nothing can have
            // been committed that this leader does not know (thesis §6.4.1, assuming bounded drift).
            answerRead(origin, requestId, log.committed);
            return;
        }
        readOnly.startRound(origin, requestId, log.committed);
        broadcastHeartbeat();
    }

    private void releaseReadsAwaitingCommit() {
        for (ReadOnly.PendingRead r : readOnly.takeAwaitingCommit()) {
            serveRead(r.origin(), r.requestId());
        }
    }

    /**
     * Answers the reads whose round a quorum has acknowledged (the leader was still leader then),
     * and renews the lease when the lease round is among them.
     */
    private void releaseConfirmedReads() {
        if (!readOnly.awaitsConfirmation()) {
            return;
        }
        readOnly.confirm(tracker.quorumReadRound(membership(), id, readOnly.round()), answerRead);
    }

    private void answerRead(long origin, long requestId, long index) {
        if (origin == id) {
            readStates.add(new ReadState(requestId, index));
        } else {
            send(new Message.ReadIndexResponse(id, origin, term, requestId, index));
        }
    }

    private void refuseRead(long origin, long requestId, RefusalReason reason) {
        if (origin == id) {
            readsRefused.add(new ReadRefused(requestId, refusal(reason, readRefusalMessage(reason))));
        } else {
            send(new Message.ReadIndexRefused(id, origin, term, requestId, reason));
        }
    }

    private static String readRefusalMessage(RefusalReason reason) {
        return reason == RefusalReason.READS_PENDING_FULL
                ? "too many reads wait for confirmation (readRequestsPendingMax); retry later"
                : "the leader lost its leadership before the read was confirmed; retry on the new leader";
    }

    private void refuseAllPendingReads(RefusalReason reason) {
        for (ReadOnly.PendingRead r : readOnly.takeAll()) {
            refuseRead(r.origin(), r.requestId(), reason);
        }
    }

    // ----------------------------------------------------------------------------------------
    // Snapshots (Raft §7): the leader streams the host's snapshot in chunks, in order, resumable

    private void startSnapshot(Progress pr) {
        pr.becomeSnapshot(log.storageSnapshot());
        requestSnapshotChunk(pr, 0);
    }

    private void requestSnapshotChunk(Progress pr, long offset) {
        pr.snapshotPendingOffset = offset;
        pr.snapshotChunkRequested = true;
        pr.snapshotIdleTicks = 0;
        chunkRequests.add(new SnapshotChunkRequest(pr.id, pr.snapshot, offset, config.snapshotChunkBytesMax()));
    }

    /**
     * The host supplies a chunk the core asked for through {@link Ready#snapshotChunkRequests()}:
     * {@code data} is the content of {@code snapshot} from {@code offset}, and {@code last} says
     * it ends there. Returns false when the request is no longer current (the peer caught up,
     * this node stopped leading, the transfer restarted): then the chunk is dropped.
     */
    public boolean supplySnapshotChunk(long peer, SnapshotMetadata snapshot, long offset, byte[] data, boolean last) {
        Objects.requireNonNull(data, "data");
        Progress pr = role == Role.LEADER ? tracker.get(peer) : null;
        if (pr == null || pr.state != Progress.State.SNAPSHOT || !pr.snapshotChunkRequested
                || pr.snapshot.index() != snapshot.index() || pr.snapshotPendingOffset != offset) {
            return false;
        }
        if (data.length > config.snapshotChunkBytesMax()) {
            throw new IllegalArgumentException("snapshot chunk of " + data.length + " bytes is larger than the "
                    + config.snapshotChunkBytesMax() + " bytes asked for (snapshotChunkBytesMax)");
        }
        pr.snapshotChunkRequested = false;
        pr.snapshotIdleTicks = 0;
        send(new Message.SnapshotChunk(id, peer, term, pr.snapshot, offset, data, last));
        return true;
    }

    /**
     * The host could not read or send the snapshot for {@code peer}: the core forgets the
     * transfer and starts another when the peer still needs it.
     */
    public void reportSnapshotFailed(long peer) {
        Progress pr = role == Role.LEADER ? tracker.get(peer) : null;
        if (pr != null && pr.state == Progress.State.SNAPSHOT) {
            pr.becomeProbe();
        }
    }

    /** The host's transport cannot reach {@code peer}: stop pipelining to it and probe instead. */
    public void reportUnreachable(long peer) {
        Progress pr = role == Role.LEADER ? tracker.get(peer) : null;
        if (pr != null && pr.state == Progress.State.REPLICATE) {
            pr.becomeProbe();
        }
    }

    /**
     * The follower's host cannot take the incoming snapshot (it could not write a chunk): the
     * core drops it and tells the leader, if it knows one, which starts over later. Returns false
     * when no snapshot is coming in.
     */
    public boolean abortIncomingSnapshot() {
        if (incomingSnapshot.index() == 0) {
            return false;
        }
        // Dropped even when no leader can be told: a leader met later would otherwise resume
        // the snapshot past the chunk the host could not write.
        if (leader != NONE && role != Role.LEADER) {
            send(new Message.SnapshotChunkResponse(id, leader, term, incomingSnapshot.index(), 0, false, true));
        }
        incomingSnapshot = SnapshotMetadata.EMPTY;
        incomingSnapshotOffset = 0;
        return true;
    }

    /**
     * The host holds the content of {@code snapshot} up to {@code offset} in a staging copy it
     * kept (across its own restart, or while it dropped a stale chunk of another snapshot): the
     * node takes that snapshot's chunks from {@code offset} on, and a leader that sends from
     * elsewhere is told to resume there, instead of starting over from 0. Returns false, and
     * changes nothing, when the node has committed the snapshot's index already (it needs none
     * of it) or {@code offset} is 0.
     */
    public boolean resumeIncomingSnapshot(SnapshotMetadata snapshot, long offset) {
        Objects.requireNonNull(snapshot, "snapshot");
        if (offset < 0) {
            throw new IllegalArgumentException("a snapshot offset cannot be negative: " + offset);
        }
        if (offset == 0 || snapshot.index() <= log.committed) {
            return false;
        }
        incomingSnapshot = snapshot;
        incomingSnapshotOffset = offset;
        return true;
    }

    private void handleSnapshotChunkResponse(Progress pr, Message.SnapshotChunkResponse r) {
        if (pr.state != Progress.State.SNAPSHOT || r.snapshotIndex() != pr.snapshot.index()) {
            return;
        }
        if (r.failed()) {
            pr.becomeProbe();
            appendsPending = true;
        } else if (r.done()) {
            pr.maybeUpdate(r.snapshotIndex());
            pr.becomeProbe();
            appendsPending = true;
        } else if (!pr.snapshotChunkRequested) {
            // Usually the offset after the chunk just sent; different when the follower restarted
            // (0 if it lost its staging copy, or the offset its host kept, resumeIncomingSnapshot).
            // A stale answer costs one resent chunk.
            pr.snapshotAckedOffset = r.nextOffset();
            requestSnapshotChunk(pr, r.nextOffset());
        }
    }

    private void handleSnapshotChunk(Message.SnapshotChunk c) {
        SnapshotMetadata s = c.snapshot();
        if (s.index() <= log.committed) {
            // We have everything it covers already, committed.
            send(new Message.SnapshotChunkResponse(id, c.from(), term, s.index(), 0, true, false));
            return;
        }
        if (log.snapshotIndex() != log.storageSnapshot().index()) {
            // The host has yet to install the snapshot received last. A chunk of another one in
            // the same batch would start a new staging copy before that install reads the old
            // one, so the leader is told to start this one over (at 0) later.
            send(new Message.SnapshotChunkResponse(id, c.from(), term, s.index(), 0, false, false));
            return;
        }
        if (incomingSnapshot.index() != s.index() || incomingSnapshot.term() != s.term()) {
            incomingSnapshot = s;
            incomingSnapshotOffset = 0;
        }
        if (c.offset() != incomingSnapshotOffset) {
            // Out of order, duplicated, or after our restart: say where to resume.
            send(new Message.SnapshotChunkResponse(id, c.from(), term, s.index(), incomingSnapshotOffset, false, false));
            return;
        }
        receivedChunks.add(new ReceivedSnapshotChunk(s, c.offset(), c.data(), c.last()));
        incomingSnapshotOffset += c.data().length;
        if (!c.last()) {
            send(new Message.SnapshotChunkResponse(id, c.from(), term, s.index(), incomingSnapshotOffset, false, false));
            return;
        }
        incomingSnapshot = SnapshotMetadata.EMPTY;
        incomingSnapshotOffset = 0;
        if (log.matchTerm(s.index(), s.term())) {
            // Raft §7: our log already holds the snapshot's last entry; keep the entries after it.
            commitTo(s.index());
        } else {
            log.restore(s);
            memberships.restore(s);
            membershipChanged = true;
        }
        send(new Message.SnapshotChunkResponse(id, c.from(), term, s.index(), incomingSnapshotOffset, true, false));
    }

    // ----------------------------------------------------------------------------------------
    // Ready / advance

    /** True when {@link #ready()} has something for the host. Changes nothing in the node. */
    public boolean hasReady() {
        if (outstanding != null) {
            return false;
        }
        // The pending appends last: the only question here that walks the peers.
        return !outbox.isEmpty() || log.hasUnstableToHandOut() || log.hasCommittedToHandOut()
                || !hardState().equals(persistedHardState) || !softState().equals(reportedSoftState)
                || !readStates.isEmpty() || !readsRefused.isEmpty() || !chunkRequests.isEmpty()
                || !receivedChunks.isEmpty() || membershipChanged
                || (appendsPending && role == Role.LEADER && hasAppendsToSend());
    }

    /**
     * The next batch of effects. The host carries it out as the class documentation says and
     * then calls {@link #advance(Ready)}; until then no other batch is handed out.
     */
    public Ready ready() {
        if (outstanding != null) {
            throw new IllegalStateException("the previous Ready was not acknowledged: call advance(ready) first");
        }
        if (appendsPending) {
            flushAppends();
        }
        HardState hs = hardState();
        if (hs.commit() < persistedHardState.commit()) {
            throw new RaftInvariantViolation("node " + id + ": commit index would move back from "
                    + persistedHardState.commit() + " to " + hs.commit());
        }
        SoftState ss = softState();
        // Messages may leave before the persist only when they do not depend on it: a leader's
        // replication traffic while its term and vote are durable already (thesis §10.2.1).
        boolean termDurable = hs.term() == persistedHardState.term() && hs.vote() == persistedHardState.vote();
        List<Message> early = new ArrayList<>();
        List<Message> late = new ArrayList<>();
        for (Message m : outbox) {
            (termDurable && isLeaderTraffic(m) ? early : late).add(m);
        }
        outbox.clear();
        SnapshotMetadata snapshot = log.handOutSnapshot();
        Ready ready = new Ready(
                ss.equals(reportedSoftState) ? Optional.empty() : Optional.of(ss),
                hs.equals(persistedHardState) ? Optional.empty() : Optional.of(hs),
                Optional.ofNullable(snapshot),
                drain(receivedChunks),
                log.handOutUnstable(),
                List.copyOf(early),
                List.copyOf(late),
                log.handOutCommitted(config.committedBytesPerReadyMax()),
                drain(readStates),
                drain(readsRefused),
                drain(chunkRequests),
                membershipChanged ? Optional.of(membership()) : Optional.empty());
        reportedSoftState = ss;
        membershipChanged = false;
        outstanding = ready;
        return ready;
    }

    private static boolean isLeaderTraffic(Message m) {
        return m instanceof Message.AppendRequest || m instanceof Message.Heartbeat
                || m instanceof Message.SnapshotChunk || m instanceof Message.TimeoutNow
                || m instanceof Message.ReadIndexResponse;
    }

    private static <T> List<T> drain(ArrayList<T> list) {
        if (list.isEmpty()) {
            return List.of();
        }
        List<T> copy = List.copyOf(list);
        list.clear();
        return copy;
    }

    /**
     * The host carried out {@code ready} (the batch from the last {@link #ready()}): its writes
     * are durable, its messages sent, its committed entries applied.
     */
    public void advance(Ready ready) {
        if (ready != outstanding) {
            throw new IllegalStateException("advance(ready) must be given the batch from the last ready()");
        }
        outstanding = null;
        ready.hardState().ifPresent(hs -> persistedHardState = hs);
        ready.snapshot().ifPresent(s -> log.snapshotStable(s.index()));
        if (!ready.entries().isEmpty()) {
            Entry last = ready.entries().get(ready.entries().size() - 1);
            log.entriesStable(last.index(), last.term());
        }
        if (!ready.committedEntries().isEmpty()) {
            log.appliedTo(ready.committedEntries().get(ready.committedEntries().size() - 1).index());
        }
        if (log.applied > log.committed) {
            throw new RaftInvariantViolation("node " + id + ": applied " + log.applied + " passed commit " + log.committed);
        }
        if (role == Role.LEADER) {
            Progress self = tracker.get(id);
            if (self != null && self.maybeUpdate(log.stableIndex()) && maybeCommit()) {
                appendsPending = true;
            }
        }
    }

    private void send(Message m) {
        outbox.add(m);
    }

    private HardState hardState() {
        return new HardState(term, vote, log.committed);
    }

    private SoftState softState() {
        return new SoftState(role, leader);
    }

    // ----------------------------------------------------------------------------------------
    // Inspection

    public long id() {
        return id;
    }

    public long term() {
        return term;
    }

    public Role role() {
        return role;
    }

    /** The leader this node knows in its term, or {@link #NONE}. */
    public long leader() {
        return leader;
    }

    public long commitIndex() {
        return log.committed;
    }

    /**
     * Whether this leader answers reads from its lease until {@link #leaseExpiryNanos()}: lease
     * reads are on, its term's first entry is committed, a quorum answered a lease round in this
     * term, and it sent no TimeoutNow. Reads no clock: the lease may have run out already.
     *
     * <p>For a host that serves lease reads on other threads, without the core (as etcd's and
     * TiKV's local readers do), from what it publishes after each step: such a reader must take
     * its clock reading after it learned the expiry, and the host must withdraw what it
     * published once this says false, before it hands out any message the core queued since (a
     * TimeoutNow voids the lease), and must publish the applied index it reads at before it
     * acknowledges anything applied after it.
     */
    public boolean leaseGranted() {
        return role == Role.LEADER && config.leaseReads() && log.term(log.committed) == term
                && readOnly.leaseGranted();
    }

    /** The clock reading from which the lease {@link #leaseGranted() granted} holds no more. */
    public long leaseExpiryNanos() {
        return readOnly.leaseExpiryNanos();
    }

    public long appliedIndex() {
        return log.applied;
    }

    public long lastIndex() {
        return log.lastIndex();
    }

    /** The term of the entry at {@code index}, for an index within the log or its snapshot. */
    public long termAt(long index) {
        return log.term(index);
    }

    public Config config() {
        return config;
    }

    /** Everything about this node at this moment. */
    public Status status() {
        TreeMap<Long, PeerStatus> view = new TreeMap<>();
        if (role == Role.LEADER) {
            for (Progress pr : tracker.all()) {
                view.put(pr.id, pr.status());
            }
        }
        return new Status(id, role, term, vote, leader, log.committed, log.applied, log.lastIndex(), membership(),
                transferTarget, java.util.Collections.unmodifiableMap(view));
    }
}
