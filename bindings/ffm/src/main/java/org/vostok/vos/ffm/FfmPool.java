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
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.vostok.vos.Container;
import org.vostok.vos.Pool;
import org.vostok.vos.PoolBackend;
import org.vostok.vos.PoolInfo;
import org.vostok.vos.Scrub;
import org.vostok.vos.Transaction;
import org.vostok.vos.VosError;
import org.vostok.vos.VosException;
import org.vostok.vos.spi.CallGate;

/**
 * An open pool. Pool-level calls (query, containers) are rare and use a confined arena per call.
 *
 * <p>Thread-safety: safe for concurrent use. Pool-level calls pass through this pool's
 * {@link CallGate}; container calls pass through their container's gate only. {@link #close()}
 * first closes this gate (no new container can be opened), then each container's gate (waiting
 * for their calls in flight), and only then frees the native pool, so no thread can still be
 * using it.
 */
final class FfmPool implements Pool {
    private static final ValueLayout.OfLong UUID_HALF = JAVA_LONG.withOrder(ByteOrder.BIG_ENDIAN).withByteAlignment(1);

    private final Path path;
    /** The native vos_pool_t*; used only while a gate of this pool is entered. */
    final MemorySegment handle;
    private final CallGate gate = new CallGate();
    private final Set<FfmContainer> containers = ConcurrentHashMap.newKeySet();
    private final Object closeLock = new Object();

    FfmPool(Path path, MemorySegment handle) {
        this.path = path;
        this.handle = handle;
    }

    @Override
    public Path path() {
        return path;
    }

    void enter() {
        if (!gate.enter()) {
            throw closedException();
        }
    }

    void leave() {
        gate.leave();
    }

    VosException closedException() {
        return new VosException(VosError.BADHANDLE, "the pool " + path + " is closed; open it again with "
                + "VosProvider.openPool to go on using it");
    }

    @Override
    public PoolInfo query() {
        enter();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(VosNative.POOL_INFO);
            int rc = (int) VosNative.POOL_QUERY.invokeExact(handle, info);
            if (rc != VosNative.OK) {
                throw VosNative.failure(rc, "querying the pool " + path);
            }
            return new PoolInfo(info.get(JAVA_LONG, VosNative.INFO_TOTAL), info.get(JAVA_LONG, VosNative.INFO_FREE),
                    info.get(JAVA_INT, VosNative.INFO_LAYOUT), info.get(JAVA_INT, VosNative.INFO_CONTAINERS),
                    PoolBackend.ofCode(info.get(JAVA_INT, VosNative.INFO_BACKEND)));
        } catch (Throwable t) {
            throw VosNative.rethrow(t);
        } finally {
            leave();
        }
    }

    @Override
    public void createContainer(UUID uuid) {
        Objects.requireNonNull(uuid, "uuid");
        enter();
        try (Arena arena = Arena.ofConfined()) {
            int rc = (int) VosNative.CONT_CREATE.invokeExact(handle, uuidSegment(arena, uuid));
            if (rc != VosNative.OK) {
                throw VosNative.failure(rc, "creating the container " + uuid + " in " + path);
            }
        } catch (Throwable t) {
            throw VosNative.rethrow(t);
        } finally {
            leave();
        }
    }

    @Override
    public void destroyContainer(UUID uuid) {
        Objects.requireNonNull(uuid, "uuid");
        enter();
        try (Arena arena = Arena.ofConfined()) {
            int rc = (int) VosNative.CONT_DESTROY.invokeExact(handle, uuidSegment(arena, uuid));
            if (rc != VosNative.OK) {
                throw VosNative.failure(rc, "destroying the container " + uuid + " in " + path);
            }
        } catch (Throwable t) {
            throw VosNative.rethrow(t);
        } finally {
            leave();
        }
    }

    @Override
    public List<UUID> listContainers() {
        enter();
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
                    throw VosNative.failure(rc, "listing the containers of " + path);
                }
                List<UUID> list = new ArrayList<>(total);
                for (int i = 0; i < total; i++) {
                    list.add(readUuid(uuids, 16L * i));
                }
                return list;
            }
        } catch (Throwable t) {
            throw VosNative.rethrow(t);
        } finally {
            leave();
        }
    }

    @Override
    public Container openContainer(UUID uuid) {
        Objects.requireNonNull(uuid, "uuid");
        enter();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG);
            int rc = (int) VosNative.CONT_OPEN.invokeExact(handle, uuidSegment(arena, uuid), out);
            if (rc != VosNative.OK) {
                throw VosNative.failure(rc, "opening the container " + uuid + " in " + path);
            }
            FfmContainer container = new FfmContainer(this, uuid, out.get(JAVA_LONG, 0));
            containers.add(container);
            return container;
        } catch (Throwable t) {
            throw VosNative.rethrow(t);
        } finally {
            leave();
        }
    }

    /** Closes a container handle natively, unless the pool is closing (its close releases it). */
    void closeContainer(FfmContainer container) {
        containers.remove(container);
        if (!gate.enter()) {
            return;
        }
        try {
            int rc = (int) VosNative.CONT_CLOSE.invokeExact(handle, container.handle);
            if (rc != VosNative.OK) {
                throw VosNative.failure(rc, "closing the container " + container.uuid() + " in " + path);
            }
        } catch (Throwable t) {
            throw VosNative.rethrow(t);
        } finally {
            leave();
        }
    }

    @Override
    public Transaction newTransaction() {
        if (!isOpen()) {
            throw closedException();
        }
        return new FfmTransaction(this);
    }

    @Override
    public Scrub startScrub() {
        if (!isOpen()) {
            throw closedException();
        }
        return new FfmScrub(this);
    }

    @Override
    public boolean isOpen() {
        return gate.isOpen();
    }

    @Override
    public void close() {
        synchronized (closeLock) {
            if (!gate.close()) {
                return;
            }
            for (FfmContainer container : containers) {
                container.closeWithPool();
            }
            containers.clear();
            try {
                int rc = (int) VosNative.POOL_CLOSE.invokeExact(handle);
                if (rc != VosNative.OK) {
                    throw VosNative.failure(rc, "closing the pool " + path);
                }
            } catch (Throwable t) {
                throw VosNative.rethrow(t);
            }
        }
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

    @Override
    public String toString() {
        return "FfmPool[" + path + (isOpen() ? "" : ", closed") + "]";
    }
}
