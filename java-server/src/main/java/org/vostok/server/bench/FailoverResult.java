package org.vostok.server.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The failover runs of one kind of fault.
 *
 * @param fault how the leader was taken away
 * @param rounds each run, in order
 */
public record FailoverResult(Fault fault, List<Round> rounds) {

    /**
     * One run: the leader's node and process, the time from the fault to the client's first
     * successful write ({@code writeOkMillis}), when a new leader was first seen (by a node's
     * status, polled every {@value LeaderWatch#PERIOD_MILLIS} ms, or by that write's reply; -1 if
     * not before the write), who answered the write and in which term, how long the old leader
     * took to catch up once it was back, and the leader changes seen from the fault until then
     * (1 when all went as it should).
     */
    public record Round(int round, long node, long pid, double faultAtSeconds, long writeOkMillis,
                        long leaderSeenMillis, long newLeader, long newTerm, long catchUpMillis, int leaderChanges) {
    }

    public FailoverResult {
        rounds = List.copyOf(rounds);
    }

    public List<Long> millis() {
        return rounds.stream().map(Round::writeOkMillis).toList();
    }

    /** The median (of an even count the upper of the two middle ones, as the peers' benchmark). */
    public long medianMillis() {
        List<Long> sorted = new ArrayList<>(millis());
        if (sorted.isEmpty()) {
            return 0;
        }
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    public long maxMillis() {
        return millis().stream().mapToLong(Long::longValue).max().orElse(0);
    }
}
