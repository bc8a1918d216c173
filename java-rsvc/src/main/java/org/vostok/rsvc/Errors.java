package org.vostok.rsvc;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.vostok.client.ErrorCode;
import org.vostok.client.VostokException;
import org.vostok.rdb.model.RdbException;

/** Turns what a handler or rdb threw into the wire's code and message. */
final class Errors {

    private Errors() {
    }

    /** The failure underneath completion and execution wrappers. */
    static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    /**
     * The wire code of an rdb failure: the same name, OUTCOME_UNKNOWN for a commit that may
     * still take effect, and NOTLEADER for a transaction whose term ended (rdb's STALE): to the
     * client both mean "find the leader and retry", while STALE on the wire is kept for a
     * caller whose own term is old.
     */
    static ErrorCode code(RdbException e) {
        if (e.outcomeUnknown()) {
            return ErrorCode.OUTCOME_UNKNOWN;
        }
        if (e.error() == org.vostok.rdb.model.RdbError.STALE) {
            return ErrorCode.NOTLEADER;
        }
        try {
            return ErrorCode.valueOf(e.error().name());
        } catch (IllegalArgumentException unknown) {
            return ErrorCode.INTERNAL;
        }
    }

    /** A failure as a {@link VostokException}; null for one that is not a known kind (a bug). */
    static VostokException known(Throwable t) {
        Throwable c = unwrap(t);
        if (c instanceof VostokException v) {
            return v;
        }
        if (c instanceof RdbException r) {
            return new VostokException(code(r), r.detail());
        }
        return null;
    }
}
