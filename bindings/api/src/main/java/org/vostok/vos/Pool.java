package org.vostok.vos;

import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

/**
 * An open pool: one pool file holding containers. Obtained from {@link VosProvider#createPool} or
 * {@link VosProvider#openPool}; one process can have a pool file open once at a time.
 *
 * <p>Thread-safety: safe for concurrent use by any number of threads. Reads run concurrently;
 * changes are serialized by the store. {@link #close()} may be called from any thread at any time:
 * it stops new calls (they fail with {@link VosError#BADHANDLE}), waits for the calls in flight on
 * the pool and its containers to return, closes every container still open, and then closes the
 * pool. It never waits for user code (iteration visitors run between native calls).
 */
public interface Pool extends AutoCloseable {

    /** The pool file's path, as it was given. */
    Path path();

    /** Total and free bytes, the layout version and the number of containers. */
    PoolInfo query();

    /** Creates an empty container; {@link VosError#EXIST} if one with this UUID exists. */
    void createContainer(UUID uuid);

    /**
     * Destroys a container and everything in it; {@link VosError#NONEXIST} if there is none,
     * {@link VosError#BUSY} while a handle to it is open.
     */
    void destroyContainer(UUID uuid);

    /** The UUIDs of all containers in the pool, in no particular order. */
    List<UUID> listContainers();

    /**
     * Opens a container; {@link VosError#NONEXIST} if there is none. Each call returns a new
     * handle; close it when done ({@link #close()} closes those still open).
     */
    Container openContainer(UUID uuid);

    /**
     * A new, empty transaction on this pool. It collects changes in any of the pool's containers
     * and commits them atomically in one native call.
     */
    Transaction newTransaction();

    /**
     * Starts a scrub pass over the whole pool, to run one slice at a time ({@link Scrub#slice}):
     * for a caller that paces the pass itself, as a replica's background maintenance does. Close
     * the scrub when done with it.
     *
     * @throws VosException {@link VosError#BADHANDLE} when the pool is closed
     */
    Scrub startScrub();

    /**
     * Runs a whole scrub pass now, in slices of {@link Scrub#SLICE_BYTES_DEFAULT} with no pause
     * between them (changes wait for one slice at a time), and returns how it ended. Damage does
     * not make it fail: see {@link ScrubProgress#isSound()} and {@link ScrubProgress#damage()}.
     */
    default ScrubProgress scrub() {
        try (Scrub pass = startScrub()) {
            ScrubProgress progress = pass.progress();
            while (!progress.done()) {
                progress = pass.slice(Scrub.SLICE_BYTES_DEFAULT).pass();
            }
            return progress;
        }
    }

    /** Whether the pool is open: false once {@link #close()} has begun. */
    boolean isOpen();

    /** Closes the pool as described in the class comment. Closing a closed pool does nothing. */
    @Override
    void close();
}
