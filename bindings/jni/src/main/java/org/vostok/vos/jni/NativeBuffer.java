package org.vostok.vos.jni;

import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;

/**
 * A block of native memory seen two ways: as a direct {@link ByteBuffer} in native byte order,
 * through which Java writes requests and reads results (absolute gets and puts, which the JIT
 * turns into plain loads and stores), and as an {@link #address} that crosses into the library
 * as a {@code long}. Allocated zeroed ({@code calloc}, through JavaCPP) and 8-byte aligned;
 * {@link #close()} frees it, and a {@link Cleaner} frees it once it is unreachable if nobody did.
 * (Not JavaCPP's own deallocating pointers: they read {@code /proc/self/statm} on every
 * allocation to bound the process's memory, a few microseconds that a transaction would pay at
 * its creation.)
 *
 * <p>Invariant: {@link #bytes} and {@link #address} are used only while this object is reachable
 * and not closed; callers that pass {@link #address} to native code keep the buffer reachable
 * across the call ({@link java.lang.ref.Reference#reachabilityFence}).
 *
 * <p>Thread-safety: none of its own; each owner confines it (a thread's scratch, a transaction).
 */
final class NativeBuffer implements AutoCloseable {
    /** The library's structs and records are 8-byte aligned (vos.h). */
    private static final long ALIGNMENT_BYTES = 8;

    private static final Cleaner CLEANER = Cleaner.create();

    private final Cleaner.Cleanable free;
    /** The memory as a buffer: position 0, limit and capacity {@link #size}. */
    final ByteBuffer bytes;
    /** The memory's address. */
    final long address;
    /** The size in bytes. */
    final int size;

    NativeBuffer(long size) {
        if (size <= 0 || size > Integer.MAX_VALUE - ALIGNMENT_BYTES) {
            throw new IllegalArgumentException("a native buffer of " + size + " bytes is out of range (1 .. 2 GiB)");
        }
        // Over-allocate by the alignment so the view can start on an 8-byte boundary whatever
        // the allocator returns.
        Pointer raw = Pointer.calloc(size + ALIGNMENT_BYTES, 1);
        if (raw == null || raw.isNull()) {
            throw new OutOfMemoryError("could not allocate " + size + " bytes of native memory");
        }
        long skip = (ALIGNMENT_BYTES - (raw.address() & (ALIGNMENT_BYTES - 1))) & (ALIGNMENT_BYTES - 1);
        this.address = raw.address() + skip;
        this.size = (int) size;
        ByteBuffer all = new BytePointer(raw).capacity(size + ALIGNMENT_BYTES).asByteBuffer();
        this.bytes = all.position((int) skip).limit((int) (skip + size)).slice().order(ByteOrder.nativeOrder());
        if ((address & (ALIGNMENT_BYTES - 1)) != 0 || bytes.capacity() != size) {
            Pointer.free(raw);
            throw new AssertionError("a native buffer is misaligned or mis-sized: address " + address + ", "
                    + bytes.capacity() + " of " + size + " bytes");
        }
        this.free = CLEANER.register(this, new Free(raw));
    }

    /** Frees the memory; holds the allocation, never the buffer (or the buffer would stay reachable). */
    private record Free(Pointer memory) implements Runnable {
        @Override
        public void run() {
            Pointer.free(memory);
        }
    }

    /** Frees the memory; the buffer must not be used after. Closing twice does nothing. */
    @Override
    public void close() {
        free.clean();
    }
}
