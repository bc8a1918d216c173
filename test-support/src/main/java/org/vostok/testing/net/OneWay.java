package org.vostok.testing.net;

/** What a one-way cut ({@link FaultProxy#cut(Direction, OneWay)}) does with the bytes of its direction. */
public enum OneWay {
    /**
     * The bytes wait (in the proxy, then, once its bounded queue is full, in the kernel's socket
     * buffers, so the sender's writes eventually block) and arrive in order after the heal, as
     * over TCP on a link that loses every packet one way until it is repaired.
     */
    HOLD,
    /**
     * The bytes are read and thrown away. No TCP connection loses bytes silently, so the
     * receiver sees a stream with a gap in it: use this to check that a framed protocol notices
     * (by its lengths and checksums) and closes the connection, not to model a partition.
     */
    DISCARD
}
