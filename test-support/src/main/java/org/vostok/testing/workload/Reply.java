package org.vostok.testing.workload;

import org.vostok.testing.linearizability.KvResult;

/**
 * What a {@link KvClient} learned about one operation, in the three outcomes a linearizability
 * history distinguishes: it took effect with this result, it definitely did not take effect, or
 * the client cannot tell.
 */
public sealed interface Reply permits Reply.Ok, Reply.Failed, Reply.Unknown {

    /** The operation took effect, once, and returned {@code result}. */
    static Reply ok(KvResult result) {
        return new Ok(result);
    }

    /** The operation did not take effect and never will (every attempt was refused before it could). */
    static Reply failed(String why) {
        return new Failed(why);
    }

    /** The operation may have taken effect, or may still (a timeout, a leader lost after proposing). */
    static Reply unknown(String why) {
        return new Unknown(why);
    }

    record Ok(KvResult result) implements Reply {
        public Ok {
            if (result == null) {
                throw new IllegalArgumentException("an OK reply needs the result the client was given");
            }
        }
    }

    record Failed(String why) implements Reply {
    }

    record Unknown(String why) implements Reply {
    }
}
