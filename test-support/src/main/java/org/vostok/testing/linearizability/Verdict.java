package org.vostok.testing.linearizability;

/** The answer of a linearizability check. */
public enum Verdict {
    /** Some order of the operations, consistent with real time, explains every output. */
    LINEARIZABLE,
    /** No such order exists: the system under test broke linearizability. */
    NOT_LINEARIZABLE,
    /** The search hit {@link CheckerConfig#statesMax} for some partition before it could decide. */
    UNKNOWN
}
