package org.vostok.testing.net;

/** What a {@link FaultProxy#cut(Cut)} does to the link, both ways. */
public enum Cut {
    /**
     * As a partition of a real network: nothing crosses and nothing is refused. Connections
     * already open stay open and carry nothing either way (bytes wait in the proxy and in the
     * kernel's socket buffers and arrive, in order, after the heal, as TCP's retransmissions
     * would deliver them). New connections are not accepted: they wait in the listener's backlog,
     * and once it is full their connect hangs until the heal or the caller's own timeout.
     */
    STALL,
    /**
     * As when the process behind the link is gone and its kernel answers: connections already
     * open are reset, new ones are refused ({@code ECONNREFUSED}) until the heal.
     */
    REFUSE
}
