package org.vostok.testing.linearizability;

/** What a client learned about an operation it invoked (Jepsen's :ok, :fail and :info). */
public enum Outcome {
    /** The operation took effect, once, and the client saw its output. */
    OK,
    /**
     * The operation definitely did not take effect (the server refused it before doing anything).
     * The checker leaves it out; a read that sees its effect is a violation.
     */
    FAIL,
    /**
     * The client does not know: the request timed out, the connection dropped, the server
     * answered "not leader" after the request may have been proposed. The operation may have
     * taken effect at any moment after it was invoked, or never, so it stays open until the end
     * of the history.
     */
    INFO
}
