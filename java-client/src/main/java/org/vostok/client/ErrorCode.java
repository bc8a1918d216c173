package org.vostok.client;

import java.util.Optional;

/**
 * The stable error codes of the wire protocol. Codes 1 to 13 are rdb's ({@code RdbError}) and
 * keep its numbers; the others belong to the service framework and the protocol. A code is
 * never renumbered or reused; a peer that meets a code it does not know treats it as
 * {@link #INTERNAL}.
 */
public enum ErrorCode {
    /** The replier does not lead the service; the reply's hint names the leader it knows. */
    NOTLEADER(1, true),
    /** What the request names does not exist. */
    NONEXIST(2, false),
    /** What the request would create exists already. */
    EXIST(3, false),
    /** A bad argument; the message says which. */
    INVAL(4, false),
    /** The service's replicas are too full to take the update; delete something first. */
    NOSPACE(5, false),
    /** Beyond a size limit. */
    TOOBIG(6, false),
    /**
     * The caller's term is older than the replica knows (a node-service call from a former
     * leader). A request whose leader's term ended while it ran is answered NOTLEADER instead.
     */
    STALE(7, false),
    /** No answer in time. For an update whose outcome is not known, see {@link VostokException#outcomeUnknown()}. */
    TIMEDOUT(8, true),
    /** The replier is shutting down. */
    SHUTDOWN(9, true),
    /** Stored data failed a check; the replica stopped. */
    CORRUPT(10, true),
    /** The replica's storage failed; it stopped. */
    IO(11, true),
    /** Too much work is queued (back-pressure); retry after a pause. */
    BUSY(12, true),
    /** The update was proposed but its fate is not known yet (it may still take effect); retry with the same call. */
    OUTCOME_UNKNOWN(13, true),
    /** The replier holds no replica of the service: look elsewhere. */
    NOTREPLICA(20, true),
    /** Already so: a service replica that is running was asked to start. */
    ALREADY(21, false),
    /** A malformed request or reply. */
    PROTOCOL(22, false),
    /** The caller lacks the permission the operation needs. */
    NOPERM(23, false),
    /** The service has no such method. */
    UNKNOWN_METHOD(24, false),
    /** The node belongs to another cluster than the caller. */
    WRONG_CLUSTER(25, false),
    /** No protocol version both sides speak. */
    WRONG_VERSION(26, false),
    /** The address reached a node other than the one expected. */
    WRONG_NODE(27, true),
    /** The service leads but its database is not initialised yet; retry after a pause. */
    UNINIT(28, true),
    /** The client was closed before the call completed. */
    CLOSED(29, false),
    /** A failure the replier did not expect (a bug); its log has the details. */
    INTERNAL(30, false),
    /** No replica of the service could be reached (every candidate refused or failed). */
    UNREACHABLE(31, true),
    /** What the request would destroy or change is in use (open handles): close them first. */
    INUSE(32, false);

    private final int code;
    private final boolean retryable;

    ErrorCode(int code, boolean retryable) {
        this.code = code;
        this.retryable = retryable;
    }

    /** The stable code, above 0 (0 is success on the wire). */
    public int code() {
        return code;
    }

    /** Whether trying again (elsewhere, or later) may succeed. */
    public boolean retryable() {
        return retryable;
    }

    /** The error with {@code code}; empty for 0 (success) and for a code this version does not know. */
    public static Optional<ErrorCode> ofCode(int code) {
        for (ErrorCode e : values()) {
            if (e.code == code) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** The error with {@code code}, or {@link #INTERNAL} for one this version does not know. */
    public static ErrorCode ofCodeOrInternal(int code) {
        return ofCode(code).orElse(INTERNAL);
    }
}
