package org.vostok.server;

import org.vostok.client.VostokException;
import org.vostok.server.cli.CliFailure;
import org.vostok.server.cli.ExitCodes;
import picocli.CommandLine;

/**
 * Turns an exception out of a subcommand into one line a person can act on and an exit code:
 * a {@link CliFailure}'s own, the code's kind for a failed call ({@link ExitCodes}), 1 for
 * anything else. A stack trace is printed only with {@code VOSTOK_DEBUG=1}: at 3 a.m. the
 * message is what matters, and every exception Vostok throws carries one.
 */
final class FailureHandler implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception failure, CommandLine commandLine,
                                        CommandLine.ParseResult parseResult) {
        String what = failure.getMessage() == null ? failure.toString() : failure.getMessage();
        commandLine.getErr().println(name(commandLine) + ": " + what);
        if ("1".equals(System.getenv("VOSTOK_DEBUG"))) {
            failure.printStackTrace(commandLine.getErr());
        }
        commandLine.getErr().flush();
        if (failure instanceof CliFailure c) {
            return c.exitCode();
        }
        if (failure instanceof VostokException v) {
            return ExitCodes.of(v);
        }
        return ExitCodes.OTHER;
    }

    /** "vostok pool create": the command as typed. */
    private static String name(CommandLine commandLine) {
        StringBuilder b = new StringBuilder();
        for (CommandLine c = commandLine; c != null; c = c.getParent()) {
            b.insert(0, c.getParent() == null ? "vostok" : " " + c.getCommandName());
        }
        return b.toString();
    }
}
