package org.vostok.vos;

import java.util.Objects;

/**
 * One damaged or inconsistent structure a scrub found ({@link Scrub}).
 *
 * @param where where in the pool's nesting the scrub was when it found it: {@code "container
 *     <uuid>, object <oid>, key <key>"} as deep as it had gone (integer keys only; a lexical key
 *     is not repeated), or {@code "the pool"} for the pool's own structures (its root record,
 *     its container table, the backend's allocator)
 * @param what what is wrong, in the library's words: which structure, at which pool offset, and
 *     which check it failed (for example {@code "the version record at pool offset 123456 is
 *     damaged (value checksum, stored 0x..., computed 0x...)"})
 */
public record ScrubDamage(String where, String what) {

    /** What {@link #where} says of damage outside every container. */
    public static final String WHERE_POOL = "the pool";

    private static final String CONTAINER_MARK = " (container ";

    public ScrubDamage {
        Objects.requireNonNull(where, "where");
        Objects.requireNonNull(what, "what");
    }

    /**
     * Splits a problem's description as the library writes it into a scrub ({@code vos_scrub_t}'s
     * messages: what is wrong, then where, as {@code " (container <uuid>, object <oid>, key <key>)"}
     * at the end when the scrub was inside a container). For the implementations of this API.
     */
    public static ScrubDamage ofLibraryMessage(String message) {
        Objects.requireNonNull(message, "message");
        int at = message.lastIndexOf(CONTAINER_MARK);
        if (at >= 0 && message.endsWith(")")) {
            return new ScrubDamage(message.substring(at + 2, message.length() - 1), message.substring(0, at));
        }
        return new ScrubDamage(WHERE_POOL, message);
    }

    /** "what (where)", as a log line would have it. */
    @Override
    public String toString() {
        return what + " (" + where + ")";
    }
}
