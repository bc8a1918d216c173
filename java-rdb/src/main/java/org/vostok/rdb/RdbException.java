package org.vostok.rdb;

import java.util.Objects;
import java.util.Optional;

/**
 * An rdb failure: a stable {@link RdbError}, a message a person can act on, and for
 * {@link RdbError#NOTLEADER} the leader this replica knows. Unchecked.
 *
 * <p>{@link #outcomeUnknown()} is true when the failure does not say whether a commit took
 * effect: the entry was proposed and may still commit (the leader stepped down or shut down
 * before it knew). Such a caller asks a later leader with {@code Tx.requestOutcome(requestId)}.
 */
public class RdbException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final RdbError error;
    private final String detail;
    private final transient Optional<LeaderHint> leaderHint;
    private final boolean outcomeUnknown;

    public RdbException(RdbError error, String message) {
        this(error, message, Optional.empty(), false, null);
    }

    public RdbException(RdbError error, String message, Throwable cause) {
        this(error, message, Optional.empty(), false, cause);
    }

    public RdbException(RdbError error, String message, Optional<LeaderHint> leaderHint, boolean outcomeUnknown,
                        Throwable cause) {
        super(error.name() + ": " + message, cause);
        this.error = Objects.requireNonNull(error, "error");
        this.detail = message;
        this.leaderHint = Objects.requireNonNull(leaderHint, "leaderHint");
        this.outcomeUnknown = outcomeUnknown;
    }

    /** A NOTLEADER failure naming the leader this replica knows, if any. */
    public static RdbException notLeader(String message, Optional<LeaderHint> hint) {
        return new RdbException(RdbError.NOTLEADER, message, hint, false, null);
    }

    public RdbError error() {
        return error;
    }

    /** The leader this replica knows, for a {@link RdbError#NOTLEADER}; empty when it knows none. */
    public Optional<LeaderHint> leaderHint() {
        return leaderHint == null ? Optional.empty() : leaderHint;
    }

    /** True when a proposed commit may or may not have taken effect (see the class comment). */
    public boolean outcomeUnknown() {
        return outcomeUnknown;
    }

    /** The message without the error's name. */
    public String detail() {
        return detail;
    }

    /** The same failure with the outcome marked unknown. */
    public RdbException withOutcomeUnknown() {
        return new RdbException(error, detail, leaderHint(), true, this);
    }
}
