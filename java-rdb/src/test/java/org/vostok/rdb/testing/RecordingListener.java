package org.vostok.rdb.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.vostok.rdb.LeadershipListener;
import org.vostok.rdb.model.RdbException;

/**
 * A {@link LeadershipListener} that records its events ("stepUp 3", "stepDown 3", "stop IO")
 * and checks as they come that they never overlap and that each stepDown follows the stepUp of
 * its term. A violation is recorded and reported by {@link #assertWellFormed()}.
 */
public class RecordingListener implements LeadershipListener {

    private final List<String> events = new ArrayList<>();
    private final List<String> violations = new ArrayList<>();
    private final AtomicInteger inside = new AtomicInteger();
    private long upTerm;
    private long lastUpTerm;

    @Override
    public void stepUp(long term) {
        enter();
        try {
            synchronized (this) {
                if (upTerm != 0) {
                    violations.add("stepUp " + term + " while term " + upTerm + " was not stepped down");
                }
                if (term <= lastUpTerm) {
                    violations.add("stepUp " + term + " after stepUp " + lastUpTerm);
                }
                upTerm = term;
                lastUpTerm = term;
                events.add("stepUp " + term);
            }
            onStepUp(term);
        } finally {
            leave();
        }
    }

    /** For subclasses: what the host does on stepping up (runs after the event is recorded). */
    protected void onStepUp(long term) {
    }

    @Override
    public void stepDown(long term) {
        enter();
        try {
            synchronized (this) {
                if (upTerm != term) {
                    violations.add("stepDown " + term + " while the term stepped up is " + upTerm);
                }
                upTerm = 0;
                events.add("stepDown " + term);
            }
        } finally {
            leave();
        }
    }

    @Override
    public void stop(RdbException error) {
        enter();
        try {
            synchronized (this) {
                events.add("stop " + error.error());
            }
        } finally {
            leave();
        }
    }

    private void enter() {
        if (inside.incrementAndGet() != 1) {
            synchronized (this) {
                violations.add("two events overlap");
            }
        }
    }

    private void leave() {
        inside.decrementAndGet();
    }

    public synchronized List<String> events() {
        return List.copyOf(events);
    }

    /** The term stepped up and not stepped down, or 0. */
    public synchronized long steppedUpTerm() {
        return upTerm;
    }

    public synchronized void assertWellFormed() {
        if (!violations.isEmpty()) {
            throw new AssertionError("leadership events out of order: " + violations + " in " + events);
        }
    }
}
