package org.vostok.vos.spi;

import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.Objects;
import org.vostok.vos.VosError;
import org.vostok.vos.VosException;

/**
 * The checks of {@code Container.fetch(..., ByteBuffer into)} that do not depend on the binding,
 * so that both bindings refuse alike and say the same: a buffer that cannot be written is
 * refused before any native call, and a value that does not fit leaves the buffer unchanged.
 *
 * <p>For implementations of the VOS API (the FFM and JNI bindings share it); applications do
 * not need it.
 */
public final class FetchInto {

    private FetchInto() {
    }

    /** Throws unless {@code into} can be written; before anything else is done. */
    public static void checkWritable(ByteBuffer into) {
        Objects.requireNonNull(into, "into");
        if (into.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
    }

    /** Whether a value of {@code length} bytes fits the bytes left in {@code into}. */
    public static boolean fits(ByteBuffer into, int length) {
        return length <= into.limit() - into.position();
    }

    /**
     * TRUNC for a value of {@code length} bytes that does not fit {@code into}, naming what was
     * fetched. Built only then: naming a key costs more than the rest of a fetch's Java side.
     */
    public static VosException doesNotFit(ByteBuffer into, int length, String what) {
        int left = into.limit() - into.position();
        return new VosException(VosError.TRUNC, "fetching " + what + ": its value of " + length
                + " bytes does not fit the " + left + " bytes left in the buffer, which is"
                + " unchanged; make room (valueLength gives the length) and fetch again");
    }
}
