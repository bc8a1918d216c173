package org.vostok.vos.jni;

import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Native buffers for the calls on the hot paths (fetch, iterate, probe), reused by one thread.
 *
 * <p>Each thread has one retained scratch whose buffers grow on demand up to
 * {@link #RETAINED_BYTES_MAX} each; a buffer replaced by a larger one is freed at once, and the
 * whole scratch once its thread is gone and the garbage collector finds it (JavaCPP's
 * deallocator). A call that needs more than that bound, or a call made while the thread's scratch
 * is in use (a fetch inside an iteration's visitor), gets buffers of its own, freed when the call
 * closes the scratch. So the steady state allocates nothing.
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

    private static final ThreadLocal<Scratch> LOCAL = ThreadLocal.withInitial(() -> new Scratch(false));
    private static final WeakReference<ByteBuffer> NO_BUFFER = new WeakReference<>(null);

    /** True for a call's own scratch, whose buffers all go at close. */
    private final boolean temporary;
    /** Buffers to free at {@link #close()}: a temporary scratch's, and oversized ones. */
    private final List<NativeBuffer> callScoped = new ArrayList<>(0);
    private boolean busy;
    private NativeBuffer requests;
    private NativeBuffer keys;
    private NativeBuffer out;
    private final NativeBuffer small;
    /**
     * The caller's direct buffer whose address {@link #directAddress} looked up last, held weakly
     * so that a thread's scratch never keeps a caller's memory alive; its address is
     * {@link #lastDirectAddress}.
     */
    private WeakReference<ByteBuffer> lastDirect = NO_BUFFER;
    private long lastDirectAddress;

    private Scratch(boolean temporary) {
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
            return new Scratch(true);
        }
        scratch.busy = true;
        return scratch;
    }

    /** A buffer of at least {@code bytes} for request structs (fetch requests, an iterate request). */
    NativeBuffer requests(long bytes) {
        if (requests.size >= bytes) {
            return requests;
        }
        if (bytes > RETAINED_BYTES_MAX) {
            return allocateOversize(bytes);
        }
        requests = replace(requests, bytes);
        return requests;
    }

    /** A buffer of at least {@code bytes} for keys. */
    NativeBuffer keys(long bytes) {
        if (keys.size >= bytes) {
            return keys;
        }
        if (bytes > RETAINED_BYTES_MAX) {
            return allocateOversize(bytes);
        }
        keys = replace(keys, bytes);
        return keys;
    }

    /** A buffer of at least {@code bytes} for what the library writes (values, records). */
    NativeBuffer out(long bytes) {
        if (out.size >= bytes) {
            return out;
        }
        if (bytes > RETAINED_BYTES_MAX) {
            return allocateOversize(bytes);
        }
        out = replace(out, bytes);
        return out;
    }

    /** 64 bytes for out-parameters (counts, states, handles), 8-byte aligned. */
    NativeBuffer small() {
        return small;
    }

    /**
     * The address of a direct buffer's index 0. A fetch into the caller's buffer calls this each
     * time, and callers reuse their buffers, so the JNI lookup is made once per buffer object: the
     * address of a direct buffer never changes while the object lives (its memory, when an
     * Arena's, may be freed; the caller checks that it is still alive before each call).
     */
    long directAddress(ByteBuffer buffer) {
        if (lastDirect.get() != buffer) {
            long address = DirectBuffers.address(buffer);
            if (address == 0) {
                throw new IllegalArgumentException("not a direct buffer: " + buffer);
            }
            lastDirect = new WeakReference<>(buffer);
            lastDirectAddress = address;
        }
        return lastDirectAddress;
    }

    private NativeBuffer replace(NativeBuffer old, long bytes) {
        NativeBuffer grown = allocate(Math.max(bytes, Math.min(old.size * 2L, RETAINED_BYTES_MAX)));
        if (!temporary) {
            // Nothing of this call points into the old buffer past this point: callers re-read
            // the buffer they pass after asking for a larger one.
            old.close();
        }
        return grown;
    }

    private NativeBuffer allocate(long bytes) {
        NativeBuffer buffer = new NativeBuffer(bytes);
        if (temporary) {
            callScoped.add(buffer);
        }
        return buffer;
    }

    private NativeBuffer allocateOversize(long bytes) {
        NativeBuffer buffer = new NativeBuffer(bytes);
        callScoped.add(buffer);
        return buffer;
    }

    @Override
    public void close() {
        if (!callScoped.isEmpty()) {
            for (NativeBuffer buffer : callScoped) {
                buffer.close();
            }
            callScoped.clear();
        }
        busy = false;
    }
}
