package org.vostok.raft.sim;

/**
 * The last events of a run, kept in a ring so that a failure can show what led to it. Events are
 * stored unformatted (the objects are immutable: messages, entries, states) and turned into text
 * only when a run fails, so that tracing costs little on the many runs that pass.
 */
final class SimTrace {

    /**
     * Events printed with a failure: 200, or {@code -Dsim.trace=N} to see further back when
     * replaying a seed.
     */
    static final int PRINTED = Integer.getInteger("sim.trace", 200);
    /** Events kept; older ones are overwritten. */
    private static final int EVENTS_MAX = Math.max(PRINTED, 1);

    private final long[] ticks = new long[EVENTS_MAX];
    private final long[] nodes = new long[EVENTS_MAX];
    private final String[] kinds = new String[EVENTS_MAX];
    private final Object[] details = new Object[EVENTS_MAX];
    /** Events recorded so far; the newest is at {@code (count - 1) % EVENTS_MAX}. */
    private long count;

    /** Records that {@code kind} happened to {@code node} (0 for the cluster) at {@code tick}. */
    void add(long tick, long node, String kind, Object detail) {
        int at = (int) (count % EVENTS_MAX);
        ticks[at] = tick;
        nodes[at] = node;
        kinds[at] = kind;
        details[at] = detail;
        count++;
    }

    /** The last {@link #PRINTED} events, oldest first, one a line. */
    String format() {
        StringBuilder b = new StringBuilder();
        long from = Math.max(0, count - Math.min(PRINTED, EVENTS_MAX));
        for (long i = from; i < count; i++) {
            int at = (int) (i % EVENTS_MAX);
            b.append("  t=").append(ticks[at]).append(' ');
            b.append(nodes[at] == 0 ? "*" : Long.toString(nodes[at])).append(' ');
            b.append(kinds[at]);
            if (details[at] != null) {
                b.append(' ').append(details[at]);
            }
            b.append('\n');
        }
        return b.toString();
    }
}
