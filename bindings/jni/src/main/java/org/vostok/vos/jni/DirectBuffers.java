package org.vostok.vos.jni;

import java.nio.ByteBuffer;
import org.bytedeco.javacpp.Pointer;

/**
 * The address of a direct buffer's memory, through JNI's {@code GetDirectBufferAddress} as
 * JavaCPP exposes it: a lookup that costs a JNI call and a type check ({@code IsInstanceOf}), so
 * a fetch into a caller's buffer looks it up once per buffer ({@link Scratch#directAddress}),
 * not once per call. This class extends {@link Pointer} only to reach that protected lookup; it
 * is never instantiated.
 *
 * <p>Thread-safety: stateless.
 */
final class DirectBuffers extends Pointer {
    private DirectBuffers() {
    }

    /** The address of {@code buffer}'s index 0 (not of its position); 0 for a heap buffer. */
    static long address(ByteBuffer buffer) {
        return getDirectBufferAddress(buffer);
    }
}
