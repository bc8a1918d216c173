package org.vostok.hw.tools;

/**
 * A tool's output is not what its documented format says: a check reports it as a failure of
 * that tool, quoting this message, instead of guessing.
 */
public final class ToolOutputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ToolOutputException(String message) {
        super(message);
    }

    public ToolOutputException(String message, Throwable cause) {
        super(message, cause);
    }
}
