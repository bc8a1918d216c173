package org.vostok.server.cli;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.vostok.client.ErrorCode;
import org.vostok.client.Replies;
import org.vostok.client.VostokClient;
import org.vostok.client.VostokException;
import org.vostok.client.mgmt.MgmtClient;
import org.vostok.client.pool.PoolClient;

/**
 * One admin command's session with the system: its client, and the translation of a failed
 * call into what the person at the terminal reads ({@link CliFailure}): what failed, why, and
 * what to do about it, with the exit code of its kind.
 */
final class Admin implements AutoCloseable {

    private final VostokClient client;
    private final MgmtClient mgmt;
    private final List<String> addresses;
    private final String cluster;

    Admin(VostokClient client, List<String> addresses, String cluster) {
        this.client = client;
        this.mgmt = MgmtClient.of(client);
        this.addresses = List.copyOf(addresses);
        this.cluster = cluster;
    }

    VostokClient client() {
        return client;
    }

    MgmtClient mgmt() {
        return mgmt;
    }

    /** Waits for {@code f}; a failure becomes a {@link CliFailure} that says it happened while {@code doing}. */
    <T> T join(CompletableFuture<T> f, String doing) {
        try {
            return Replies.join(f);
        } catch (VostokException e) {
            throw failure(e, doing);
        }
    }

    /** The client of a pool's service, by label or uuid. */
    PoolClient pool(String pool) {
        return join(mgmt.openPool(pool), "finding pool '" + pool + "'");
    }

    /**
     * Connects to {@code pool} as {@code principal} with {@code permissions}, runs {@code op} with
     * the handle, and disconnects (whatever happened).
     */
    <T> T withHandle(String pool, String principal, int permissions, String doing,
                     Function<PoolClient.Handle, CompletableFuture<T>> op) {
        PoolClient p = pool(pool);
        PoolClient.Handle h = join(p.connect(principal, permissions), "connecting to pool '" + pool + "' as "
                + principal + " (" + Permissions.format(permissions) + ")");
        try {
            return join(op.apply(h), doing);
        } finally {
            try {
                Replies.join(h.disconnect());
            } catch (VostokException ignored) {
                // The pool service drops a handle whose client is gone when it next restarts its
                // leader; a failed disconnect leaves nothing that matters.
            }
        }
    }

    /** Opens container {@code cont} of the handle's pool, runs {@code op}, and closes it. */
    <T> CompletableFuture<T> withContainer(PoolClient.Handle h, String cont, int permissions,
                                           Function<PoolClient.Handle.Container, CompletableFuture<T>> op) {
        return h.openContainer(cont, permissions).thenCompose(c -> op.apply(c).handle((v, e) -> {
            c.close().exceptionally(x -> null);
            if (e != null) {
                throw e instanceof RuntimeException r ? r : new java.util.concurrent.CompletionException(e);
            }
            return v;
        }));
    }

    CliFailure failure(VostokException e, String doing) {
        ErrorCode code = e.code();
        String detail = e.detail();
        String at = String.join(", ", addresses) + " (cluster '" + cluster + "')";
        // A call that ran out of time while every attempt failed to connect: say so, not "no answer".
        if (code == ErrorCode.TIMEDOUT && deepest(e).code() == ErrorCode.UNREACHABLE) {
            code = ErrorCode.UNREACHABLE;
        }
        String what = switch (code) {
            case UNREACHABLE, NOTLEADER, NOTREPLICA -> "cannot reach the system at " + at + ": " + cause(e)
                    + ". Check that its nodes run (systemctl status vostok) and that --address or $VOSTOK_ADDRESS"
                    + " names one of them";
            case TIMEDOUT -> "no answer in time from the system at " + at + ": " + cause(e) + ". It may have lost"
                    + " its leader or be overloaded: vostok status shows its nodes; a longer --timeout waits more"
                    + (e.outcomeUnknown() ? ". The change may or may not have been made: look before trying again"
                    : "");
            case SHUTDOWN -> "the node answering is shutting down (" + detail + "); try again, or --address another";
            case WRONG_CLUSTER -> "the node at " + String.join(", ", addresses) + " is not of cluster '" + cluster
                    + "' (" + cause(e) + "). Give the system's cluster id with --cluster or $VOSTOK_CLUSTER (the"
                    + " cluster setting of the nodes' vostok.yml)";
            case NOPERM -> detail + ". Act as another principal with --principal, or have the pool's ACL changed"
                    + " (vostok pool set-acl POOL PRINCIPAL PERMS)";
            case NONEXIST -> detail + " (vostok pool list and vostok cont list POOL show what exists)";
            case INUSE -> detail + " (close its handles first)";
            case EXIST, INVAL, TOOBIG, NOSPACE -> detail;
            default -> code + ": " + detail + " (the nodes' logs may say more)";
        };
        return new CliFailure(ExitCodes.of(code), doing + ": " + what, e);
    }

    /** The innermost failure under the retries. */
    static VostokException deepest(VostokException e) {
        VostokException deepest = e;
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            if (t instanceof VostokException v) {
                deepest = v;
            }
        }
        return deepest;
    }

    /** What actually went wrong under the retries, in a few words. */
    static String cause(VostokException e) {
        String d = deepest(e).detail();
        // Netty's refusal reads "finishConnect(..) failed with error(-111): Connection refused: /host:port".
        int refused = d.indexOf("Connection refused");
        if (refused >= 0) {
            int colon = d.indexOf(": ");
            return (colon > 0 && colon < refused ? d.substring(0, colon) + ": " : "") + "connection refused"
                    + " (nothing listens there)";
        }
        return d;
    }

    @Override
    public void close() {
        client.close();
    }
}
