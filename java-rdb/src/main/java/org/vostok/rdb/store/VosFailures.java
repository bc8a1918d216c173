package org.vostok.rdb.store;

import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;
import org.vostok.vos.VosException;

/** Turns a failure of the store into the rdb error a caller can act on. */
final class VosFailures {

    private VosFailures() {
    }

    static RdbException translate(VosException e, String doing) {
        RdbError error = switch (e.error()) {
            case NOSPACE -> RdbError.NOSPACE;
            case CORRUPT -> RdbError.CORRUPT;
            case BADHANDLE -> RdbError.SHUTDOWN;
            case TOOBIG -> RdbError.TOOBIG;
            default -> RdbError.IO;
        };
        String advice = switch (error) {
            case NOSPACE -> "; the pool is full: delete data or give the replica a larger pool";
            case CORRUPT -> "; the pool is damaged: restore this replica from the others";
            case SHUTDOWN -> "; the replica's store was closed";
            default -> "";
        };
        return new RdbException(error, doing + " failed: " + e.getMessage() + advice, e);
    }
}
