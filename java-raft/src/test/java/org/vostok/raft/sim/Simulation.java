package org.vostok.raft.sim;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.vostok.raft.Entry;
import org.vostok.raft.Membership;
import org.vostok.raft.MembershipChange;
import org.vostok.raft.MemoryStorage;
import org.vostok.raft.Message;
import org.vostok.raft.ProposeResult;
import org.vostok.raft.RaftNode;
import org.vostok.raft.Refusal;
import org.vostok.raft.Role;

/**
 * One run of the cluster simulator, in one thread, from one seed: a cluster of
 * {@link SimHost}s over a {@link SimNetwork}, with clients proposing entries and asking for
 * reads, an operator changing the membership, transferring leadership and compacting logs, and
 * a fault injector crashing (or rebooting) nodes, stalling them for longer than the election
 * timeout, partitioning and slowing the network and skewing clocks. Time is a tick counter, and
 * each host's monotonic clock reads it as {@code tickNanos} per tick; every choice is drawn from
 * {@link SplittableRandom} streams split from the run's seed, so a seed replays exactly.
 *
 * <p>A run has two phases. In the fault phase ({@link SimOptions#faultTicks()}) everything above
 * happens at the rates the seed drew. Then the faults heal: every node restarts, every link comes
 * up, nothing more is lost, and the run checks liveness: a leader that every voter follows must
 * emerge within {@link #leaderBoundTicks()}; proposals made after the heal must each commit within
 * {@link #commitBoundTicks()}; and the whole cluster must converge, every member holding every
 * entry ever reported committed, within {@link #convergeBoundTicks()}. Safety is checked at every
 * step of both phases by the {@link SafetyChecker}.
 */
public final class Simulation {

    /** Proposals the client makes after the heal, each of which must commit. */
    static final int PROPOSALS_AFTER_HEAL = 5;
    /** Rounds of delivery within one tick, for messages sent with no delay. */
    private static final int ROUNDS_PER_TICK_MAX = 8;

    final SimOptions options;
    // Separate streams for separate concerns, split from the seed in a fixed order, so that a
    // change in how one concern draws disturbs the others as little as possible.
    /** Crashes, partitions, clock skew, transport errors. */
    private final SplittableRandom faults;
    /** Clients and the operator: what they ask, of whom, when. */
    private final SplittableRandom clients;
    /** Hosts: disk latency, snapshot chunk failures, how Ready batches fall. */
    final SplittableRandom hostRandom;
    /** The order in which nodes tick and handle their Ready within a tick. */
    private final SplittableRandom schedule;
    /** Stalls: whom, when, how long (a stream of its own, so seeds without stalls draw as before). */
    private final SplittableRandom stalls;
    final SimTrace trace = new SimTrace();
    final SimNetwork network;
    final SafetyChecker checker;
    private final TreeMap<Long, SimHost> hosts = new TreeMap<>();
    private final int electionTicks;
    /** The longest a host's write takes to become durable now; lowered at the heal. */
    int diskLatencyTicksMax;
    /** The chance a host fails to read or write a snapshot chunk now; 0 after the heal. */
    double snapshotFailPerChunk;

    private long now;
    private boolean healed;
    private long nextPayloadId = 1;
    private long nextReadId = 1;
    private long nextNodeId;
    private long crashes;
    private long partitions;
    private long proposalsRefused;
    /** How often each notable path was taken, to see what the seeds reach. */
    final TreeMap<String, Long> counts = new TreeMap<>();
    /** (term, node) of each leader seen leading on after its own removal, for the counts. */
    private final java.util.Set<Long> retiringSeen = new java.util.HashSet<>();
    /** The last leadership transfer asked for: its target and the leader's term then. */
    private long transferTarget;
    private long transferTerm;

    private Simulation(SimOptions options) {
        this.options = options;
        SplittableRandom root = new SplittableRandom(options.seed());
        this.network = new SimNetwork(root.split(), trace, options);
        this.faults = root.split();
        this.clients = root.split();
        this.hostRandom = root.split();
        this.schedule = root.split();
        this.stalls = root.split();
        this.electionTicks = options.config().electionTimeoutTicks();
        this.diskLatencyTicksMax = options.diskLatencyTicksMax();
        this.snapshotFailPerChunk = options.snapshotFailPerChunk();
        List<Long> voters = new ArrayList<>();
        for (long id = 1; id <= options.nodes(); id++) {
            voters.add(id);
        }
        Membership founding = Membership.of(voters, List.of());
        long foundingIndex = MemoryStorage.bootstrap(founding).snapshot().index();
        this.checker = new SafetyChecker(foundingIndex);
        for (long id : voters) {
            hosts.put(id, new SimHost(this, options.config().withId(id), MemoryStorage.bootstrap(founding)));
        }
        this.nextNodeId = options.nodes() + 1;
    }

    /** Runs seed {@code options.seed()}; throws {@link SimulationFailure} when a check fails. */
    public static SimResult run(SimOptions options) {
        Simulation sim = new Simulation(options);
        try {
            return sim.runPhases();
        } catch (SimulationFailure f) {
            throw f;
        } catch (Throwable t) {
            throw new SimulationFailure(options, sim.now, t.toString(), sim.describeCluster(),
                    sim.trace.format(), t);
        }
    }

    private SimResult runPhases() {
        while (now < options.faultTicks()) {
            injectFaults();
            clientsAndOperator();
            step();
        }
        heal();
        long leaderTick = awaitLeader();
        long committedTick = proposeAfterHeal();
        long convergedTick = awaitConverged();
        checker.checkConverged(members());
        return new SimResult(options.seed(), options.nodes(), now, leaderTick, committedTick, convergedTick,
                checker.proposals().size(), countApplied(), proposalsRefused, checker.readsServed,
                checker.leadersElected, crashes, partitions, checker.snapshotsInstalled, network.sent, network.dropped,
                maxTerm(), counts);
    }

    // ----------------------------------------------------------------------------------------
    // One tick

    /** The current tick, which every host's clock reads (in its own origin). */
    long now() {
        return now;
    }

    private void step() {
        now++;
        for (SimHost h : hosts.values()) {
            if (!h.isUp() && h.restartTick <= now) {
                h.restart(now);
            }
            if (h.isUp() && h.stalledUntil() == now) {
                resumeFromStall(h);
            }
        }
        for (SimHost h : shuffled()) {
            if (!h.isUp() || h.isStalled(now)) {
                continue;
            }
            int ticks = 1;
            if (!healed && options.clockSkewPerTick() > 0 && faults.nextDouble() < options.clockSkewPerTick()) {
                ticks = faults.nextInt(3); // a clock that stalls or runs ahead for a moment
            }
            for (int i = 0; i < ticks; i++) {
                Role before = h.node.role();
                long termBefore = h.node.term();
                h.node.tick();
                if (h.node.role() != before) {
                    trace.add(now, h.id, "became", h.node.role() + " in term " + h.node.term());
                    if (before == Role.LEADER && h.node.term() == termBefore) {
                        count("leader stepped down: no quorum heard (CheckQuorum)");
                    }
                }
                observe(h);
            }
        }
        for (int round = 0; round < ROUNDS_PER_TICK_MAX; round++) {
            boolean moved = deliver();
            for (SimHost h : shuffled()) {
                moved |= h.finishReadyIfDurable(now);
                moved |= h.handleReady(now);
            }
            if (!moved && !network.hasDue(now)) {
                break;
            }
        }
    }

    private boolean deliver() {
        List<Message> due = network.takeDue(now);
        for (Message m : due) {
            SimHost h = hosts.get(m.to());
            if (h == null || !h.isUp() || network.isCut(m.from(), m.to())) {
                trace.add(now, m.to(), h == null || !h.isUp() ? "missed (down)" : "cut off", m);
                network.dropped++;
                SimHost sender = hosts.get(m.from());
                if (sender != null && sender.isUp() && !sender.isStalled(now) && faults.nextBoolean()) {
                    // Sometimes the sender's transport notices, as a broken connection would show.
                    sender.node.reportUnreachable(m.to());
                    observe(sender);
                }
                continue;
            }
            if (h.isStalled(now)) {
                network.hold(m, h.stalledUntil());
                continue;
            }
            trace.add(now, m.to(), "receives", m);
            Role before = h.node.role();
            long termBefore = h.node.term();
            h.node.step(m);
            if (h.node.role() != before || h.node.term() != termBefore) {
                trace.add(now, h.id, "became", h.node.role() + " in term " + h.node.term());
            }
            observe(h);
            if (hostRandom.nextInt(4) == 0) {
                h.handleReady(now); // sometimes at once, sometimes batched with later messages
            }
        }
        return !due.isEmpty();
    }

    void observe(SimHost h) {
        checker.observe(h, hosts.values());
        if (h.node.role() == Role.LEADER && !h.node.membership().isVoter(h.id)
                && retiringSeen.add(h.node.term() * 1_000L + h.id)) {
            count("leader leads on after committing its own removal, until it hands over");
        }
        if (transferTarget != 0 && h.id == transferTarget && h.node.role() == Role.LEADER
                && h.node.term() > transferTerm) {
            count("leadership transferred");
            transferTarget = 0;
        }
    }

    void count(String what) {
        counts.merge(what, 1L, Long::sum);
    }

    private List<SimHost> shuffled() {
        List<SimHost> list = new ArrayList<>(hosts.values());
        for (int i = list.size() - 1; i > 0; i--) {
            int j = schedule.nextInt(i + 1);
            SimHost t = list.get(i);
            list.set(i, list.get(j));
            list.set(j, t);
        }
        return list;
    }

    // ----------------------------------------------------------------------------------------
    // Faults

    private void injectFaults() {
        if (options.partitionPerTick() > 0 && faults.nextDouble() < options.partitionPerTick()) {
            repartition();
        }
        if (options.stallPerTick() > 0 && stalls.nextDouble() < options.stallPerTick()) {
            stallSomeHost();
        }
        if (options.crashPerTick() > 0 && faults.nextDouble() < options.crashPerTick()) {
            List<SimHost> up = upHosts();
            if (!up.isEmpty()) {
                // Leaders, and hosts in the middle of a write, crash more often than their share:
                // that is where the interesting cases are.
                Optional<SimHost> leader = leader();
                List<SimHost> writing = up.stream().filter(SimHost::isPersisting).toList();
                int choice = faults.nextInt(3);
                SimHost victim = choice == 0 && leader.isPresent() ? leader.get()
                        : choice == 1 && !writing.isEmpty() ? writing.get(faults.nextInt(writing.size()))
                        : up.get(faults.nextInt(up.size()));
                if (victim.isPersisting()) {
                    count("crash with a write not yet durable");
                }
                boolean leaderCrashed = victim.node.role() == Role.LEADER;
                victim.crash(now);
                if (leaderCrashed && options.forgetDeadLeader()) {
                    forgetDeadLeader(victim.id);
                }
                // A third of the crashes are reboots: the node is back on the next tick, having
                // forgotten everything it did not persist (its promises to a leader's lease too).
                victim.restartTick = faults.nextInt(3) == 0 ? now + 1
                        : now + faults.nextInt(options.downTicksMax() + 1);
                crashes++;
            }
        }
    }

    /**
     * The leader's process is gone, and the transport of each follower that follows it notices
     * (a refused reconnection): it forgets the leader ({@link RaftNode#forgetLeader}), and the
     * lowest voter among them campaigns at once, as rdb's {@code Replica.leaderGone} does. This
     * is the call's safety contract kept (the leader is down), so a stale lease read here would
     * be a bug in the core.
     */
    private void forgetDeadLeader(long leaderId) {
        List<SimHost> followers = new ArrayList<>();
        for (SimHost h : upHosts()) {
            if (!h.isStalled(now) && h.node.role() == Role.FOLLOWER && h.node.leader() == leaderId) {
                followers.add(h);
            }
        }
        for (SimHost h : followers) {
            h.node.forgetLeader();
            observe(h);
        }
        for (SimHost h : followers) {
            long first = Long.MAX_VALUE;
            for (long v : h.node.membership().voters()) {
                if (v != leaderId) {
                    first = Math.min(first, v);
                }
            }
            if (first == h.id) {
                h.node.campaign();
                observe(h);
                trace.add(now, h.id, "campaigns", "its leader " + leaderId + " is gone");
                count("followers forgot a dead leader; the lowest campaigned at once");
            }
        }
    }

    /**
     * A host stalls for longer than the election timeout (a GC pause, a descheduled process), the
     * leader more often than its share: the others may elect a new leader and commit meanwhile,
     * and when it resumes it takes the reads its clients queued first. A leader that trusted a
     * lease counted in its own ticks would answer them from its stale state.
     */
    private void stallSomeHost() {
        List<SimHost> running = upHosts().stream().filter(h -> !h.isStalled(now)).toList();
        if (running.isEmpty()) {
            return;
        }
        Optional<SimHost> leader = leader().filter(l -> !l.isStalled(now));
        SimHost victim = leader.isPresent() && stalls.nextInt(3) != 0 ? leader.get()
                : running.get(stalls.nextInt(running.size()));
        long ticks = electionTicks + 1 + stalls.nextInt(2 * electionTicks);
        victim.stall(now, now + ticks);
        count(victim.node.role() == Role.LEADER ? "leader stalled past the election timeout"
                : "non-leader stalled past the election timeout");
    }

    /** The stalled host resumes: the reads queued meanwhile are taken first, then its messages. */
    private void resumeFromStall(SimHost h) {
        List<SafetyChecker.ClientRead> reads = h.takeQueuedReads();
        trace.add(now, h.id, "resumes", reads.size() + " reads queued");
        for (SafetyChecker.ClientRead r : reads) {
            Optional<Refusal> refused = h.node.readIndex(r.requestId());
            observe(h);
            trace.add(now, h.id, "read " + r.requestId() + " (queued at t=" + r.tick() + ")",
                    refused.map(Object::toString).orElse("asked"));
            refused.ifPresent(x -> {
                checker.onReadRefused(r.requestId());
                count("read refused: " + x.reason());
            });
            if (refused.isEmpty() && h.node.role() == Role.LEADER) {
                count("read queued during a stall asked of a leader");
            }
        }
    }

    /**
     * Changes the network's shape: heals it, or adds a partition or slow links, on top of the
     * shape it had (half the time) or in its place.
     */
    private void repartition() {
        if (faults.nextBoolean()) {
            network.healLinks();
        }
        partitions++;
        List<Long> ids = new ArrayList<>(hosts.keySet());
        shuffle(ids, faults);
        int n = ids.size();
        switch (faults.nextInt(7)) {
            case 0 -> {
                network.healLinks();
                trace.add(now, 0, "links healed", null);
            }
            case 1 -> {
                // Symmetric: a minority (or half) on one side, the rest on the other.
                int k = 1 + faults.nextInt(Math.max(1, n / 2));
                List<Long> side = ids.subList(0, k);
                for (long a : side) {
                    for (long b : ids.subList(k, n)) {
                        network.cut(a, b);
                        network.cut(b, a);
                    }
                }
                trace.add(now, 0, "partition", side + " | " + ids.subList(k, n));
            }
            case 2 -> {
                // One node cut off both ways, often the leader.
                long x = leader().filter(l -> faults.nextBoolean()).map(l -> l.id).orElse(ids.get(0));
                for (long b : ids) {
                    if (b != x) {
                        network.cut(x, b);
                        network.cut(b, x);
                    }
                }
                trace.add(now, 0, "isolated", x);
            }
            case 3 -> {
                // One way: the node hears everyone but nobody hears it, or the reverse.
                long x = leader().filter(l -> faults.nextBoolean()).map(l -> l.id).orElse(ids.get(0));
                boolean deaf = faults.nextBoolean();
                for (long b : ids) {
                    if (b != x) {
                        if (deaf) {
                            network.cut(b, x);
                        } else {
                            network.cut(x, b);
                        }
                    }
                }
                trace.add(now, 0, deaf ? "deaf (hears nobody)" : "mute (heard by nobody)", x);
            }
            case 4 -> {
                // Partial: A sees B, B sees C, A does not see C.
                if (n >= 3) {
                    long a = ids.get(0);
                    long c = ids.get(1);
                    network.cut(a, c);
                    network.cut(c, a);
                    trace.add(now, 0, "partial", a + " and " + c + " cannot see each other; others see both");
                }
            }
            case 5 -> {
                // Slow links: some directions take much longer than others, so that a node
                // hears one peer long before another (a message can overtake a whole exchange).
                List<String> slowLinks = new ArrayList<>();
                for (long a : ids) {
                    for (long b : ids) {
                        if (a != b && faults.nextInt(3) == 0) {
                            int extra = 1 + faults.nextInt(Math.max(1, electionTicks / 2));
                            network.slow(a, b, extra);
                            slowLinks.add(a + "->" + b + " +" + extra);
                        }
                    }
                }
                trace.add(now, 0, "links slowed", slowLinks);
            }
            default -> {
                // Any links down, each direction on its own.
                List<String> cutLinks = new ArrayList<>();
                for (long a : ids) {
                    for (long b : ids) {
                        if (a != b && faults.nextInt(4) == 0) {
                            network.cut(a, b);
                            cutLinks.add(a + "->" + b);
                        }
                    }
                }
                trace.add(now, 0, "links cut", cutLinks);
            }
        }
    }

    private void heal() {
        healed = true;
        // Raft's liveness needs a network and disks much faster than the election timeout
        // (Raft §5.6: broadcastTime << electionTimeout); the fault phase need not respect that.
        network.heal(healedDelayTicksMax());
        diskLatencyTicksMax = Math.min(diskLatencyTicksMax, electionTicks / 10);
        snapshotFailPerChunk = 0;
        for (SimHost h : hosts.values()) {
            if (!h.isUp()) {
                h.restart(now);
            }
            if (h.isStalled(now)) {
                h.endStall(now);
                resumeFromStall(h);
            }
        }
        trace.add(now, 0, "healed", "every node up, every link up, nothing lost from now on");
    }

    // ----------------------------------------------------------------------------------------
    // Clients and the operator

    private void clientsAndOperator() {
        // Writers come in bursts: in a quiet spell nothing is proposed, so that logs stay level
        // and any node can win an election (the rarer paths need that).
        boolean quiet = options.quietTicks() > 0 && now % (2L * options.quietTicks()) >= options.quietTicks();
        if (!quiet && clients.nextDouble() < options.proposePerTick()) {
            SimHost target = pickTarget();
            if (target != null) {
                propose(target);
            }
        }
        if (options.readPerTick() > 0 && clients.nextDouble() < options.readPerTick()) {
            SimHost target = pickTarget();
            if (target != null) {
                read(target);
            }
        }
        readAtEveryLeader();
        if (options.membershipPerTick() > 0 && clients.nextDouble() < options.membershipPerTick()) {
            leader().filter(l -> !l.isStalled(now)).ifPresent(this::changeMembership);
        }
        if (options.transferPerTick() > 0 && clients.nextDouble() < options.transferPerTick()) {
            leader().filter(l -> !l.isStalled(now)).ifPresent(this::transferLeadership);
        }
        if (options.compactPerTick() > 0 && clients.nextDouble() < options.compactPerTick()) {
            List<SimHost> up = upHosts();
            if (!up.isEmpty()) {
                up.get(clients.nextInt(up.size())).compact(now);
            }
        }
    }

    /**
     * Where a client sends a request: mostly the leader of the highest term; often any node that
     * believes it leads, as a client that cached an old leader would (a deposed leader that does
     * not know it yet must not serve stale reads); sometimes any node (which refuses, or forwards
     * a read to its leader).
     */
    private SimHost pickTarget() {
        int choice = clients.nextInt(10);
        if (choice < 5) {
            Optional<SimHost> leader = leader();
            if (leader.isPresent()) {
                return leader.get();
            }
        }
        List<SimHost> up = upHosts();
        if (choice < 8) {
            List<SimHost> leaders = up.stream().filter(h -> h.node.role() == Role.LEADER).toList();
            if (!leaders.isEmpty()) {
                return leaders.get(clients.nextInt(leaders.size()));
            }
        }
        return up.isEmpty() ? null : up.get(clients.nextInt(up.size()));
    }

    /** Proposes a fresh payload at {@code h}; returns the accepted proposal's payload id, or 0. */
    private long propose(SimHost h) {
        long payloadId = nextPayloadId++;
        if (h.isStalled(now)) {
            count("proposal to a stalled host timed out");
            return 0;
        }
        long entryBytesMax = options.config().entryBytesMax();
        int bytes = clients.nextInt(50) == 0 ? (int) entryBytesMax + 1 + clients.nextInt(8)
                : SimPayloads.ID_BYTES + clients.nextInt((int) entryBytesMax - SimPayloads.ID_BYTES + 1);
        ProposeResult result = h.node.propose(SimPayloads.create(payloadId, bytes));
        observe(h);
        trace.add(now, h.id, "propose " + payloadId + " (" + bytes + "B)", result);
        if (result instanceof ProposeResult.Accepted a) {
            if (bytes > entryBytesMax) {
                SafetyChecker.fail("node " + h.id + " accepted a " + bytes + "-byte entry, above entryBytesMax "
                        + entryBytesMax);
            }
            checker.onProposalAccepted(payloadId, a.index(), a.term(), h.id, now);
            return payloadId;
        }
        proposalsRefused++;
        count("proposal refused: " + ((ProposeResult.Refused) result).refusal().reason());
        return 0;
    }

    private void read(SimHost h) {
        long requestId = nextReadId++;
        SafetyChecker.ClientRead asked = checker.onReadRequested(requestId, h, now);
        if (h.isStalled(now)) {
            trace.add(now, h.id, "read " + requestId, "queued (stalled)");
            if (!h.queueRead(asked)) {
                checker.onReadRefused(requestId);
                count("read refused: a stalled host's queue is full");
            }
            return;
        }
        Optional<Refusal> refused = h.node.readIndex(requestId);
        observe(h);
        trace.add(now, h.id, "read " + requestId, refused.map(Object::toString).orElse("asked"));
        refused.ifPresent(r -> {
            checker.onReadRefused(requestId);
            count("read refused: " + r.reason());
        });
    }

    private void changeMembership(SimHost leader) {
        Membership m = leader.node.membership();
        long[] voters = m.voters();
        long[] learners = m.learners();
        MembershipChange change;
        int choice = clients.nextInt(4);
        if (learners.length > 0 && choice == 0) {
            change = MembershipChange.promote(learners[clients.nextInt(learners.length)]);
        } else if (voters.length + learners.length < options.votersMax() && choice <= 1) {
            change = clients.nextInt(4) == 0 ? MembershipChange.addVoter(nextNodeId)
                    : MembershipChange.addLearner(nextNodeId);
        } else if (voters.length > options.votersMin() && choice == 2) {
            change = MembershipChange.remove(voters[clients.nextInt(voters.length)]);
        } else if (learners.length > 0) {
            change = MembershipChange.remove(learners[clients.nextInt(learners.length)]);
        } else {
            return;
        }
        if (change.type() == MembershipChange.Type.REMOVE && change.node() == leader.id) {
            count("membership change proposed: the leader removes itself");
        }
        ProposeResult result = leader.node.proposeMembershipChange(change);
        observe(leader);
        trace.add(now, leader.id, "propose " + change, result);
        count("membership change " + (result.isAccepted() ? "accepted" : "refused: "
                + ((ProposeResult.Refused) result).refusal().reason()));
        if (result.isAccepted() && change.node() == nextNodeId) {
            // The new node's host starts empty; it learns the cluster from the leader's snapshot.
            SimHost joining = new SimHost(this, options.config().withId(nextNodeId), new MemoryStorage());
            hosts.put(nextNodeId, joining);
            nextNodeId++;
        }
    }

    private void transferLeadership(SimHost leader) {
        long[] voters = leader.node.membership().voters();
        long target = voters[clients.nextInt(voters.length)];
        Optional<Refusal> refused = leader.node.transferLeadership(target);
        observe(leader);
        trace.add(now, leader.id, "transfer to " + target, refused.map(Object::toString).orElse("started"));
        if (refused.isEmpty() && target != leader.id) {
            transferTarget = target;
            transferTerm = leader.node.term();
        }
    }

    // ----------------------------------------------------------------------------------------
    // Liveness after the heal

    /** Ticks after the heal within which every voter must follow one leader. */
    long leaderBoundTicks() {
        return (network.lastDeliveryTick(now) - now) + options.diskLatencyTicksMax() + 10L * electionTicks
                + 10L * roundTripTicks();
    }

    /** The longest delay of a message once the network healed. */
    private int healedDelayTicksMax() {
        return Math.min(options.delayTicksMax(), Math.max(1, electionTicks / 10));
    }

    /** A message there and back with a persist at each end, on the healed network. */
    private long roundTripTicks() {
        return 2L * (healedDelayTicksMax() + 1) + 2L * diskLatencyTicksMax + 2;
    }

    /**
     * Ticks within which a proposal made after the heal must commit: a few election timeouts,
     * plus the time to bring a quorum's logs up to the leader's at the configured flow-control
     * bounds (one message of entries per in-flight slot per round trip).
     */
    long commitBoundTicks(long backlogEntries) {
        long entryBytes = options.config().entryBytesMax() + Entry.HEADER_BYTES;
        long perMessage = Math.max(1, Math.min(options.config().entriesPerMessageMax(),
                options.config().messageBytesMax() / entryBytes));
        long perRoundTrip = Math.max(1, Math.min(perMessage * options.config().inflightMessagesMax(),
                options.config().inflightBytesMax() / entryBytes));
        long chunks = 1 + (32 + 8L * SimStateMachine.RECENT_MAX) / options.config().snapshotChunkBytesMax();
        return 6L * electionTicks + 2 * (backlogEntries / perRoundTrip + chunks + 4) * roundTripTicks();
    }

    /** Ticks within which every member must hold and apply the whole committed log. */
    long convergeBoundTicks(long backlogEntries) {
        return commitBoundTicks(backlogEntries) + backlogEntries * 2 + 2L * electionTicks;
    }

    private long awaitLeader() {
        long deadline = now + leaderBoundTicks();
        while (stableLeader().isEmpty()) {
            if (now >= deadline) {
                throw liveness("no leader that every voter follows within " + leaderBoundTicks()
                        + " ticks after the heal");
            }
            maybeRead();
            step();
        }
        trace.add(now, stableLeader().get().id, "stable leader", "after the heal");
        return now;
    }

    /**
     * The client proposes {@link #PROPOSALS_AFTER_HEAL} entries one after the other, each retried
     * on the current leader while refused or superseded; each must commit within the bound.
     */
    private long proposeAfterHeal() {
        for (int k = 0; k < PROPOSALS_AFTER_HEAL; k++) {
            long start = now;
            long bound = commitBoundTicks(backlog());
            long attempt = 0;
            while (true) {
                if (now - start > bound) {
                    throw liveness("proposal " + (k + 1) + " of " + PROPOSALS_AFTER_HEAL + " after the heal did not"
                            + " commit within " + bound + " ticks (last attempt: "
                            + (attempt == 0 ? "none accepted" : checker.proposal(attempt)) + ")");
                }
                if (attempt != 0) {
                    SafetyChecker.Proposal p = checker.proposal(attempt);
                    long t = checker.committedTerm(p.index);
                    if (t == p.term && !p.lost) {
                        break;
                    }
                    // Superseded: a new leader, or the leader that took it crashed before its term
                    // was durable (and may lead that term again with another entry at p.index).
                    if (p.lost || t != 0 || leader().map(l -> l.node.term() != p.term).orElse(false)) {
                        attempt = 0; // the client asks again
                    }
                }
                if (attempt == 0) {
                    Optional<SimHost> leader = leader();
                    if (leader.isPresent()) {
                        attempt = propose(leader.get());
                    }
                }
                maybeRead();
                step();
            }
        }
        return now;
    }

    private long awaitConverged() {
        long bound = convergeBoundTicks(backlog());
        long deadline = now + bound;
        while (!converged()) {
            if (now >= deadline) {
                throw liveness("the members did not converge within " + bound + " ticks after the last proposal");
            }
            maybeRead();
            step();
        }
        return now;
    }

    /** Reads go on after the heal, to check them against the proposals' commits. */
    private void maybeRead() {
        if (options.readPerTick() > 0 && clients.nextDouble() < options.readPerTick()) {
            SimHost target = pickTarget();
            if (target != null) {
                read(target);
            }
        }
        readAtEveryLeader();
    }

    private void readAtEveryLeader() {
        if (options.readAtEveryLeader()) {
            for (SimHost h : upHosts()) {
                if (h.node.role() == Role.LEADER) {
                    read(h);
                }
            }
        }
    }

    /** The leader every voter of its membership follows, all in its term. */
    private Optional<SimHost> stableLeader() {
        Optional<SimHost> leader = leader();
        if (leader.isEmpty()) {
            return leader;
        }
        RaftNode l = leader.get().node;
        for (long v : l.membership().voters()) {
            SimHost h = hosts.get(v);
            if (h == null || !h.isUp() || h.node.term() != l.term() || h.node.leader() != l.id()) {
                return Optional.empty();
            }
        }
        return leader;
    }

    private boolean converged() {
        Optional<SimHost> leader = stableLeader();
        if (leader.isEmpty()) {
            return false;
        }
        RaftNode l = leader.get().node;
        if (l.commitIndex() != l.lastIndex() || l.commitIndex() < checker.maxCommitted) {
            return false;
        }
        for (SimHost h : members()) {
            if (!h.isUp() || h.isPersisting() || h.state.appliedIndex != l.commitIndex()
                    || h.node.lastIndex() != l.lastIndex()) {
                return false;
            }
        }
        return true;
    }

    private SimulationFailure liveness(String what) {
        return new SimulationFailure(options, now, "liveness: " + what, describeCluster(),
                trace.format(), null);
    }

    // ----------------------------------------------------------------------------------------

    /** The running leader of the highest term, if any node leads. */
    private Optional<SimHost> leader() {
        SimHost best = null;
        for (SimHost h : hosts.values()) {
            if (h.isUp() && h.node.role() == Role.LEADER && (best == null || h.node.term() > best.node.term())) {
                best = h;
            }
        }
        return Optional.ofNullable(best);
    }

    /** The hosts of the members of the leader's membership (all hosts when none leads). */
    private List<SimHost> members() {
        Optional<SimHost> leader = leader();
        if (leader.isEmpty()) {
            return new ArrayList<>(hosts.values());
        }
        Membership m = leader.get().node.membership();
        List<SimHost> list = new ArrayList<>();
        for (SimHost h : hosts.values()) {
            if (m.contains(h.id)) {
                list.add(h);
            }
        }
        return list;
    }

    private List<SimHost> upHosts() {
        List<SimHost> up = new ArrayList<>();
        for (SimHost h : hosts.values()) {
            if (h.isUp()) {
                up.add(h);
            }
        }
        return up;
    }

    /** Entries the furthest-behind member lacks of the longest log. */
    private long backlog() {
        long max = 0;
        for (SimHost h : upHosts()) {
            max = Math.max(max, h.node.lastIndex());
        }
        long min = max;
        for (SimHost h : members()) {
            min = Math.min(min, h.state.appliedIndex);
        }
        return max - min;
    }

    private long countApplied() {
        long n = 0;
        for (SafetyChecker.Proposal p : checker.proposals()) {
            if (p.applied) {
                n++;
            }
        }
        return n;
    }

    private long maxTerm() {
        long max = 0;
        for (SimHost h : upHosts()) {
            max = Math.max(max, h.node.term());
        }
        return max;
    }

    private static <T> void shuffle(List<T> list, SplittableRandom random) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            T t = list.get(i);
            list.set(i, list.get(j));
            list.set(j, t);
        }
    }

    private String describeCluster() {
        StringBuilder b = new StringBuilder();
        for (SimHost h : hosts.values()) {
            b.append("  ").append(h).append('\n');
        }
        b.append("  committed up to ").append(checker.maxCommitted).append(", applied somewhere up to ")
                .append(checker.maxApplied).append('\n');
        return b.toString();
    }

    Collection<SimHost> hosts() {
        return hosts.values();
    }
}
