package org.vostok.vos.spi;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.vostok.vos.Container;
import org.vostok.vos.Pool;
import org.vostok.vos.PoolInfo;
import org.vostok.vos.Scrub;
import org.vostok.vos.Transaction;
import org.vostok.vos.VosError;
import org.vostok.vos.VosException;

/**
 * What an open pool does whatever the binding: its {@link CallGate}, the set of its open
 * containers, the order in which it closes, and the argument checks of {@link Pool}. A binding
 * supplies the native calls, each made with the gate entered.
 *
 * <p>Thread-safety: safe for concurrent use. Pool-level calls pass through this pool's gate;
 * container calls pass through their container's gate only. {@link #close()} first closes this
 * gate (no new container can be opened), then each container's gate (waiting for their calls in
 * flight), and only then frees the native pool with {@link #closeNative()}, so no thread can
 * still be using it.
 *
 * <p>For implementations of the VOS API (the FFM and JNI bindings share it); applications do
 * not need it.
 *
 * @param <C> the binding's container
 */
public abstract class AbstractPool<C extends AbstractContainer> extends GatedHandle implements Pool {
    private final Path path;
    private final Set<C> containers = ConcurrentHashMap.newKeySet();
    private final Object closeLock = new Object();

    protected AbstractPool(Path path) {
        this.path = Objects.requireNonNull(path, "path");
    }

    @Override
    public final Path path() {
        return path;
    }

    @Override
    public final VosException closedException() {
        return new VosException(VosError.BADHANDLE, "the pool " + path + " is closed; open it again with "
                + "VosProvider.openPool to go on using it");
    }

    // ---------------------------------------------------------------------------------------
    // The native calls, made with the gate entered.

    /** {@code vos_pool_query}. */
    protected abstract PoolInfo queryNative();

    /** {@code vos_cont_create}. */
    protected abstract void createContainerNative(UUID uuid);

    /** {@code vos_cont_destroy}. */
    protected abstract void destroyContainerNative(UUID uuid);

    /** {@code vos_cont_list}. */
    protected abstract List<UUID> listContainersNative();

    /** {@code vos_cont_open}, and the binding's container over the handle. */
    protected abstract C openContainerNative(UUID uuid);

    /** {@code vos_cont_close} of an open container of this pool. */
    protected abstract void closeContainerNative(C container);

    /** {@code vos_pool_close}; every container's gate is closed and drained by then. */
    protected abstract void closeNative();

    /** A new transaction of this open pool. */
    protected abstract Transaction newTransactionOfPool();

    /** A new scrub of this open pool. */
    protected abstract Scrub newScrubOfPool();

    // ---------------------------------------------------------------------------------------

    @Override
    public final PoolInfo query() {
        enter();
        try {
            return queryNative();
        } finally {
            leave();
        }
    }

    @Override
    public final void createContainer(UUID uuid) {
        Objects.requireNonNull(uuid, "uuid");
        enter();
        try {
            createContainerNative(uuid);
        } finally {
            leave();
        }
    }

    @Override
    public final void destroyContainer(UUID uuid) {
        Objects.requireNonNull(uuid, "uuid");
        enter();
        try {
            destroyContainerNative(uuid);
        } finally {
            leave();
        }
    }

    @Override
    public final List<UUID> listContainers() {
        enter();
        try {
            return listContainersNative();
        } finally {
            leave();
        }
    }

    @Override
    public final Container openContainer(UUID uuid) {
        Objects.requireNonNull(uuid, "uuid");
        enter();
        try {
            C container = openContainerNative(uuid);
            containers.add(container);
            return container;
        } finally {
            leave();
        }
    }

    /** Closes a container handle natively, unless the pool is closing (its close releases it). */
    @SuppressWarnings("unchecked")
    final void closeContainer(AbstractContainer container) {
        containers.remove(container);
        if (!gate.enter()) {
            return;
        }
        try {
            closeContainerNative((C) container);
        } finally {
            leave();
        }
    }

    @Override
    public final Transaction newTransaction() {
        if (!isOpen()) {
            throw closedException();
        }
        return newTransactionOfPool();
    }

    @Override
    public final Scrub startScrub() {
        if (!isOpen()) {
            throw closedException();
        }
        return newScrubOfPool();
    }

    @Override
    public final void close() {
        synchronized (closeLock) {
            if (!gate.close()) {
                return;
            }
            for (C container : containers) {
                container.closeWithPool();
            }
            containers.clear();
            closeNative();
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + path + (isOpen() ? "" : ", closed") + "]";
    }
}
