package org.vostok.rdb.model;

/**
 * What went wrong in an rdb call, by a stable code that a wire protocol can carry. Every
 * {@link RdbException} has one.
 */
public enum RdbError {
    /** This replica does not lead in the term asked for; the exception may name the leader it knows. */
    NOTLEADER(1),
    /** The KVS (or the root) does not exist. */
    NONEXIST(2),
    /** The KVS (or the root, or the request id) exists already. */
    EXIST(3),
    /** A wrong argument or a wrong kind of key: a value where a KVS is expected, a key of the wrong order. */
    INVAL(4),
    /** The pool is too full to take a transaction that is not critical; delete something first. */
    NOSPACE(5),
    /** Beyond a size limit: a key, a value, a transaction, an entry. */
    TOOBIG(6),
    /** The transaction's term is over: this replica leads a later term now. */
    STALE(7),
    /**
     * No answer in time: a read index, or (as the cause of an {@link #OUTCOME_UNKNOWN}) a commit
     * that was proposed and not applied within its deadline.
     */
    TIMEDOUT(8),
    /** The replica is shutting down or has stopped. */
    SHUTDOWN(9),
    /** Stored data fails a check: a checksum, a record's format. The replica stops. */
    CORRUPT(10),
    /** The store failed (the operating system refused, out of memory). The replica stops. */
    IO(11),
    /** Too many requests wait already; retry later. */
    BUSY(12),
    /**
     * A commit was proposed and this replica cannot tell whether it will take effect: the leader
     * lost its term, shut down, or ran out of time before the entry was applied (the
     * exception's cause is that NOTLEADER, SHUTDOWN or TIMEDOUT). The entry may still commit.
     * Never retry it as if nothing happened: ask a leader of a later term whether its request id
     * committed ({@code Tx.requestOutcome}), or retry with the same request id.
     */
    OUTCOME_UNKNOWN(13);

    private final int code;

    RdbError(int code) {
        this.code = code;
    }

    /** The stable code, above 0. */
    public int code() {
        return code;
    }

    /** The error with {@code code}; {@link IllegalArgumentException} for a code this version does not know. */
    public static RdbError ofCode(int code) {
        for (RdbError e : values()) {
            if (e.code == code) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown rdb error code " + code);
    }
}
