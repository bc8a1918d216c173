package org.vostok.vos.bench;

import java.lang.reflect.Field;

/**
 * C's rounds of the benchmark's operations in the JVM's own process: native/bench's
 * libvostok-bench-loops, vos_bench's loops (bench_ops.c) called one round per call on the pool
 * and container a binding has open. The library takes the VOS functions from the copy of
 * libvostok-vos.so the binding loaded, so a process may hold one binding only. Loaded from the
 * path in {@code -Dvostok.bench.loops}.
 */
final class CLoops {
    static final int FETCH = 0;
    static final int FETCH_ALLOC = 1;
    static final int FETCH_HOT = 2;
    static final int UPDATE1 = 3;
    static final int UPDATE64 = 4;
    static final int ITERATE = 5;

    static {
        String path = System.getProperty("vostok.bench.loops");
        if (path == null) {
            throw new IllegalStateException("set -Dvostok.bench.loops=/path/to/libvostok-bench-loops.so");
        }
        System.load(path);
    }

    private CLoops() {
    }

    /** A context over the binding's open pool and container: its buffers, and the shared state. */
    static native long open(long pool, long container, long keys, int valueBytes);

    static native void close(long context);

    /** Sets the fetches' xorshift state and the updates' next key and last epoch. */
    static native void state(long context, long randomState, long nextKey, long epoch);

    static native long randomState(long context);

    /**
     * One round: {@code n} fetches (of the three kinds), transactions of update1 or update64, or
     * passes of iterate. A failure is an IllegalStateException.
     */
    static native void run(long context, int op, long n);

    /**
     * The native handle behind a binding's pool or container object (its field {@code handle}:
     * a long, or FFM's MemorySegment, whose address is taken): for the benchmark only, which
     * hands it to C while the object is open.
     */
    static long handleOf(Object object) {
        try {
            Field field = object.getClass().getDeclaredField("handle");
            field.setAccessible(true);
            Object handle = field.get(object);
            if (handle instanceof Long address) {
                return address;
            }
            // java.lang.foreign.MemorySegment, named so that this compiles for Java 17.
            return (Long) Class.forName("java.lang.foreign.MemorySegment").getMethod("address").invoke(handle);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("no native handle in " + object.getClass().getName(), e);
        }
    }
}
