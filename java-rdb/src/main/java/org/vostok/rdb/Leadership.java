package org.vostok.rdb;

import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vostok.raft.Entry;
import org.vostok.raft.PeerStatus;
import org.vostok.raft.RaftNode;
import org.vostok.raft.Role;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;

/**
 * Leadership as the host sees it: the term whose {@code stepUp} was raised, the term in which
 * this replica takes transactions (it leads, and the term's first entry is applied), and a term
 * it gave up (its host's stepUp failed, or a commit in it ended ambiguously), which it hands over
 * and ends for certain after {@link #ABANDONED_TERM_TICKS_MAX} election timeouts.
 *
 * <p>Owned by the replica's thread.
 */
final class Leadership {

    private static final Logger LOG = LoggerFactory.getLogger(Leadership.class);

    /**
     * Election timeouts a replica may still lead a term it gave up (a transfer that did not
     * happen) before it restarts its core, which ends the term here for certain.
     */
    static final int ABANDONED_TERM_TICKS_MAX = 2;

    private final ReplicaCore core;
    private final RdbConfig config;
    private final LeadershipEvents events;

    /** The term whose stepUp was raised and whose stepDown was not, or 0. */
    private long steppedUpTerm;
    /** The term in which this replica leads with its first entry applied and takes transactions, or 0. */
    private long readyTerm;
    /** A term this replica gave up: it takes no transactions in it and hands the leadership over. */
    private long abandonedTerm;
    /** Ticks since {@link #abandonedTerm} was given up while this replica still leads it. */
    private long abandonedTermTicks;

    Leadership(ReplicaCore core, RdbConfig config, LeadershipEvents events) {
        this.core = core;
        this.config = config;
        this.events = events;
    }

    long readyTerm() {
        return readyTerm;
    }

    /** The term given up, while this replica still leads it; else 0. */
    long abandonedTermLed() {
        return core.leading() == abandonedTerm ? abandonedTerm : 0;
    }

    /** Empty when this replica leads {@code term} and takes transactions in it, else why not. */
    Optional<RdbException> refuseTerm(long term) {
        RaftNode node = core.node();
        long id = core.id();
        if (node.role() == Role.LEADER && node.term() > term) {
            return Optional.of(new RdbException(RdbError.STALE, "the transaction's term " + term + " is over: replica "
                    + id + " leads term " + node.term() + " now; begin a new transaction"));
        }
        if (node.role() == Role.LEADER && node.term() == term && abandonedTerm == term) {
            return Optional.of(RdbException.notLeader("replica " + id + " leads term " + term + " but takes no more"
                    + " transactions in it (a commit in it ended ambiguously, or its host could not step up): it hands"
                    + " the leadership over; retry on the next leader", Optional.empty()));
        }
        if (node.role() != Role.LEADER || node.term() != term || readyTerm != term) {
            return Optional.of(RdbException.notLeader("replica " + id + " does not lead term " + term + " (it is "
                    + core.roleText() + ")" + core.hintText(), core.hint()));
        }
        return Optional.empty();
    }

    /**
     * At the start of a Ready: a term no longer led is not ready, and its host steps down
     * ({@code publish} first, so that the status the handler reads is current). Returns the
     * term this replica leads now, or 0.
     */
    long noticeLoss(Runnable publish) {
        long leading = core.leading();
        if (readyTerm != 0 && readyTerm != leading) {
            readyTerm = 0;
        }
        if (steppedUpTerm != 0 && steppedUpTerm != leading) {
            publish.run();
            events.stepDown(steppedUpTerm);
            steppedUpTerm = 0;
        }
        return leading;
    }

    /**
     * Entry {@code e} is applied: the term's first entry makes a leader ready, and its host steps
     * up (the status is published first, so the handler can begin transactions at once).
     */
    void onApplied(Entry e, Runnable publish) {
        long term = core.leading();
        if (term != 0 && e.term() == term && readyTerm != term && abandonedTerm != term) {
            // The term's first entry is applied: everything committed before is visible.
            readyTerm = term;
            steppedUpTerm = term;
            publish.run();
            events.stepUp(term);
        }
    }

    /**
     * Takes no more transactions in {@code term}, which this replica leads, and hands the
     * leadership to the most caught-up voter, so that a new term settles what this one left
     * open. Pending commits and reads go on: they end when their entries apply or the term ends.
     * Returns why the core must be restarted now: no other voter can take over, so only a new
     * election (which the restarted core starts) ends the term.
     */
    Optional<String> giveUp(long term, String why) {
        RaftNode node = core.node();
        if (core.leading() != term || abandonedTerm == term) {
            return Optional.empty();
        }
        abandonedTerm = term;
        abandonedTermTicks = 0;
        readyTerm = 0;
        LOG.warn("replica {} takes no more transactions in term {}: {}; it hands the leadership over", core.id(), term,
                why);
        long best = RaftNode.NONE;
        long bestMatch = -1;
        for (Map.Entry<Long, PeerStatus> p : node.status().peers().entrySet()) {
            if (p.getKey() != core.id() && !p.getValue().learner() && p.getValue().match() > bestMatch) {
                best = p.getKey();
                bestMatch = p.getValue().match();
            }
        }
        if (best == RaftNode.NONE) {
            return Optional.of("it leads term " + term + " as the only voter and takes no more transactions in it ("
                    + why + ")");
        }
        node.transferLeadership(best).ifPresent(r -> LOG.warn("replica {}: could not hand leadership to {}: {}",
                core.id(), r.leaderHint(), r.message()));
        return Optional.empty();
    }

    /** Once a tick: why the core must be restarted, when it still leads a term it gave up after a while. */
    Optional<String> onTick() {
        if (abandonedTerm == 0 || core.leading() != abandonedTerm) {
            return Optional.empty();
        }
        if (++abandonedTermTicks > (long) ABANDONED_TERM_TICKS_MAX * config.electionTimeoutTicks()) {
            return Optional.of("it still leads term " + abandonedTerm + ", which it gave up, after "
                    + ABANDONED_TERM_TICKS_MAX + " election timeouts");
        }
        return Optional.empty();
    }

    /** The core is restarted (it steps down): the host steps down too. */
    void onCoreRestart(Runnable publish) {
        if (steppedUpTerm != 0) {
            publish.run();
            events.stepDown(steppedUpTerm);
            steppedUpTerm = 0;
        }
        readyTerm = 0;
    }

    /** The replica stops: a host that stepped up steps down. */
    void shutdown() {
        if (steppedUpTerm != 0) {
            events.stepDown(steppedUpTerm);
            steppedUpTerm = 0;
        }
        readyTerm = 0;
    }
}
