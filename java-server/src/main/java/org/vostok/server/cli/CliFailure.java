package org.vostok.server.cli;

/**
 * A command that failed, with the message to print (what failed and what to do) and the exit
 * code ({@link ExitCodes}). The command line prints the message alone: it is written for the
 * person at the terminal, and the stack trace adds nothing (VOSTOK_DEBUG=1 shows it anyway).
 */
public final class CliFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    public CliFailure(int exitCode, String message) {
        this(exitCode, message, null);
    }

    public CliFailure(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
