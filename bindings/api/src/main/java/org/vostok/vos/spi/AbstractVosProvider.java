package org.vostok.vos.spi;

import java.nio.file.Path;
import java.util.Objects;
import org.vostok.vos.Pool;
import org.vostok.vos.PoolOptions;
import org.vostok.vos.VosProvider;

/**
 * What a provider does whatever the binding: its name, the argument checks of
 * {@link VosProvider}, the PMDK backend as the default, and the library loaded (or the reason it
 * cannot be, as a {@link org.vostok.vos.VosUnavailableException}) before any native call. A
 * binding supplies the native calls.
 *
 * <p>Thread-safety: stateless and safe for concurrent use.
 *
 * <p>For implementations of the VOS API (the FFM and JNI bindings share it); applications do
 * not need it.
 */
public abstract class AbstractVosProvider implements VosProvider {
    private final String name;

    protected AbstractVosProvider(String name) {
        this.name = Objects.requireNonNull(name, "name");
    }

    /** Throws why the library cannot be used, if it cannot; loads it on first use. */
    protected abstract void ensureLoaded();

    /** {@code vos_pool_create_opts}; {@link #describeCreate} names a failure. */
    protected abstract Pool createPoolNative(Path path, long sizeBytes, PoolOptions options);

    /** {@code vos_pool_open}. */
    protected abstract Pool openPoolNative(Path path);

    /** {@code vos_pool_destroy}. */
    protected abstract void destroyPoolNative(Path path);

    /** The context of a failed pool creation. */
    protected static String describeCreate(Path path, long sizeBytes, PoolOptions options) {
        return "creating the " + options.backend() + " pool " + path + " of " + sizeBytes + " bytes";
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final Pool createPool(Path path, long sizeBytes) {
        return createPool(path, sizeBytes, PoolOptions.pmem());
    }

    @Override
    public final Pool createPool(Path path, long sizeBytes, PoolOptions options) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(options, "options");
        ensureLoaded();
        return createPoolNative(path, sizeBytes, options);
    }

    @Override
    public final Pool openPool(Path path) {
        Objects.requireNonNull(path, "path");
        ensureLoaded();
        return openPoolNative(path);
    }

    @Override
    public final void destroyPool(Path path) {
        Objects.requireNonNull(path, "path");
        ensureLoaded();
        destroyPoolNative(path);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName();
    }
}
