package org.vostok.server.cli;

import java.net.InetAddress;
import java.net.UnknownHostException;
import picocli.CommandLine.Option;

/** Who a pool or container command acts as: the principal the pool's access-control list is checked against. */
public final class PrincipalOption {

    @Option(names = "--principal", paramLabel = "NAME", defaultValue = "${env:VOSTOK_PRINCIPAL}",
            description = "Act as this principal (checked against the pool's access-control list). Default:"
                    + " $VOSTOK_PRINCIPAL, else USER@HOST of whoever runs the command.")
    String principal;

    String principal() {
        return principal != null && !principal.isBlank() ? principal : local();
    }

    /** user@host of this process. */
    static String local() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "localhost";
        }
        return System.getProperty("user.name", "unknown") + "@" + host;
    }
}
