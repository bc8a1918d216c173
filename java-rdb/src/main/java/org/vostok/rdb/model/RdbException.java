package org.vostok.rdb.model;

import java.util.Objects;
import java.util.Optional;

/**
 * An rdb failure: a stable {@link RdbError}, a message a person can act on, and for
 * {@link RdbError#NOTLEADER} the leader this replica knows. Unchecked.
 *
 * <p>A commit that was proposed and may or may not take effect fails with
 * {@link RdbError#OUTCOME_UNKNOWN}, never with the code of what made it ambiguous: a handler that
 * switches on the code cannot mistake it for a clean refusal and retry it as if nothing had
 * happened. What made it ambiguous (NOTLEADER: the leader lost its term; SHUTDOWN; TIMEDOUT)
 * is {@link #outcomeUnknownCause()}, the exception's cause, and part of its message. Such a
 * caller asks a leader of a later term with {@code Tx.requestOutcome(requestId)}, or retries with
 * the same request id (a duplicate waits for the first attempt's fate and answers with it).
 */
public class RdbException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final RdbError error;
    private final String detail;
    private final transient Optional<LeaderHint> leaderHint;
    /** What made an OUTCOME_UNKNOWN ambiguous; null for every other error. */
    private final RdbError outcomeUnknownCause;

    public RdbException(RdbError error, String message) {
        this(error, message, Optional.empty(), null);
    }

    public RdbException(RdbError error, String message, Throwable cause) {
        this(error, message, Optional.empty(), cause);
    }

    /**
     * A failure with a leader hint. Not for {@link RdbError#OUTCOME_UNKNOWN}, which always
     * carries its cause: use {@link #outcomeUnknown(RdbException)}.
     */
    public RdbException(RdbError error, String message, Optional<LeaderHint> leaderHint, Throwable cause) {
        this(notOutcomeUnknown(error), message, leaderHint, null, cause);
    }

    private static RdbError notOutcomeUnknown(RdbError error) {
        if (error == RdbError.OUTCOME_UNKNOWN) {
            throw new IllegalArgumentException("an OUTCOME_UNKNOWN carries the failure that made it ambiguous:"
                    + " use RdbException.outcomeUnknown(cause)");
        }
        return error;
    }

    private RdbException(RdbError error, String detail, Optional<LeaderHint> leaderHint, RdbError outcomeUnknownCause,
                         Throwable cause) {
        super(Objects.requireNonNull(error, "error").name() + ": " + detail, cause);
        this.error = error;
        this.detail = detail;
        this.leaderHint = Objects.requireNonNull(leaderHint, "leaderHint");
        this.outcomeUnknownCause = outcomeUnknownCause;
        if ((error == RdbError.OUTCOME_UNKNOWN) != (outcomeUnknownCause != null)) {
            throw new IllegalStateException("an OUTCOME_UNKNOWN, and only it, has a cause code: " + error + ", "
                    + outcomeUnknownCause);
        }
    }

    /** A NOTLEADER failure naming the leader this replica knows, if any. */
    public static RdbException notLeader(String message, Optional<LeaderHint> hint) {
        return new RdbException(RdbError.NOTLEADER, message, hint, null);
    }

    /**
     * An {@link RdbError#OUTCOME_UNKNOWN} for a proposed commit that {@code cause} (a NOTLEADER,
     * SHUTDOWN, TIMEDOUT, or the error that stopped the replica) left undecided: the cause is
     * kept as the exception's cause, in the message, and as {@link #outcomeUnknownCause()}; its
     * leader hint is kept too. An OUTCOME_UNKNOWN passed in is returned as it is.
     */
    public static RdbException outcomeUnknown(RdbException cause) {
        if (cause.error == RdbError.OUTCOME_UNKNOWN) {
            return cause;
        }
        return new RdbException(RdbError.OUTCOME_UNKNOWN, "the commit may or may not take effect (" + cause.getMessage()
                + "); do not retry it as if it had not: ask a leader of a later term with Tx.requestOutcome, or retry"
                + " with the same request id", cause.leaderHint(), cause.error, cause);
    }

    public RdbError error() {
        return error;
    }

    /** The leader this replica knows, for a {@link RdbError#NOTLEADER}; empty when it knows none. */
    public Optional<LeaderHint> leaderHint() {
        return leaderHint == null ? Optional.empty() : leaderHint;
    }

    /** True for {@link RdbError#OUTCOME_UNKNOWN}: a proposed commit may or may not have taken effect. */
    public boolean outcomeUnknown() {
        return error == RdbError.OUTCOME_UNKNOWN;
    }

    /**
     * For an {@link RdbError#OUTCOME_UNKNOWN}, what made the outcome unknown: NOTLEADER (the
     * leader lost its term), SHUTDOWN (it shut down), TIMEDOUT (not applied within
     * commitTimeoutMillis), or the error that stopped the replica. Empty for every other error.
     */
    public Optional<RdbError> outcomeUnknownCause() {
        return Optional.ofNullable(outcomeUnknownCause);
    }

    /** The message without the error's name. */
    public String detail() {
        return detail;
    }

    /** The same failure as an OUTCOME_UNKNOWN caused by it (see {@link #outcomeUnknown(RdbException)}). */
    public RdbException withOutcomeUnknown() {
        return outcomeUnknown(this);
    }

    /** The same failure, thrown again on another thread: this one becomes its cause, for the stack. */
    public RdbException rethrown() {
        return new RdbException(error, detail, leaderHint(), outcomeUnknownCause, this);
    }
}
