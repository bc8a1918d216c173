package org.vostok.vos.jni;

import java.nio.ByteBuffer;
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
 * An open pool. Pool-level calls (query, containers) are rare and use native buffers of their
 * own, freed when the call returns.
 *
 * <p>Thread-safety: safe for concurrent use. Pool-level calls pass through this pool's
 * {@link CallGate}; container calls pass through their container's gate only. {@link #close()}
 * first closes this gate (no new container can be opened), then each container's gate (waiting
 * for their calls in flight), and only then frees the native pool, so no thread can still be
 * using it.
 */
final class JniPool implements Pool {
    private final Path path;
    /** The native vos_pool_t*; used only while a gate of this pool is entered. */
    final long handle;
    private final CallGate gate = new CallGate();
    private final Set<JniContainer> containers = ConcurrentHashMap.newKeySet();
    private final Object closeLock = new Object();

    JniPool(Path path, long handle) {
        if (handle == 0) {
            throw new IllegalStateException("the library returned a NULL pool for " + path);
        }
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
        try (NativeBuffer info = new NativeBuffer(VosNative.INFO_BYTES)) {
            int rc = Vos.vos_pool_query(handle, info.address);
            if (rc != VosNative.OK) {
                throw VosNative.failure(rc, "querying the pool " + path);
            }
            ByteBuffer b = info.bytes;
            return new PoolInfo(b.getLong(VosNative.INFO_TOTAL), b.getLong(VosNative.INFO_FREE),
                    b.getInt(VosNative.INFO_LAYOUT), b.getInt(VosNative.INFO_CONTAINERS),
                    PoolBackend.ofCode(b.getInt(VosNative.INFO_BACKEND)));
        } finally {
            leave();
        }
    }

    @Override
    public void createContainer(UUID uuid) {
        Objects.requireNonNull(uuid, "uuid");
        enter();
        try (NativeBuffer id = uuidBuffer(uuid)) {
            int rc = Vos.vos_cont_create(handle, id.address);
            if (rc != VosNative.OK) {
                throw VosNative.failure(rc, "creating the container " + uuid + " in " + path);
            }
        } finally {
            leave();
        }
    }

    @Override
    public void destroyContainer(UUID uuid) {
        Objects.requireNonNull(uuid, "uuid");
        enter();
        try (NativeBuffer id = uuidBuffer(uuid)) {
            int rc = Vos.vos_cont_destroy(handle, id.address);
            if (rc != VosNative.OK) {
                throw VosNative.failure(rc, "destroying the container " + uuid + " in " + path);
            }
        } finally {
            leave();
        }
    }

    @Override
    public List<UUID> listContainers() {
        enter();
        try (NativeBuffer count = new NativeBuffer(8)) {
            int capacity = 64;
            while (true) {
                try (NativeBuffer uuids = new NativeBuffer(16L * capacity)) {
                    int rc = Vos.vos_cont_list(handle, uuids.address, capacity, count.address);
                    int total = count.bytes.getInt(0);
                    if (rc == VosNative.ERR_TRUNC) {
                        capacity = Math.max(total, capacity * 2); // containers may be created meanwhile
                        continue;
                    }
                    if (rc != VosNative.OK) {
                        throw VosNative.failure(rc, "listing the containers of " + path);
                    }
                    List<UUID> list = new ArrayList<>(total);
                    ByteBuffer big = uuids.bytes.duplicate().order(ByteOrder.BIG_ENDIAN);
                    for (int i = 0; i < total; i++) {
                        list.add(new UUID(big.getLong(16 * i), big.getLong(16 * i + 8)));
                    }
                    return list;
                }
            }
        } finally {
            leave();
        }
    }

    @Override
    public Container openContainer(UUID uuid) {
        Objects.requireNonNull(uuid, "uuid");
        enter();
        try (NativeBuffer id = uuidBuffer(uuid); NativeBuffer out = new NativeBuffer(8)) {
            int rc = Vos.vos_cont_open(handle, id.address, out.address);
            if (rc != VosNative.OK) {
                throw VosNative.failure(rc, "opening the container " + uuid + " in " + path);
            }
            JniContainer container = new JniContainer(this, uuid, out.bytes.getLong(0));
            containers.add(container);
            return container;
        } finally {
            leave();
        }
    }

    /** Closes a container handle natively, unless the pool is closing (its close releases it). */
    void closeContainer(JniContainer container) {
        containers.remove(container);
        if (!gate.enter()) {
            return;
        }
        try {
            int rc = Vos.vos_cont_close(handle, container.handle);
            if (rc != VosNative.OK) {
                throw VosNative.failure(rc, "closing the container " + container.uuid() + " in " + path);
            }
        } finally {
            leave();
        }
    }

    @Override
    public Transaction newTransaction() {
        if (!isOpen()) {
            throw closedException();
        }
        return new JniTransaction(this);
    }

    @Override
    public Scrub startScrub() {
        if (!isOpen()) {
            throw closedException();
        }
        return new JniScrub(this);
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
            for (JniContainer container : containers) {
                container.closeWithPool();
            }
            containers.clear();
            int rc = Vos.vos_pool_close(handle);
            if (rc != VosNative.OK) {
                throw VosNative.failure(rc, "closing the pool " + path);
            }
        }
    }

    /** vos.h: a UUID is 16 bytes, big-endian, as java.util.UUID's two longs. */
    static NativeBuffer uuidBuffer(UUID uuid) {
        NativeBuffer buffer = new NativeBuffer(16);
        ByteBuffer big = buffer.bytes.duplicate().order(ByteOrder.BIG_ENDIAN);
        big.putLong(0, uuid.getMostSignificantBits());
        big.putLong(8, uuid.getLeastSignificantBits());
        return buffer;
    }

    @Override
    public String toString() {
        return "JniPool[" + path + (isOpen() ? "" : ", closed") + "]";
    }
}
