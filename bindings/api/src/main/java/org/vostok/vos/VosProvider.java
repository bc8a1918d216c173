package org.vostok.vos;

import java.nio.file.Path;

/**
 * An implementation of the store (Panama FFM, later JNI), found with {@link #load()} so that an
 * application never names one. Implementations register themselves in
 * {@code META-INF/services/org.vostok.vos.VosProvider}.
 *
 * <p>Thread-safety: implementations are safe for concurrent use.
 */
public interface VosProvider {

    /** The system property that picks a provider by {@link #name()} when several are present. */
    String PROVIDER_PROPERTY = "vostok.vos.provider";

    /** A short stable name, e.g. {@code "ffm"}. */
    String name();

    /**
     * Creates a pool file of {@code sizeBytes} (at least {@link VosLimits#POOL_BYTES_MIN}) and
     * opens it. {@link VosError#EXIST} if the file exists.
     */
    Pool createPool(Path path, long sizeBytes);

    /**
     * Opens an existing pool. {@link VosError#NONEXIST} if there is no file,
     * {@link VosError#NOTPOOL} if it is not a Vostok pool, {@link VosError#LAYOUT} if a newer
     * library wrote it, {@link VosError#BUSY} if it is open already (in this process or another).
     * A failed open changes nothing in the file.
     */
    Pool openPool(Path path);

    /** Removes a pool file that is not open; {@link VosError#NOTPOOL} if it is not a Vostok pool. */
    void destroyPool(Path path);

    /**
     * The provider to use: the one named by the system property {@value #PROVIDER_PROPERTY} if it
     * is set, else the only one on the class path (the first found if there are several). Found
     * once and cached.
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
