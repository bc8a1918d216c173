package org.vostok.vos.ffm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import org.vostok.vos.Pool;
import org.vostok.vos.PoolOptions;
import org.vostok.vos.VosProvider;
import org.vostok.vos.spi.AbstractVosProvider;

/**
 * The Panama FFM implementation of the VOS API, registered for {@link VosProvider#load()}. The
 * native library is loaded on first use (see {@link NativeLibrary}).
 *
 * <p>Thread-safety: stateless and safe for concurrent use.
 */
public final class FfmVosProvider extends AbstractVosProvider {

    /** Needed by {@link java.util.ServiceLoader}; cheap, loads nothing. */
    public FfmVosProvider() {
        super("ffm");
    }

    @Override
    protected void ensureLoaded() {
        VosNative.ensureLoaded();
    }

    @Override
    protected Pool createPoolNative(Path path, long sizeBytes, PoolOptions options) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cpath = arena.allocateFrom(path.toString());
            MemorySegment opts = arena.allocate(VosNative.POOL_OPTS); // zeroed: reserved fields are 0
            opts.set(JAVA_INT, VosNative.OPTS_BACKEND, options.backend().code());
            opts.set(JAVA_LONG, VosNative.OPTS_WAL_SEGMENT, options.walSegmentBytes());
            opts.set(JAVA_LONG, VosNative.OPTS_WAL_CHECKPOINT, options.walCheckpointBytes());
            MemorySegment out = arena.allocate(ADDRESS);
            int rc = (int) VosNative.POOL_CREATE_OPTS.invokeExact(cpath, sizeBytes, opts, out);
            if (rc != VosNative.OK) {
                throw VosNative.failure(rc, describeCreate(path, sizeBytes, options));
            }
            return new FfmPool(path, out.get(ADDRESS, 0));
        } catch (Throwable t) {
            throw VosNative.rethrow(t);
        }
    }

    @Override
    protected Pool openPoolNative(Path path) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cpath = arena.allocateFrom(path.toString());
            MemorySegment out = arena.allocate(ADDRESS);
            int rc = (int) VosNative.POOL_OPEN.invokeExact(cpath, out);
            if (rc != VosNative.OK) {
                throw VosNative.failure(rc, "opening the pool " + path);
            }
            return new FfmPool(path, out.get(ADDRESS, 0));
        } catch (Throwable t) {
            throw VosNative.rethrow(t);
        }
    }

    @Override
    protected void destroyPoolNative(Path path) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cpath = arena.allocateFrom(path.toString());
            int rc = (int) VosNative.POOL_DESTROY.invokeExact(cpath);
            if (rc != VosNative.OK) {
                throw VosNative.failure(rc, "destroying the pool " + path);
            }
        } catch (Throwable t) {
            throw VosNative.rethrow(t);
        }
    }
}
