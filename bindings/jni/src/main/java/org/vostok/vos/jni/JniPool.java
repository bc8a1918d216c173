package org.vostok.vos.jni;

import java.nio.ByteBuffer;
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
 * An open pool: the native calls of {@link AbstractPool} through JNI. Pool-level calls (query,
 * containers) are rare and use native buffers of their own, freed when the call returns.
 *
 * <p>Thread-safety: safe for concurrent use; see {@link AbstractPool} for the gates and the order
 * of {@link #close()}.
 */
final class JniPool extends AbstractPool<JniContainer> {
    /** The native vos_pool_t*; used only while a gate of this pool is entered. */
    final long handle;

    JniPool(Path path, long handle) {
        super(path);
        if (handle == 0) {
            throw new IllegalStateException("the library returned a NULL pool for " + path());
        }
        this.handle = handle;
    }

    @Override
    protected PoolInfo queryNative() {
        try (NativeBuffer info = new NativeBuffer(VosNative.INFO_BYTES)) {
            int rc = Vos.vos_pool_query(handle, info.address);
            if (rc != VosNative.OK) {
                throw VosNative.failure(rc, "querying the pool " + path());
            }
            ByteBuffer b = info.bytes;
            return new PoolInfo(b.getLong(VosNative.INFO_TOTAL), b.getLong(VosNative.INFO_FREE),
                    b.getInt(VosNative.INFO_LAYOUT), b.getInt(VosNative.INFO_CONTAINERS),
                    PoolBackend.ofCode(b.getInt(VosNative.INFO_BACKEND)));
        }
    }

    @Override
    protected void createContainerNative(UUID uuid) {
        try (NativeBuffer id = uuidBuffer(uuid)) {
            int rc = Vos.vos_cont_create(handle, id.address);
            if (rc != VosNative.OK) {
                throw VosNative.failure(rc, "creating the container " + uuid + " in " + path());
            }
        }
    }

    @Override
    protected void destroyContainerNative(UUID uuid) {
        try (NativeBuffer id = uuidBuffer(uuid)) {
            int rc = Vos.vos_cont_destroy(handle, id.address);
            if (rc != VosNative.OK) {
                throw VosNative.failure(rc, "destroying the container " + uuid + " in " + path());
            }
        }
    }

    @Override
    protected List<UUID> listContainersNative() {
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
                        throw VosNative.failure(rc, "listing the containers of " + path());
                    }
                    List<UUID> list = new ArrayList<>(total);
                    ByteBuffer big = uuids.bytes.duplicate().order(ByteOrder.BIG_ENDIAN);
                    for (int i = 0; i < total; i++) {
                        list.add(new UUID(big.getLong(16 * i), big.getLong(16 * i + 8)));
                    }
                    return list;
                }
            }
        }
    }

    @Override
    protected JniContainer openContainerNative(UUID uuid) {
        try (NativeBuffer id = uuidBuffer(uuid); NativeBuffer out = new NativeBuffer(8)) {
            int rc = Vos.vos_cont_open(handle, id.address, out.address);
            if (rc != VosNative.OK) {
                throw VosNative.failure(rc, "opening the container " + uuid + " in " + path());
            }
            return new JniContainer(this, uuid, out.bytes.getLong(0));
        }
    }

    @Override
    protected void closeContainerNative(JniContainer container) {
        int rc = Vos.vos_cont_close(handle, container.handle);
        if (rc != VosNative.OK) {
            throw VosNative.failure(rc, "closing the container " + container.uuid() + " in " + path());
        }
    }

    @Override
    protected void closeNative() {
        int rc = Vos.vos_pool_close(handle);
        if (rc != VosNative.OK) {
            throw VosNative.failure(rc, "closing the pool " + path());
        }
    }

    @Override
    protected Transaction newTransactionOfPool() {
        return new JniTransaction(this);
    }

    @Override
    protected Scrub newScrubOfPool() {
        return new JniScrub(this);
    }

    /** vos.h: a UUID is 16 bytes, big-endian, as java.util.UUID's two longs. */
    static NativeBuffer uuidBuffer(UUID uuid) {
        NativeBuffer buffer = new NativeBuffer(16);
        ByteBuffer big = buffer.bytes.duplicate().order(ByteOrder.BIG_ENDIAN);
        big.putLong(0, uuid.getMostSignificantBits());
        big.putLong(8, uuid.getLeastSignificantBits());
        return buffer;
    }
}
