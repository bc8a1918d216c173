package org.vostok.client;

import java.util.Objects;
import java.util.Optional;

/**
 * A failed call: a stable {@link ErrorCode}, a message a person can act on, the leader hint
 * that came with it, and whether an update may have taken effect. Unchecked.
 *
 * <p>{@link #outcomeUnknown()} is true only when the client gave up (deadline or retry budget)
 * on an update whose last attempt's fate it does not know. Within one call the client resolves
 * such attempts itself: every retry of an update carries the same client id and sequence
 * number, so the service applies it at most once and answers a retry with the original outcome.
 */
public class VostokException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final String detail;
    private final transient Optional<LeaderHint> hint;
    private final boolean outcomeUnknown;

    public VostokException(ErrorCode code, String detail) {
        this(code, detail, Optional.empty(), false, null);
    }

    public VostokException(ErrorCode code, String detail, Optional<LeaderHint> hint, boolean outcomeUnknown,
                           Throwable cause) {
        super(code.name() + ": " + detail, cause);
        this.code = Objects.requireNonNull(code, "code");
        this.detail = Objects.requireNonNull(detail, "detail");
        this.hint = Objects.requireNonNull(hint, "hint");
        this.outcomeUnknown = outcomeUnknown;
    }

    public ErrorCode code() {
        return code;
    }

    /** The message without the code's name. */
    public String detail() {
        return detail;
    }

    public Optional<LeaderHint> hint() {
        return hint == null ? Optional.empty() : hint;
    }

    /** True when an update may or may not have taken effect (see the class comment). */
    public boolean outcomeUnknown() {
        return outcomeUnknown;
    }
}
