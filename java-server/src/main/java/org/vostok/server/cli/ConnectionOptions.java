package org.vostok.server.cli;

import java.util.ArrayList;
import java.util.List;
import org.vostok.client.CallOptions;
import org.vostok.client.mgmt.MgmtClient;
import org.vostok.client.net.HostPort;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** How an admin command reaches the system: any one node's address, the cluster id, a timeout. */
public final class ConnectionOptions {

    /** The environment variable that gives the addresses when --address does not (comma-separated). */
    public static final String ADDRESS_VARIABLE = "VOSTOK_ADDRESS";
    static final int TIMEOUT_SECONDS_MAX = 3_600;

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = {"-a", "--address"}, paramLabel = "HOST:PORT",
            description = "A node of the system: any one will do, the command finds the others. Repeatable."
                    + " Default: $" + ADDRESS_VARIABLE + " (comma-separated).")
    List<String> addresses = new ArrayList<>();

    @Option(names = "--cluster", paramLabel = "ID", defaultValue = "${env:VOSTOK_CLUSTER:-vostok}",
            description = "The system's cluster id (the nodes' cluster setting). Default: $VOSTOK_CLUSTER, else vostok.")
    String cluster;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "15",
            description = "Give up on a call after this long (default: ${DEFAULT-VALUE}). Creating and destroying"
                    + " pools and excluding nodes take up to 3 minutes whatever this says.")
    int timeoutSeconds;

    /** The addresses to start from: --address, else $VOSTOK_ADDRESS; a usage error when neither gives one. */
    List<String> addresses() {
        List<String> given = new ArrayList<>(addresses);
        if (given.isEmpty()) {
            String env = System.getenv(ADDRESS_VARIABLE);
            if (env != null) {
                for (String a : env.split(",")) {
                    if (!a.isBlank()) {
                        given.add(a.trim());
                    }
                }
            }
        }
        if (given.isEmpty()) {
            throw new ParameterException(mixee.commandLine(), "which system? Give --address HOST:PORT (any node of"
                    + " it), or set " + ADDRESS_VARIABLE + "=HOST:PORT");
        }
        for (String a : given) {
            try {
                HostPort.parse(a);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(mixee.commandLine(), e.getMessage());
            }
        }
        return given;
    }

    String cluster() {
        if (cluster == null || cluster.isBlank()) {
            throw new ParameterException(mixee.commandLine(), "--cluster must name the system's cluster id");
        }
        return cluster;
    }

    CallOptions callOptions() {
        if (timeoutSeconds < 1 || timeoutSeconds > TIMEOUT_SECONDS_MAX) {
            throw new ParameterException(mixee.commandLine(), "--timeout must be 1 .. " + TIMEOUT_SECONDS_MAX
                    + " seconds, not " + timeoutSeconds);
        }
        return CallOptions.DEFAULTS.withDeadlineMillis(timeoutSeconds * 1_000L);
    }

    /** A session with the system; close it when done. */
    Admin connect() {
        List<String> a = addresses();
        String c = cluster();
        return new Admin(MgmtClient.connect(c, a, callOptions()), a, c);
    }
}
