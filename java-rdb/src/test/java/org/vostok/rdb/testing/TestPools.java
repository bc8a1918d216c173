package org.vostok.rdb.testing;

import java.nio.file.Path;
import org.vostok.vos.Pool;
import org.vostok.vos.PoolOptions;
import org.vostok.vos.VosProvider;

/** Real pool files for tests, through the provider an application would find. */
public final class TestPools {

    /** A pool size that holds every test's data with room to spare. */
    public static final long POOL_BYTES = 64L << 20;

    private TestPools() {
    }

    public static VosProvider provider() {
        return VosProvider.load();
    }

    public static Pool create(Path path) {
        return provider().createPool(path, POOL_BYTES);
    }

    /** A pool of {@link #POOL_BYTES} with the backend and tuning in {@code options}. */
    public static Pool create(Path path, PoolOptions options) {
        return provider().createPool(path, POOL_BYTES, options);
    }

    /** A pool of {@code bytes} with the backend and tuning in {@code options}. */
    public static Pool create(Path path, PoolOptions options, long bytes) {
        return provider().createPool(path, bytes, options);
    }

    public static Pool open(Path path) {
        return provider().openPool(path);
    }
}
