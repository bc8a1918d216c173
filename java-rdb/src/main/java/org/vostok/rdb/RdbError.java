package org.vostok.rdb;

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
    /** No answer in time (a read index, a commit); the outcome of a commit is then unknown. */
    TIMEDOUT(8),
    /** The replica is shutting down or has stopped. */
    SHUTDOWN(9),
    /** Stored data fails a check: a checksum, a record's format. The replica stops. */
    CORRUPT(10),
    /** The store failed (the operating system refused, out of memory). The replica stops. */
    IO(11),
    /** Too many requests wait already; retry later. */
    BUSY(12);

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
