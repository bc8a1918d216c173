package org.vostok.server.cli;

import org.vostok.client.ErrorCode;
import org.vostok.client.VostokException;

/**
 * The exit codes of the {@code vostok} admin commands, for scripts. They never change meaning;
 * new kinds of failure get new numbers.
 */
public final class ExitCodes {

    public static final int OK = 0;
    /** Anything not below: the message says what. */
    public static final int OTHER = 1;
    /** A bad option or argument (picocli's usage error code), or a value the service refused as invalid. */
    public static final int USAGE = 2;
    /** What the command names (a pool, container, attribute, snapshot, node) does not exist. */
    public static final int NOT_FOUND = 3;
    /** The principal lacks the permission the operation needs. */
    public static final int PERMISSION = 4;
    /** No node of the system answered in time. */
    public static final int UNREACHABLE = 5;
    /** What the command would create exists already. */
    public static final int EXISTS = 6;
    /** What the command would destroy or change is in use (open handles). */
    public static final int IN_USE = 7;

    /** The exit codes as picocli's usage help lists them. */
    public static final String HEADING = "%nExit codes:%n";
    public static final String LINE_OK = "0:done";
    public static final String LINE_OTHER = "1:failed for another reason (the message says why)";
    public static final String LINE_USAGE = "2:bad option or argument";
    public static final String LINE_NOT_FOUND = "3:not found (pool, container, attribute, snapshot or node)";
    public static final String LINE_PERMISSION = "4:permission denied to the principal";
    public static final String LINE_UNREACHABLE = "5:the system could not be reached";
    public static final String LINE_EXISTS = "6:exists already";
    public static final String LINE_IN_USE = "7:in use (open handles)";

    private ExitCodes() {
    }

    /** The exit code for a failed call. */
    public static int of(VostokException e) {
        return of(e.code());
    }

    public static int of(ErrorCode code) {
        return switch (code) {
            case NONEXIST -> NOT_FOUND;
            case NOPERM -> PERMISSION;
            case UNREACHABLE, TIMEDOUT, SHUTDOWN, NOTLEADER, NOTREPLICA -> UNREACHABLE;
            case EXIST -> EXISTS;
            case INUSE -> IN_USE;
            case INVAL, WRONG_CLUSTER, TOOBIG -> USAGE;
            default -> OTHER;
        };
    }
}
