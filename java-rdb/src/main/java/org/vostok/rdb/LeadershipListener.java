package org.vostok.rdb;

import org.vostok.rdb.model.RdbException;

/**
 * What a host (a replicated service) hears about its replica's leadership. Events come one at a
 * time, in order, never overlapping, on the replica's own event thread: a {@code stepUp(t)} is
 * always followed by {@code stepDown(t)} before any later {@code stepUp}, and {@code stop} comes
 * last. A handler may take its time (load state, run queries) without holding the replica up.
 */
public interface LeadershipListener {

    /** Does nothing. */
    LeadershipListener NONE = new LeadershipListener() {
    };

    /**
     * This replica leads term {@code term}, and the term's first entry is applied: every entry
     * committed before is visible, and {@link Replica#begin(long)} accepts the term. If this
     * throws, the replica gives up the leadership (it hands it to another voter).
     */
    default void stepUp(long term) {
    }

    /** This replica no longer leads term {@code term}: transactions of that term now fail. */
    default void stepDown(long term) {
    }

    /** The replica stopped because of {@code error} (its store failed, an invariant broke); it does nothing more. */
    default void stop(RdbException error) {
    }
}
