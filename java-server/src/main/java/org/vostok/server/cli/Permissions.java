package org.vostok.server.cli;

import org.vostok.client.pool.PoolClient;

/** Permissions as the command line writes them: letters r (read), w (write), a (admin), or "none". */
final class Permissions {

    private Permissions() {
    }

    /** The permission bits {@code text} names; {@link CliFailure} (usage) when it names none. */
    static int parse(String text) {
        if (text.equals("none")) {
            return 0;
        }
        int bits = 0;
        for (char c : text.toCharArray()) {
            int bit = switch (c) {
                case 'r' -> PoolClient.READ;
                case 'w' -> PoolClient.WRITE;
                case 'a' -> PoolClient.ADMIN;
                default -> -1;
            };
            if (bit < 0 || (bits & bit) != 0) {
                throw new CliFailure(ExitCodes.USAGE, "'" + text + "' is not a set of permissions: write letters"
                        + " r (read), w (write) and a (admin), e.g. rw, or none to remove the entry");
            }
            bits |= bit;
        }
        if (bits == 0) {
            throw new CliFailure(ExitCodes.USAGE, "no permissions given: write r, rw, rwa, ... or none");
        }
        return bits;
    }

    static String format(int bits) {
        StringBuilder b = new StringBuilder();
        if ((bits & PoolClient.READ) != 0) {
            b.append('r');
        }
        if ((bits & PoolClient.WRITE) != 0) {
            b.append('w');
        }
        if ((bits & PoolClient.ADMIN) != 0) {
            b.append('a');
        }
        return b.isEmpty() ? "none" : b.toString();
    }
}
