package org.vostok.vos.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Native buffers for the calls on the hot paths (fetch, iterate, probe), reused by one thread.
 *
 * <p>Each thread has one retained scratch. Its buffers come from automatic arenas, one per
 * buffer, and grow on demand up to {@link #RETAINED_BYTES_MAX} each; a buffer replaced by a larger
 * one, and the whole scratch once its thread is gone, is freed by the garbage collector. A call
 * that needs more than that bound, or a call made while the thread's scratch is in use (a fetch
 * inside an iteration's visitor), gets buffers from a confined arena of its own, closed when the
 * call closes the scratch. So the steady state allocates nothing, and a thread keeps at most
 * about three times the bound.
 *
 * <p>Thread-safety: confined to its thread; used between {@link #acquire()} and {@link #close()}.
 */
final class Scratch implements AutoCloseable {
    /** The largest buffer a thread keeps between calls, per buffer. */
    static final long RETAINED_BYTES_MAX = 2L << 20;

    private static final long REQUESTS_BYTES_INITIAL = 4 << 10;
    private static final long KEYS_BYTES_INITIAL = 8 << 10;
    private static final long OUT_BYTES_INITIAL = 64 << 10;
    private static final long SMALL_BYTES = 64;

    private static final ThreadLocal<Scratch> LOCAL = ThreadLocal.withInitial(() -> new Scratch(null));

    /** The confined arena of a temporary scratch; null for a thread's retained one. */
    private final Arena temporary;
    /** Call-scoped buffers beyond the retained bound; closed by {@link #close()}. */
    private Arena oversize;
    private boolean busy;
    private MemorySegment requests;
    private MemorySegment keys;
    private MemorySegment out;
    private final MemorySegment small;

    private Scratch(Arena temporary) {
        this.temporary = temporary;
        this.requests = allocate(REQUESTS_BYTES_INITIAL);
        this.keys = allocate(KEYS_BYTES_INITIAL);
        this.out = allocate(OUT_BYTES_INITIAL);
        this.small = allocate(SMALL_BYTES);
    }

    /** The thread's scratch, or a temporary one when the thread's is in use; close it after. */
    static Scratch acquire() {
        Scratch scratch = LOCAL.get();
        if (scratch.busy) {
            return new Scratch(Arena.ofConfined());
        }
        scratch.busy = true;
        return scratch;
    }

    /** A buffer of at least {@code bytes} for request structs (fetch requests, an iterate request). */
    MemorySegment requests(long bytes) {
        if (requests.byteSize() >= bytes) {
            return requests;
        }
        if (bytes > RETAINED_BYTES_MAX) {
            return allocateOversize(bytes);
        }
        requests = allocate(grownSize(requests, bytes));
        return requests;
    }

    /** A buffer of at least {@code bytes} for keys. */
    MemorySegment keys(long bytes) {
        if (keys.byteSize() >= bytes) {
            return keys;
        }
        if (bytes > RETAINED_BYTES_MAX) {
            return allocateOversize(bytes);
        }
        keys = allocate(grownSize(keys, bytes));
        return keys;
    }

    /** A buffer of at least {@code bytes} for what the library writes (values, records). */
    MemorySegment out(long bytes) {
        if (out.byteSize() >= bytes) {
            return out;
        }
        if (bytes > RETAINED_BYTES_MAX) {
            return allocateOversize(bytes);
        }
        out = allocate(grownSize(out, bytes));
        return out;
    }

    /** 64 bytes for out-parameters (counts, states, handles), 8-byte aligned. */
    MemorySegment small() {
        return small;
    }

    private static long grownSize(MemorySegment old, long bytes) {
        return Math.max(bytes, Math.min(old.byteSize() * 2, RETAINED_BYTES_MAX));
    }

    private MemorySegment allocate(long bytes) {
        // One automatic arena per retained buffer, so a replaced buffer is freed on its own.
        Arena arena = temporary != null ? temporary : Arena.ofAuto();
        return arena.allocate(bytes, 8);
    }

    private MemorySegment allocateOversize(long bytes) {
        if (temporary != null) {
            return temporary.allocate(bytes, 8);
        }
        if (oversize == null) {
            oversize = Arena.ofConfined();
        }
        return oversize.allocate(bytes, 8);
    }

    @Override
    public void close() {
        if (temporary != null) {
            temporary.close();
            return;
        }
        if (oversize != null) {
            oversize.close();
            oversize = null;
        }
        busy = false;
    }
}
