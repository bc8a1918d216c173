package org.vostok.vos;

import java.util.OptionalInt;

/**
 * A failure of the versioning object store: a {@link VosError} code and a message a person can
 * act on (what was wrong and, where it helps, what to do). Whatever failed changed nothing.
 *
 * <p>Thread-safety: immutable once thrown.
 */
public class VosException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final VosError error;
    private final String detail;
    private final int failedOperation;

    /** An error with its message; {@link #getMessage()} is prefixed with the code's name. */
    public VosException(VosError error, String detail) {
        this(error, detail, -1, null);
    }

    /** An error with its message and the exception that caused it. */
    public VosException(VosError error, String detail, Throwable cause) {
        this(error, detail, -1, cause);
    }

    /**
     * A transaction's failure: {@code failedOperation} is the index of the operation that failed,
     * in the order they were added, or -1 when the failure was not one operation's.
     */
    public VosException(VosError error, String detail, int failedOperation) {
        this(error, detail, failedOperation, null);
    }

    private VosException(VosError error, String detail, int failedOperation, Throwable cause) {
        super(error.name() + ": " + detail, cause);
        if (failedOperation < -1) {
            throw new IllegalArgumentException("failedOperation must be -1 or an index, not " + failedOperation);
        }
        this.error = error;
        this.detail = detail;
        this.failedOperation = failedOperation;
    }

    /** The code. */
    public VosError error() {
        return error;
    }

    /** The message without the code's name. */
    public String detail() {
        return detail;
    }

    /** For a failed transaction commit: the index of the operation that failed, if one did. */
    public OptionalInt failedOperation() {
        return failedOperation < 0 ? OptionalInt.empty() : OptionalInt.of(failedOperation);
    }
}
