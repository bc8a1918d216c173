package org.vostok.server;

import picocli.CommandLine;

/** The version printed by {@code vostok --version}: the jar's implementation version. */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String version = Main.class.getPackage().getImplementationVersion();
        return new String[] {"vostok " + (version == null ? "(development build)" : version),
                "java " + Runtime.version()};
    }
}
