package org.vostok.vos.jni;

import org.bytedeco.javacpp.Loader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vostok.vos.VosUnavailableException;

/**
 * Loads the JNI glue ({@code libjniVos.so}, generated and compiled by JavaCPP) and the
 * library it links ({@code libvostok-vos.so}), both carried in this jar under
 * {@code org/vostok/vos/jni/<platform>/}: JavaCPP's {@link Loader} extracts them into its cache
 * ({@code ~/.javacpp/cache}, or {@code -Dorg.bytedeco.javacpp.cachedir=DIR}) and loads them,
 * the library first. Then checks that the library is the one these bindings were written for
 * ({@code vos_abi_version()}). Every failure says what was wrong and what to do.
 *
 * <p>Thread-safety: {@link #load()} is called once per JVM, by {@link VosNative}'s class
 * initializer.
 */
final class NativeLibrary {
    /** The ABI version ({@code VOS_ABI_VERSION}) the bindings were written against. */
    static final int ABI_VERSION = 3;

    private static final Logger LOG = LoggerFactory.getLogger(NativeLibrary.class);

    private NativeLibrary() {
    }

    /** Loads and checks the libraries; the failure to report on use, or null when they loaded. */
    static VosUnavailableException load() {
        String path;
        try {
            path = Loader.load(Vos.class);
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return new VosUnavailableException("could not load the VOS JNI libraries for " + Loader.getPlatform()
                    + " (" + e.getMessage() + "). They are carried in the vostok-vos-jni jar and need PMDK's "
                    + "libpmemobj (Debian: apt-get install libpmemobj1) and a writable JavaCPP cache ("
                    + "~/.javacpp/cache, or -Dorg.bytedeco.javacpp.cachedir=DIR); a jar built on another "
                    + "platform has none for this one: rebuild with ./mvnw -pl bindings/jni -am package", e);
        }
        int found = Vos.vos_abi_version();
        VosUnavailableException mismatch = checkAbiVersion(path, found);
        if (mismatch == null) {
            LOG.debug("loaded {} (ABI version {})", path, found);
        }
        return mismatch;
    }

    /** Null when {@code found} is the version these bindings need, else the failure to report. */
    static VosUnavailableException checkAbiVersion(String path, int found) {
        if (found == ABI_VERSION) {
            return null;
        }
        return new VosUnavailableException(path + " links a VOS library of ABI version " + found + ", but these "
                + "bindings (vostok-vos-jni) need version " + ABI_VERSION + ": an older copy is in JavaCPP's cache "
                + "or on the library path; clear ~/.javacpp/cache (or -Dorg.bytedeco.javacpp.cachedir), or "
                + "rebuild with ./mvnw -pl bindings/jni -am package");
    }
}
