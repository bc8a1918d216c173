package org.vostok.vos.ffm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Objects;
import org.vostok.vos.Pool;
import org.vostok.vos.PoolOptions;
import org.vostok.vos.VosProvider;

/**
 * The Panama FFM implementation of the VOS API, registered for {@link VosProvider#load()}. The
 * native library is loaded on first use (see {@link NativeLibrary}).
 *
 * <p>Thread-safety: stateless and safe for concurrent use.
 */
public final class FfmVosProvider implements VosProvider {

    /** Needed by {@link java.util.ServiceLoader}; cheap, loads nothing. */
    public FfmVosProvider() {
    }

    @Override
    public String name() {
        return "ffm";
    }

    @Override
    public Pool createPool(Path path, long sizeBytes) {
        return createPool(path, sizeBytes, PoolOptions.pmem());
    }

    @Override
    public Pool createPool(Path path, long sizeBytes, PoolOptions options) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(options, "options");
        VosNative.ensureLoaded();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cpath = arena.allocateFrom(path.toString());
            MemorySegment opts = arena.allocate(VosNative.POOL_OPTS); // zeroed: reserved fields are 0
            opts.set(JAVA_INT, VosNative.OPTS_BACKEND, options.backend().code());
            opts.set(JAVA_LONG, VosNative.OPTS_WAL_SEGMENT, options.walSegmentBytes());
            opts.set(JAVA_LONG, VosNative.OPTS_WAL_CHECKPOINT, options.walCheckpointBytes());
            MemorySegment out = arena.allocate(ADDRESS);
            int rc = (int) VosNative.POOL_CREATE_OPTS.invokeExact(cpath, sizeBytes, opts, out);
            if (rc != VosNative.OK) {
                throw VosNative.failure(rc, "creating the " + options.backend() + " pool " + path + " of "
                        + sizeBytes + " bytes");
            }
            return new FfmPool(path, out.get(ADDRESS, 0));
        } catch (Throwable t) {
            throw VosNative.rethrow(t);
        }
    }

    @Override
    public Pool openPool(Path path) {
        Objects.requireNonNull(path, "path");
        VosNative.ensureLoaded();
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
    public void destroyPool(Path path) {
        Objects.requireNonNull(path, "path");
        VosNative.ensureLoaded();
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

    @Override
    public String toString() {
        return "FfmVosProvider";
    }
}
