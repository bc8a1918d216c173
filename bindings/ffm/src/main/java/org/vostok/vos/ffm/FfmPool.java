package org.vostok.vos.ffm;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.vostok.vos.PoolBackend;
import org.vostok.vos.PoolInfo;
import org.vostok.vos.Scrub;
import org.vostok.vos.Transaction;
import org.vostok.vos.spi.AbstractPool;

/**
 * An open pool: the native calls of {@link AbstractPool} through FFM. Pool-level calls (query,
 * containers) are rare and use a confined arena per call.
 *
 * <p>Thread-safety: safe for concurrent use; see {@link AbstractPool} for the gates and the order
 * of {@link #close()}.
 */
final class FfmPool extends AbstractPool<FfmContainer> {
    private static final ValueLayout.OfLong UUID_HALF = JAVA_LONG.withOrder(ByteOrder.BIG_ENDIAN).withByteAlignment(1);

    /** The native vos_pool_t*; used only while a gate of this pool is entered. */
    final MemorySegment handle;

    FfmPool(Path path, MemorySegment handle) {
        super(path);
        this.handle = handle;
    }

    @Override
    protected PoolInfo queryNative() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(VosNative.POOL_INFO);
            int rc = (int) VosNative.POOL_QUERY.invokeExact(handle, info);
            if (rc != VosNative.OK) {
                throw VosNative.failure(rc, "querying the pool " + path());
            }
            return new PoolInfo(info.get(JAVA_LONG, VosNative.INFO_TOTAL), info.get(JAVA_LONG, VosNative.INFO_FREE),
                    info.get(JAVA_INT, VosNative.INFO_LAYOUT), info.get(JAVA_INT, VosNative.INFO_CONTAINERS),
                    PoolBackend.ofCode(info.get(JAVA_INT, VosNative.INFO_BACKEND)));
        } catch (Throwable t) {
            throw VosNative.rethrow(t);
        }
    }

    @Override
    protected void createContainerNative(UUID uuid) {
        try (Arena arena = Arena.ofConfined()) {
            int rc = (int) VosNative.CONT_CREATE.invokeExact(handle, uuidSegment(arena, uuid));
            if (rc != VosNative.OK) {
                throw VosNative.failure(rc, "creating the container " + uuid + " in " + path());
            }
        } catch (Throwable t) {
            throw VosNative.rethrow(t);
        }
    }

    @Override
    protected void destroyContainerNative(UUID uuid) {
        try (Arena arena = Arena.ofConfined()) {
            int rc = (int) VosNative.CONT_DESTROY.invokeExact(handle, uuidSegment(arena, uuid));
            if (rc != VosNative.OK) {
                throw VosNative.failure(rc, "destroying the container " + uuid + " in " + path());
            }
        } catch (Throwable t) {
            throw VosNative.rethrow(t);
        }
    }

    @Override
    protected List<UUID> listContainersNative() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(JAVA_INT);
            int capacity = 64;
            while (true) {
                MemorySegment uuids = arena.allocate(16L * capacity, 8);
                int rc = (int) VosNative.CONT_LIST.invokeExact(handle, uuids, capacity, count);
                int total = count.get(JAVA_INT, 0);
                if (rc == VosNative.ERR_TRUNC) {
                    capacity = Math.max(total, capacity * 2); // containers may be created meanwhile
                    continue;
                }
                if (rc != VosNative.OK) {
                    throw VosNative.failure(rc, "listing the containers of " + path());
                }
                List<UUID> list = new ArrayList<>(total);
                for (int i = 0; i < total; i++) {
                    list.add(readUuid(uuids, 16L * i));
                }
                return list;
            }
        } catch (Throwable t) {
            throw VosNative.rethrow(t);
        }
    }

    @Override
    protected FfmContainer openContainerNative(UUID uuid) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG);
            int rc = (int) VosNative.CONT_OPEN.invokeExact(handle, uuidSegment(arena, uuid), out);
            if (rc != VosNative.OK) {
                throw VosNative.failure(rc, "opening the container " + uuid + " in " + path());
            }
            return new FfmContainer(this, uuid, out.get(JAVA_LONG, 0));
        } catch (Throwable t) {
            throw VosNative.rethrow(t);
        }
    }

    @Override
    protected void closeContainerNative(FfmContainer container) {
        try {
            int rc = (int) VosNative.CONT_CLOSE.invokeExact(handle, container.handle);
            if (rc != VosNative.OK) {
                throw VosNative.failure(rc, "closing the container " + container.uuid() + " in " + path());
            }
        } catch (Throwable t) {
            throw VosNative.rethrow(t);
        }
    }

    @Override
    protected void closeNative() {
        try {
            int rc = (int) VosNative.POOL_CLOSE.invokeExact(handle);
            if (rc != VosNative.OK) {
                throw VosNative.failure(rc, "closing the pool " + path());
            }
        } catch (Throwable t) {
            throw VosNative.rethrow(t);
        }
    }

    @Override
    protected Transaction newTransactionOfPool() {
        return new FfmTransaction(this);
    }

    @Override
    protected Scrub newScrubOfPool() {
        return new FfmScrub(this);
    }

    static MemorySegment uuidSegment(Arena arena, UUID uuid) {
        MemorySegment segment = arena.allocate(16, 8);
        writeUuid(segment, 0, uuid);
        return segment;
    }

    /** vos.h: a UUID is 16 bytes, big-endian, as java.util.UUID's two longs. */
    static void writeUuid(MemorySegment segment, long offset, UUID uuid) {
        segment.set(UUID_HALF, offset, uuid.getMostSignificantBits());
        segment.set(UUID_HALF, offset + 8, uuid.getLeastSignificantBits());
    }

    static UUID readUuid(MemorySegment segment, long offset) {
        return new UUID(segment.get(UUID_HALF, offset), segment.get(UUID_HALF, offset + 8));
    }
}
