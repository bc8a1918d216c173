package org.vostok.vos;

/**
 * No VOS implementation can run here: none is on the class path, or the one found cannot load
 * its native library (missing, built for another ABI version, a missing system library), or the
 * JDK is too old for it. The message says which and what to do. This is a deployment problem,
 * not a store error, so it is not a {@link VosException}.
 *
 * <p>Thread-safety: immutable once thrown.
 */
public class VosUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public VosUnavailableException(String message) {
        super(message);
    }

    public VosUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
