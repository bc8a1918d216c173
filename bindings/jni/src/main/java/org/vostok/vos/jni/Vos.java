package org.vostok.vos.jni;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.NoException;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * The functions of {@code vostok/vos.h} as JNI methods. JavaCPP's Maven plugin reads these
 * declarations, generates their JNI glue and compiles it against the header into
 * {@code libjniVos.so}, linked with {@code libvostok-vos.so}. This class names no other class of
 * the bindings, so the plugin can read it from the compiled classes alone.
 *
 * <p>Every pointer crosses as a {@code long}, the address of native memory the bindings own (see
 * {@link NativeBuffer}): the glue is then a plain C call with no JNI call of its own (no
 * {@code GetDirectBufferAddress}, no array pinning or copying), and the library reads and writes
 * the very bytes Java wrote and reads; a caller's direct ByteBuffer, which a fetch fills, crosses
 * as its address too, looked up once per buffer ({@link Scratch#directAddress}). Nothing here
 * checks an address or a length: callers pass only live buffers, with lengths checked in Java.
 * uint32_t and uint64_t are Java's int and long, taken as unsigned. The library is C and throws nothing, so the glue catches
 * nothing ({@link NoException}).
 *
 * <p>Thread-safety: the functions may be called from any thread as vos.h allows. Use them only
 * after {@link VosNative#ensureLoaded()}.
 */
@Platform(include = "vostok/vos.h", link = "vostok-vos")
@NoException
public final class Vos {
    private Vos() {
    }

    @Cast("uint32_t")
    static native int vos_abi_version();

    @Cast("const char*")
    static native BytePointer vos_strerror(int rc);

    @Cast("const char*")
    static native BytePointer vos_last_message();

    static native int vos_pool_create_opts(@Cast("const char*") long path, @Cast("uint64_t") long sizeBytes,
                                           @Cast("const vos_pool_opts_t*") long opts,
                                           @Cast("vos_pool_t**") long poolOut);

    static native int vos_pool_open(@Cast("const char*") long path, @Cast("vos_pool_t**") long poolOut);

    static native int vos_pool_close(@Cast("vos_pool_t*") long pool);

    static native int vos_pool_destroy(@Cast("const char*") long path);

    static native int vos_pool_query(@Cast("vos_pool_t*") long pool, @Cast("vos_pool_info_t*") long infoOut);

    static native int vos_cont_create(@Cast("vos_pool_t*") long pool, @Cast("const uint8_t*") long uuid);

    static native int vos_cont_destroy(@Cast("vos_pool_t*") long pool, @Cast("const uint8_t*") long uuid);

    static native int vos_cont_open(@Cast("vos_pool_t*") long pool, @Cast("const uint8_t*") long uuid,
                                    @Cast("vos_cont_h*") long contOut);

    static native int vos_cont_close(@Cast("vos_pool_t*") long pool, @Cast("vos_cont_h") long cont);

    static native int vos_cont_list(@Cast("vos_pool_t*") long pool, @Cast("uint8_t*") long uuidsOut,
                                    @Cast("uint32_t") int capacity, @Cast("uint32_t*") long countOut);

    /** vos_tx_apply_flags's flag. */
    static final int VOS_TX_LAZY = 1;

    static native int vos_tx_apply_flags(@Cast("vos_pool_t*") long pool, @Cast("const vos_op_t*") long ops,
                                         @Cast("uint32_t") int nOps, @Cast("const uint8_t*") long data,
                                         @Cast("uint64_t") long dataLength, @Cast("uint32_t") int flags,
                                         @Cast("uint32_t*") long failedOp);

    static native int vos_fetch(@Cast("vos_pool_t*") long pool, @Cast("vos_fetch_req_t*") long reqs,
                                @Cast("uint32_t") int n, @Cast("const uint8_t*") long keys,
                                @Cast("uint64_t") long keysLength, @Cast("uint8_t*") long out,
                                @Cast("uint64_t") long outLength);

    static native int vos_iterate(@Cast("vos_pool_t*") long pool, @Cast("const vos_iter_req_t*") long req,
                                  @Cast("const uint8_t*") long anchorKey, @Cast("uint8_t*") long out,
                                  @Cast("uint64_t") long outLength, @Cast("uint32_t*") long nOut,
                                  @Cast("uint64_t*") long usedOut, @Cast("uint32_t*") long stateOut);

    static native int vos_discard(@Cast("vos_pool_t*") long pool, @Cast("vos_cont_h") long cont,
                                  @Cast("uint64_t") long fromEpoch);

    static native int vos_aggregate(@Cast("vos_pool_t*") long pool, @Cast("vos_cont_h") long cont,
                                    @Cast("uint64_t") long upToEpoch, @Cast("vos_agg_cursor_t*") long cursor,
                                    @Cast("uint32_t") int keysMax, @Cast("uint32_t*") long doneOut);

    static native int vos_scrub_slice(@Cast("vos_pool_t*") long pool, @Cast("vos_scrub_t*") long scrub,
                                      @Cast("uint64_t") long budgetBytes);

}
