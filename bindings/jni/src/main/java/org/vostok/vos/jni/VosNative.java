package org.vostok.vos.jni;

import java.nio.charset.StandardCharsets;
import org.bytedeco.javacpp.BytePointer;
import org.vostok.vos.VosError;
import org.vostok.vos.VosException;
import org.vostok.vos.VosUnavailableException;

/**
 * The constants and struct offsets of {@code vostok/vos.h} the bindings write and read, the
 * loading of the libraries, and the translation of error codes into {@link VosException}s. The
 * functions themselves are in {@link Vos}.
 *
 * <p>Thread-safety: immutable static state, set once by the class initializer.
 */
final class VosNative {
    // Status values that are not errors (vos.h).
    static final int OK = 0;
    static final int ABSENT = 1;
    static final int ITER_END = 1;
    static final int ERR_TRUNC = -11;

    // vos_pool_info_t, 32 bytes
    static final int INFO_BYTES = 32;
    static final int INFO_TOTAL = 0;
    static final int INFO_FREE = 8;
    static final int INFO_LAYOUT = 16;
    static final int INFO_CONTAINERS = 20;
    static final int INFO_BACKEND = 24;

    // vos_pool_opts_t, 64 bytes
    static final int OPTS_BYTES = 64;
    static final int OPTS_BACKEND = 0;
    static final int OPTS_WAL_SEGMENT = 8;
    static final int OPTS_WAL_CHECKPOINT = 16;

    // vos_op_t, 64 bytes
    static final int OP_BYTES = 64;
    static final int OP_KIND = 0;
    static final int OP_KEY_ORDER = 4;
    static final int OP_CONT = 8;
    static final int OP_OID = 16;
    static final int OP_EPOCH = 24;
    static final int OP_KEY_INT = 32;
    static final int OP_KEY_OFF = 40;
    static final int OP_VALUE_OFF = 48;
    static final int OP_KEY_LEN = 56;
    static final int OP_VALUE_LEN = 60;

    // vos_fetch_req_t, 64 bytes
    static final int FETCH_BYTES = 64;
    static final int FETCH_CONT = 0;
    static final int FETCH_OID = 8;
    static final int FETCH_EPOCH = 16;
    static final int FETCH_KEY_INT = 24;
    static final int FETCH_KEY_OFF = 32;
    static final int FETCH_KEY_LEN = 40;
    static final int FETCH_STATUS = 44;
    static final int FETCH_VALUE_OFF = 48;
    static final int FETCH_VALUE_LEN = 56;
    static final int FETCH_RESERVED = 60;

    // vos_iter_req_t, 48 bytes
    static final int ITER_BYTES = 48;
    static final int ITER_CONT = 0;
    static final int ITER_OID = 8;
    static final int ITER_EPOCH = 16;
    static final int ITER_ANCHOR_INT = 24;
    static final int ITER_ANCHOR_LEN = 32;
    static final int ITER_FLAGS = 36;
    static final int ITER_RECORDS_MAX = 40;
    static final int ITER_RESERVED = 44;

    // vos_rec_hdr_t, 16 bytes
    static final int REC_BYTES = 16;
    static final int REC_KEY_INT = 0;
    static final int REC_KEY_LEN = 8;
    static final int REC_VALUE_LEN = 12;

    // vos_agg_cursor_t: 24 bytes, then the key
    static final int AGG_CURSOR_BYTES = 24 + org.vostok.vos.VosLimits.KEY_BYTES_MAX;

    // vos_scrub_t: nine counters, done, messages, then the problems' messages and the position
    static final int SCRUB_PROBLEMS_MAX = 16;
    static final int SCRUB_MESSAGE_BYTES = 512;
    static final int SCRUB_CONTAINERS = 0;
    static final int SCRUB_OBJECTS = 8;
    static final int SCRUB_KEYS = 16;
    static final int SCRUB_VERSIONS = 24;
    static final int SCRUB_NODES = 32;
    static final int SCRUB_BLOCKS = 40;
    static final int SCRUB_BYTES_CHECKED = 48;
    static final int SCRUB_SLICES = 56;
    static final int SCRUB_PROBLEMS = 64;
    static final int SCRUB_DONE = 72;
    static final int SCRUB_MESSAGES = 76;
    static final int SCRUB_MESSAGE = 80;
    static final int SCRUB_BYTES = SCRUB_MESSAGE + SCRUB_PROBLEMS_MAX * SCRUB_MESSAGE_BYTES
            + org.vostok.vos.VosLimits.KEY_BYTES_MAX + 512;

    private static final VosUnavailableException LOAD_FAILURE = NativeLibrary.load();

    private VosNative() {
    }

    /** Throws why the library could not be loaded, if it could not. */
    static void ensureLoaded() {
        if (LOAD_FAILURE != null) {
            throw new VosUnavailableException(LOAD_FAILURE.getMessage(), LOAD_FAILURE);
        }
    }

    // ---------------------------------------------------------------------------------------

    /**
     * The exception for a failed call, with the library's message for this thread. Must be called
     * right after the failing call, on the same thread, before any other call into the library.
     */
    static VosException failure(int rc, String context) {
        return new VosException(VosError.ofCode(rc), context + ": " + message(rc));
    }

    /**
     * The library's message for this thread's last failure, or the code's short name when it
     * left none; as {@link #failure}, right after the failing call.
     */
    static String message(int rc) {
        String message = lastMessage();
        return message.isEmpty() ? strerror(rc) : message;
    }

    /** The calling thread's last failure message, or "". */
    static String lastMessage() {
        return utf8(Vos.vos_last_message());
    }

    /** The short name of a code ("NOSPACE"). */
    static String strerror(int rc) {
        return utf8(Vos.vos_strerror(rc));
    }

    /** A C string the library returned, decoded as UTF-8 (what paths in messages are); "" for NULL. */
    private static String utf8(BytePointer text) {
        if (text == null || text.isNull()) {
            return "";
        }
        return text.getString(StandardCharsets.UTF_8);
    }

    /** {@code n} rounded up to a multiple of 8, as the library aligns records and values. */
    static long align8(long n) {
        return (n + 7) & ~7L;
    }
}
