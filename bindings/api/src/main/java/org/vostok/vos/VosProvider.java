package org.vostok.vos;

import java.nio.file.Path;

/**
 * An implementation of the store (Panama FFM on Java 22+, JNI on Java 17+), found with
 * {@link #load()} so that an application never names one. Implementations register themselves in
 * {@code META-INF/services/org.vostok.vos.VosProvider}.
 *
 * <p>Thread-safety: implementations are safe for concurrent use.
 */
public interface VosProvider {

    /** The system property that picks a provider by {@link #name()} ({@code ffm} or {@code jni}). */
    String PROVIDER_PROPERTY = "vostok.vos.provider";

    /** A short stable name: {@code "ffm"} or {@code "jni"}. */
    String name();

    /**
     * Creates a pool file of {@code sizeBytes} (at least {@link VosLimits#POOL_BYTES_MIN}) with
     * the PMDK backend ({@link PoolOptions#pmem()}) and opens it. {@link VosError#EXIST} if the
     * file exists.
     */
    Pool createPool(Path path, long sizeBytes);

    /**
     * Creates a pool with the backend and tuning in {@code options} and opens it.
     * {@link VosError#EXIST} if the file exists (or, for the WAL backend, log segments of an
     * earlier pool are left at {@code <path>.wal.*}); {@link VosError#INVAL} if the library
     * refuses the tuning. {@link #openPool} opens a pool of either backend.
     *
     * <p>The default implementation supports the PMDK backend only and fails with
     * {@link VosError#INVAL} for any other; implementations that have more override it.
     */
    default Pool createPool(Path path, long sizeBytes, PoolOptions options) {
        if (!options.equals(PoolOptions.pmem())) {
            throw new VosException(VosError.INVAL, "the provider " + name() + " cannot create pools with "
                    + options + "; use PoolOptions.pmem() or another provider");
        }
        return createPool(path, sizeBytes);
    }

    /**
     * Opens an existing pool. {@link VosError#NONEXIST} if there is no file,
     * {@link VosError#NOTPOOL} if it is not a Vostok pool, {@link VosError#LAYOUT} if a newer
     * library wrote it or its layout is one this library no longer reads, {@link VosError#BUSY}
     * if it is open already (in this process or another).
     * A failed open changes nothing in the file. The pool's backend is read from the file.
     */
    Pool openPool(Path path);

    /**
     * Removes a pool file (and a WAL pool's log segments) that is not open;
     * {@link VosError#NOTPOOL} if it is not a Vostok pool.
     */
    void destroyPool(Path path);

    /**
     * The provider to use: the one named by the system property {@value #PROVIDER_PROPERTY} if it
     * is set; else, among those this runtime can load, FFM (Java 22 and newer), then JNI, then
     * any other. Found once, cached, and the choice logged once (System.Logger, level INFO).
     *
     * @throws VosUnavailableException when none is found or the one asked for is missing
     */
    static VosProvider load() {
        return ProviderLookup.defaultProvider();
    }

    /** The provider named {@code name}, found afresh. */
    static VosProvider load(String name) {
        return ProviderLookup.find(name);
    }
}
