package org.vostok.vos;

/**
 * A scrub pass over a whole pool, run one slice at a time ({@link Pool#startScrub()}): every
 * checksum of every persistent structure (the root record, container and object records, index
 * nodes, long keys, version headers and every version's value, the backend's headers and, on the
 * WAL backend, every allocator block) and the invariants that tie them together (keys in order
 * and within their parents' ranges, epochs within their bounds, entry counts, the allocator's
 * blocks and free lists agreeing).
 *
 * <p>Damage does not stop a pass: a damaged structure is reported (what and where, as a
 * {@link ScrubDamage}) and what lies under it is skipped, and the pass goes on with the rest. A
 * scrub only reads; it repairs nothing. A pool with damage is to be restored from a replica or a
 * backup: the damaged values fail with {@link VosError#CORRUPT} when they are read, and the rest
 * of the pool stays readable and writable.
 *
 * <p>Each {@link #slice} holds the pool's read lock for about its budget of checksumming (reads
 * go on meanwhile, changes wait for it) and then returns, so that a running replica can scrub in
 * the background at the rate it chooses, sleeping between slices. The pool may change between
 * slices: the next slice resumes after the last key checked and checks what it finds there.
 * A count or bound that spans slices is compared only when no change committed in between.
 *
 * <p>Thread-safety: not thread-safe; one thread at a time (it may be handed over). It holds
 * native memory for the pass's position: close it. Closing the pool ends it: a slice then fails
 * with {@link VosError#BADHANDLE}.
 */
public interface Scrub extends AutoCloseable {

    /** A slice's budget when the caller has no reason to choose another, in bytes checksummed. */
    long SLICE_BYTES_DEFAULT = 256L << 10;

    /** Problems a pass describes at most; it counts the rest ({@link ScrubProgress#problems()}). */
    int DAMAGE_DESCRIBED_MAX = 16;

    /**
     * Runs the next slice of the pass: checks the pool from where the pass stopped until about
     * {@code budgetBytes} are checksummed (at least one structure). A finished pass stays
     * finished: a slice then does nothing and says so.
     *
     * @param budgetBytes bytes to checksum in this slice, above 0
     * @return what the slice did and found, and where the pass stands
     * @throws IllegalArgumentException when {@code budgetBytes} is not positive
     * @throws VosException {@link VosError#BADHANDLE} when this scrub or its pool is closed
     */
    ScrubSlice slice(long budgetBytes);

    /** Where the pass stands after its last slice ({@link ScrubProgress#NOT_STARTED} before the first). */
    ScrubProgress progress();

    /** Whether the pass has checked the whole pool. */
    default boolean isDone() {
        return progress().done();
    }

    /** Frees the pass's native memory. Closing twice does nothing. */
    @Override
    void close();
}
