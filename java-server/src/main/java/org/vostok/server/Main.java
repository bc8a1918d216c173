package org.vostok.server;

import org.vostok.hw.HwCheckCommand;
import org.vostok.server.cli.ContCommand;
import org.vostok.server.cli.NodeCommand;
import org.vostok.server.cli.PoolCommand;
import org.vostok.server.cli.StatusCommand;
import org.vostok.server.daemon.ServerCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code vostok} command line. Each subcommand is its own class; this one only wires them
 * together and turns a failure into an exit code and a message.
 */
@Command(name = "vostok",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Replicated RPC services over a persistent-memory object store.",
        subcommands = {DemoCommand.class, BenchCommand.class, VosDemoCommand.class, ServerCommand.class,
                StatusCommand.class, PoolCommand.class, ContCommand.class, NodeCommand.class,
                NodeProcessCommand.class, HwCheckCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with its subcommands and error handling, for tests and for main. */
    static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new Main());
        commandLine.setExecutionExceptionHandler(new FailureHandler());
        return commandLine;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
