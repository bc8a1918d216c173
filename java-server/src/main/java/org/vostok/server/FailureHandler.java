package org.vostok.server;

import picocli.CommandLine;

/**
 * Turns an exception out of a subcommand into one line a person can act on and exit code 1.
 * A stack trace is printed only with {@code VOSTOK_DEBUG=1}: at 3 a.m. the message is what
 * matters, and every exception Vostok throws carries one.
 */
final class FailureHandler implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception failure, CommandLine commandLine,
                                        CommandLine.ParseResult parseResult) {
        String what = failure.getMessage() == null ? failure.toString() : failure.getMessage();
        commandLine.getErr().println("vostok " + commandLine.getCommandName() + ": " + what);
        if ("1".equals(System.getenv("VOSTOK_DEBUG"))) {
            failure.printStackTrace(commandLine.getErr());
        }
        return 1;
    }
}
