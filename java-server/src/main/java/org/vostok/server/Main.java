package org.vostok.server;

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
                NodeProcessCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with its subcommands and error handling, for tests and for main. */
    static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new Main());
        commandLine.addSubcommand("hw-check", hwCheck());
        commandLine.setExecutionExceptionHandler(new FailureHandler());
        return commandLine;
    }

    /**
     * {@code vostok hw-check} reaches libpmem through the FFM API, so it needs Java 22 or newer;
     * the rest of the command runs on Java 17. Its class is loaded only on a runtime that can
     * (a Java 17 runtime cannot even load it), and elsewhere the command says what to do.
     */
    private static Object hwCheck() {
        if (Runtime.version().feature() >= 22) {
            try {
                return Class.forName("org.vostok.hw.HwCheckCommand").getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("the hw-check command cannot be loaded: " + e, e);
            }
        }
        return new HwCheckUnavailable();
    }

    /** {@code vostok hw-check} on a runtime older than Java 22. */
    @Command(name = "hw-check", description = "Validate a PMEM or NVMe node (needs Java 22 or newer).")
    static final class HwCheckUnavailable implements java.util.concurrent.Callable<Integer> {
        @CommandLine.Parameters(arity = "0..*", hidden = true)
        private java.util.List<String> ignored;

        @CommandLine.Spec
        private CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().getErr().println("vostok hw-check: it reaches libpmem through the FFM API, which needs"
                    + " Java 22 or newer; this is Java " + Runtime.version().feature() + ". Run it with JAVA_HOME"
                    + " set to a JDK 22+ (e.g. /usr/lib/jvm/temurin-25-jdk-amd64).");
            return 3;
        }
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
