package org.vostok.vos.jni;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.bytedeco.javacpp.BytePointer;

/**
 * A block of native memory seen two ways: as a direct {@link ByteBuffer} in native byte order,
 * through which Java writes requests and reads results (absolute gets and puts, which the JIT
 * turns into plain loads and stores), and as an {@link #address} that crosses into the library
 * as a {@code long}. Allocated zeroed and 8-byte aligned by JavaCPP; {@link #close()} frees it,
 * and JavaCPP's deallocator frees it once it is unreachable if nobody did.
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

    private final BytePointer memory;
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
        BytePointer raw = new BytePointer(size + ALIGNMENT_BYTES);
        if (raw.isNull()) {
            throw new OutOfMemoryError("could not allocate " + size + " bytes of native memory");
        }
        raw.zero();
        long skip = (ALIGNMENT_BYTES - (raw.address() & (ALIGNMENT_BYTES - 1))) & (ALIGNMENT_BYTES - 1);
        this.memory = raw;
        this.address = raw.address() + skip;
        this.size = (int) size;
        ByteBuffer all = raw.capacity(size + ALIGNMENT_BYTES).asByteBuffer();
        this.bytes = all.position((int) skip).limit((int) (skip + size)).slice().order(ByteOrder.nativeOrder());
        if ((address & (ALIGNMENT_BYTES - 1)) != 0 || bytes.capacity() != size) {
            throw new AssertionError("a native buffer is misaligned or mis-sized: address " + address + ", "
                    + bytes.capacity() + " of " + size + " bytes");
        }
    }

    /** Frees the memory; the buffer must not be used after. Closing twice does nothing. */
    @Override
    public void close() {
        memory.close();
    }
}
