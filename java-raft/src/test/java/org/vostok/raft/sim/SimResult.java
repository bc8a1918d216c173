package org.vostok.raft.sim;

import java.util.Map;

/**
 * What a passing run did, for campaign summaries and to see which paths the seeds reach.
 *
 * @param ticks the run's length
 * @param leaderTick when every voter followed one leader after the heal
 * @param committedTick when the last proposal after the heal committed
 * @param convergedTick when every member held and applied the whole committed log
 */
public record SimResult(long seed, int nodes, long ticks, long leaderTick, long committedTick, long convergedTick,
                        long proposalsAccepted, long proposalsApplied, long proposalsRefused, long readsServed,
                        long leadersElected, long crashes, long partitions, long snapshotsInstalled,
                        long messagesSent, long messagesLost, long maxTerm, Map<String, Long> counts) {

    @Override
    public String toString() {
        return "seed=" + seed + " nodes=" + nodes + " ticks=" + ticks + " (leader after heal at " + leaderTick
                + ", committed at " + committedTick + ", converged at " + convergedTick + ") proposals accepted="
                + proposalsAccepted + " applied=" + proposalsApplied + " refused=" + proposalsRefused
                + " reads=" + readsServed + " leaders=" + leadersElected + " maxTerm=" + maxTerm
                + " crashes=" + crashes + " partitions=" + partitions + " snapshots=" + snapshotsInstalled
                + " messages=" + messagesSent + " lost=" + messagesLost;
    }
}
