package org.vostok.vos.ffm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.List;
import org.vostok.vos.VosError;
import org.vostok.vos.VosException;
import org.vostok.vos.VosUnavailableException;

/**
 * The downcall handles and struct layouts of {@code vostok/vos.h}, and the translation of its
 * error codes into {@link VosException}s.
 *
 * <p>Only {@code vos_abi_version}, {@code vos_strerror} and {@code vos_last_message} are linked as
 * {@link Linker.Option#critical critical}: they return at once. Every other function may persist
 * (msync), take the pool's lock or do I/O, and a critical call would hold the JVM's safepoints for
 * all of that time.
 *
 * <p>Thread-safety: immutable static state, set once by the class initializer; the method
 * handles may be invoked from any thread.
 */
final class VosNative {
    // Status values that are not errors (vos.h).
    static final int OK = 0;
    static final int ABSENT = 1;
    static final int ITER_END = 1;
    static final int ERR_TRUNC = -11;

    static final StructLayout POOL_INFO = MemoryLayout.structLayout(
            JAVA_LONG.withName("total_bytes"),
            JAVA_LONG.withName("free_bytes"),
            JAVA_INT.withName("layout_version"),
            JAVA_INT.withName("containers"),
            JAVA_INT.withName("backend"),
            JAVA_INT.withName("reserved"));
    static final long INFO_TOTAL = offset(POOL_INFO, "total_bytes");
    static final long INFO_FREE = offset(POOL_INFO, "free_bytes");
    static final long INFO_LAYOUT = offset(POOL_INFO, "layout_version");
    static final long INFO_CONTAINERS = offset(POOL_INFO, "containers");
    static final long INFO_BACKEND = offset(POOL_INFO, "backend");

    static final StructLayout POOL_OPTS = MemoryLayout.structLayout(
            JAVA_INT.withName("backend"),
            JAVA_INT.withName("reserved0"),
            JAVA_LONG.withName("wal_segment_bytes"),
            JAVA_LONG.withName("wal_checkpoint_bytes"),
            MemoryLayout.sequenceLayout(5, JAVA_LONG).withName("reserved"));
    static final long OPTS_BACKEND = offset(POOL_OPTS, "backend");
    static final long OPTS_WAL_SEGMENT = offset(POOL_OPTS, "wal_segment_bytes");
    static final long OPTS_WAL_CHECKPOINT = offset(POOL_OPTS, "wal_checkpoint_bytes");

    static final StructLayout OP = MemoryLayout.structLayout(
            JAVA_INT.withName("kind"),
            JAVA_INT.withName("key_order"),
            JAVA_LONG.withName("cont"),
            JAVA_LONG.withName("oid"),
            JAVA_LONG.withName("epoch"),
            JAVA_LONG.withName("key_int"),
            JAVA_LONG.withName("key_off"),
            JAVA_LONG.withName("value_off"),
            JAVA_INT.withName("key_len"),
            JAVA_INT.withName("value_len"));
    static final long OP_BYTES = OP.byteSize();
    static final long OP_KIND = offset(OP, "kind");
    static final long OP_KEY_ORDER = offset(OP, "key_order");
    static final long OP_CONT = offset(OP, "cont");
    static final long OP_OID = offset(OP, "oid");
    static final long OP_EPOCH = offset(OP, "epoch");
    static final long OP_KEY_INT = offset(OP, "key_int");
    static final long OP_KEY_OFF = offset(OP, "key_off");
    static final long OP_VALUE_OFF = offset(OP, "value_off");
    static final long OP_KEY_LEN = offset(OP, "key_len");
    static final long OP_VALUE_LEN = offset(OP, "value_len");

    static final StructLayout FETCH_REQ = MemoryLayout.structLayout(
            JAVA_LONG.withName("cont"),
            JAVA_LONG.withName("oid"),
            JAVA_LONG.withName("epoch"),
            JAVA_LONG.withName("key_int"),
            JAVA_LONG.withName("key_off"),
            JAVA_INT.withName("key_len"),
            JAVA_INT.withName("status"),
            JAVA_LONG.withName("value_off"),
            JAVA_INT.withName("value_len"),
            JAVA_INT.withName("reserved"));
    static final long FETCH_BYTES = FETCH_REQ.byteSize();
    static final long FETCH_CONT = offset(FETCH_REQ, "cont");
    static final long FETCH_OID = offset(FETCH_REQ, "oid");
    static final long FETCH_EPOCH = offset(FETCH_REQ, "epoch");
    static final long FETCH_KEY_INT = offset(FETCH_REQ, "key_int");
    static final long FETCH_KEY_OFF = offset(FETCH_REQ, "key_off");
    static final long FETCH_KEY_LEN = offset(FETCH_REQ, "key_len");
    static final long FETCH_STATUS = offset(FETCH_REQ, "status");
    static final long FETCH_VALUE_OFF = offset(FETCH_REQ, "value_off");
    static final long FETCH_VALUE_LEN = offset(FETCH_REQ, "value_len");

    static final StructLayout ITER_REQ = MemoryLayout.structLayout(
            JAVA_LONG.withName("cont"),
            JAVA_LONG.withName("oid"),
            JAVA_LONG.withName("epoch"),
            JAVA_LONG.withName("anchor_int"),
            JAVA_INT.withName("anchor_len"),
            JAVA_INT.withName("flags"),
            JAVA_INT.withName("records_max"),
            JAVA_INT.withName("reserved"));
    static final long ITER_BYTES = ITER_REQ.byteSize();
    static final long ITER_CONT = offset(ITER_REQ, "cont");
    static final long ITER_OID = offset(ITER_REQ, "oid");
    static final long ITER_EPOCH = offset(ITER_REQ, "epoch");
    static final long ITER_ANCHOR_INT = offset(ITER_REQ, "anchor_int");
    static final long ITER_ANCHOR_LEN = offset(ITER_REQ, "anchor_len");
    static final long ITER_FLAGS = offset(ITER_REQ, "flags");
    static final long ITER_RECORDS_MAX = offset(ITER_REQ, "records_max");

    static final StructLayout REC_HDR = MemoryLayout.structLayout(
            JAVA_LONG.withName("key_int"),
            JAVA_INT.withName("key_len"),
            JAVA_INT.withName("value_len"));
    static final long REC_BYTES = REC_HDR.byteSize();
    static final long REC_KEY_INT = offset(REC_HDR, "key_int");
    static final long REC_KEY_LEN = offset(REC_HDR, "key_len");
    static final long REC_VALUE_LEN = offset(REC_HDR, "value_len");

    static final StructLayout AGG_CURSOR = MemoryLayout.structLayout(
            JAVA_LONG.withName("oid"),
            JAVA_LONG.withName("key_int"),
            JAVA_INT.withName("key_len"),
            JAVA_INT.withName("state"),
            MemoryLayout.sequenceLayout(org.vostok.vos.VosLimits.KEY_BYTES_MAX, JAVA_BYTE).withName("key"));

    // vos_scrub_t: nine counters, done, messages, then the problems' messages and the position.
    static final int SCRUB_PROBLEMS_MAX = 16;
    static final int SCRUB_MESSAGE_BYTES = 512;
    static final StructLayout SCRUB = MemoryLayout.structLayout(
            JAVA_LONG.withName("containers"),
            JAVA_LONG.withName("objects"),
            JAVA_LONG.withName("keys"),
            JAVA_LONG.withName("versions"),
            JAVA_LONG.withName("nodes"),
            JAVA_LONG.withName("blocks"),
            JAVA_LONG.withName("bytes"),
            JAVA_LONG.withName("slices"),
            JAVA_LONG.withName("problems"),
            JAVA_INT.withName("done"),
            JAVA_INT.withName("messages"),
            MemoryLayout.sequenceLayout((long) SCRUB_PROBLEMS_MAX * SCRUB_MESSAGE_BYTES, JAVA_BYTE).withName("message"),
            MemoryLayout.sequenceLayout(org.vostok.vos.VosLimits.KEY_BYTES_MAX + 512, JAVA_BYTE).withName("position"));
    static final long SCRUB_CONTAINERS = offset(SCRUB, "containers");
    static final long SCRUB_OBJECTS = offset(SCRUB, "objects");
    static final long SCRUB_KEYS = offset(SCRUB, "keys");
    static final long SCRUB_VERSIONS = offset(SCRUB, "versions");
    static final long SCRUB_NODES = offset(SCRUB, "nodes");
    static final long SCRUB_BLOCKS = offset(SCRUB, "blocks");
    static final long SCRUB_BYTES_CHECKED = offset(SCRUB, "bytes");
    static final long SCRUB_SLICES = offset(SCRUB, "slices");
    static final long SCRUB_PROBLEMS = offset(SCRUB, "problems");
    static final long SCRUB_DONE = offset(SCRUB, "done");
    static final long SCRUB_MESSAGES = offset(SCRUB, "messages");
    static final long SCRUB_MESSAGE = offset(SCRUB, "message");

    static {
        // The sizes vos.h states next to each struct; a mismatch is a bug here, not a user's problem.
        checkSize(POOL_INFO, 32);
        checkSize(POOL_OPTS, 64);
        checkSize(OP, 64);
        checkSize(FETCH_REQ, 64);
        checkSize(ITER_REQ, 48);
        checkSize(REC_HDR, org.vostok.vos.spi.AbstractRecord.HEADER_BYTES);
        checkSize(AGG_CURSOR, 24 + org.vostok.vos.VosLimits.KEY_BYTES_MAX);
        checkSize(SCRUB, 80 + SCRUB_PROBLEMS_MAX * SCRUB_MESSAGE_BYTES + org.vostok.vos.VosLimits.KEY_BYTES_MAX + 512);
        // The scrub's counters are read by index (AbstractScrub.COUNTER_*): nine uint64_t in a row.
        if (SCRUB_PROBLEMS != SCRUB_CONTAINERS + 8L * org.vostok.vos.spi.AbstractScrub.COUNTER_PROBLEMS
                || SCRUB_PROBLEMS_MAX != org.vostok.vos.spi.AbstractScrub.PROBLEMS_MAX) {
            throw new AssertionError("vos_scrub_t's counters are not where the bindings read them");
        }
    }

    private static final List<String> SYMBOLS = List.of(
            "vos_strerror", "vos_last_message", "vos_abi_version",
            "vos_pool_create", "vos_pool_create_opts", "vos_pool_open", "vos_pool_close", "vos_pool_destroy", "vos_pool_query",
            "vos_cont_create", "vos_cont_destroy", "vos_cont_open", "vos_cont_close", "vos_cont_list",
            "vos_tx_apply_flags", "vos_fetch", "vos_iterate", "vos_discard", "vos_aggregate",
            "vos_scrub_slice");

    private static final VosUnavailableException LOAD_FAILURE;
    private static final SymbolLookup LOOKUP;

    static {
        SymbolLookup lookup = null;
        VosUnavailableException failure = null;
        try {
            lookup = NativeLibrary.load(SYMBOLS);
        } catch (VosUnavailableException e) {
            failure = e;
        }
        LOOKUP = lookup;
        LOAD_FAILURE = failure;
    }

    private static final Linker.Option CRITICAL = Linker.Option.critical(false);

    /** A pointer passed as its address: 64 bits, as on every platform the library builds for. */
    private static final ValueLayout.OfLong POINTER = JAVA_LONG;

    static {
        if (ADDRESS.byteSize() != POINTER.byteSize()) {
            throw new AssertionError("pointers are " + ADDRESS.byteSize() + " bytes here; the bindings pass them as "
                    + POINTER.byteSize() + "-byte addresses");
        }
    }

    static final MethodHandle STRERROR = handle("vos_strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT), CRITICAL);
    static final MethodHandle LAST_MESSAGE = handle("vos_last_message", FunctionDescriptor.of(ADDRESS), CRITICAL);
    static final MethodHandle POOL_CREATE_OPTS = handle("vos_pool_create_opts",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS));
    static final MethodHandle POOL_OPEN = handle("vos_pool_open", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle POOL_CLOSE = handle("vos_pool_close", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle POOL_DESTROY = handle("vos_pool_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle POOL_QUERY = handle("vos_pool_query", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle CONT_CREATE = handle("vos_cont_create", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle CONT_DESTROY = handle("vos_cont_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle CONT_OPEN = handle("vos_cont_open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle CONT_CLOSE = handle("vos_cont_close", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    static final MethodHandle CONT_LIST = handle("vos_cont_list",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS));
    // The hot calls take their buffers as addresses (POINTER, a long): the linker acquires the
    // memory session of every ADDRESS argument for the length of a call, an atomic add and an
    // atomic subtract each on the shared and automatic sessions the buffers live in, so three
    // buffers cost six atomic operations a call. The callers keep those buffers alive instead:
    // a thread's scratch is reachable from its thread, a transaction's, an aggregation's and a
    // scrub's buffers are freed only by their close, and call-scoped ones by the call that made
    // them.
    static final MethodHandle TX_APPLY = handle("vos_tx_apply_flags",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, POINTER, JAVA_INT, POINTER, JAVA_LONG, JAVA_INT, POINTER));
    /** vos_tx_apply_flags's flag. */
    static final int TX_LAZY = 1;
    static final MethodHandle FETCH = handle("vos_fetch",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, POINTER, JAVA_INT, POINTER, JAVA_LONG, POINTER, JAVA_LONG));
    // vos_fetch into a caller's direct buffer: its out buffer is an ADDRESS, so the linker keeps
    // the caller's memory alive through the call (or refuses memory already freed), which the
    // bindings cannot promise for a buffer they do not own; one of a plain allocateDirect
    // buffer has a global session, whose acquiring costs nothing.
    static final MethodHandle FETCH_INTO = handle("vos_fetch",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, POINTER, JAVA_INT, POINTER, JAVA_LONG, ADDRESS, JAVA_LONG));
    static final MethodHandle ITERATE = handle("vos_iterate",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, POINTER, POINTER, POINTER, JAVA_LONG, POINTER, POINTER, POINTER));
    static final MethodHandle DISCARD = handle("vos_discard", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    static final MethodHandle AGGREGATE = handle("vos_aggregate",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, POINTER, JAVA_INT, POINTER));

    static final MethodHandle SCRUB_SLICE = handle("vos_scrub_slice",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, POINTER, JAVA_LONG));

    private VosNative() {
    }

    /** Throws why the library could not be loaded, if it could not. */
    static void ensureLoaded() {
        if (LOAD_FAILURE != null) {
            throw new VosUnavailableException(LOAD_FAILURE.getMessage(), LOAD_FAILURE);
        }
    }

    @SuppressWarnings("restricted")
    private static MethodHandle handle(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        if (LOOKUP == null) {
            return null; // ensureLoaded() throws before any handle is used
        }
        return Linker.nativeLinker().downcallHandle(LOOKUP.find(name).orElseThrow(), descriptor, options);
    }

    private static long offset(StructLayout layout, String field) {
        return layout.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

    private static void checkSize(StructLayout layout, long expected) {
        if (layout.byteSize() != expected) {
            throw new AssertionError("layout " + layout + " is " + layout.byteSize() + " bytes, vos.h says " + expected);
        }
    }

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
        try {
            MemorySegment text = (MemorySegment) LAST_MESSAGE.invokeExact();
            return cString(text);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The short name of a code ("NOSPACE"). */
    static String strerror(int rc) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(rc);
            return cString(text);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @SuppressWarnings("restricted")
    private static String cString(MemorySegment text) {
        if (text.equals(MemorySegment.NULL)) {
            return "";
        }
        return text.reinterpret(Integer.MAX_VALUE).getString(0);
    }

    /** Rethrows what a downcall handle threw; downcalls throw nothing checked, so it is unchecked. */
    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException e) {
            throw e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("unexpected checked exception from a native call", t);
    }

    /** {@code n} rounded up to a multiple of 8, as the library aligns records and values. */
    static long align8(long n) {
        return (n + 7) & ~7L;
    }
}
