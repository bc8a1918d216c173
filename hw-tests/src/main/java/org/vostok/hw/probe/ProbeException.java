package org.vostok.hw.probe;

/** A probe could not run: the library is missing or a native call failed; the message says which and why. */
public final class ProbeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ProbeException(String message) {
        super(message);
    }

    public ProbeException(String message, Throwable cause) {
        super(message, cause);
    }
}
