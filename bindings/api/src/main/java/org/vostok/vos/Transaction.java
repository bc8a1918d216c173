package org.vostok.vos;

/**
 * Collects changes to the containers of one pool and applies them, in the order they were added,
 * as one crash-consistent local transaction in one native call with one persist: after a crash at
 * any instant the pool holds all of them or none. Operations on the same key apply in order, so a
 * later update at the same epoch replaces an earlier one.
 *
 * <p>Each {@code add} method checks what it can at once (sizes, key kinds, that the container is
 * open and of this pool) and refuses a bad operation with a {@link VosException} without adding
 * it. {@link #commit()} then applies everything; on success the transaction is empty and can be
 * reused (its native buffers are kept, so a reused transaction allocates nothing). On failure
 * nothing in the pool changed, the exception names the failed operation, and the operations stay
 * in the transaction, so it can be committed again (e.g. after space was freed) or
 * {@link #clear() cleared}.
 *
 * <p>Thread-safety: not thread-safe. One thread at a time may use it; it may move between
 * threads when handed over with a happens-before edge (a queue, a lock). Committing transactions
 * of one pool from many threads at once is safe: the store serializes them.
 */
public interface Transaction extends AutoCloseable {

    /**
     * Creates object {@code oid} with a key order; it exists at epochs at or above {@code epoch}.
     * Object ids are never reused: {@link VosError#EXIST} at commit if it ever existed.
     */
    Transaction createObject(Container container, long oid, KeyOrder order, long epoch);

    /** The object and all its keys cease to exist at epochs at or above {@code epoch}. */
    Transaction punchObject(Container container, long oid, long epoch);

    /** {@code key := value} at {@code epoch}; the value is copied now. */
    Transaction update(Container container, long oid, Key key, long epoch, byte[] value);

    /** {@code key := value[offset .. offset + length)} at {@code epoch}; the bytes are copied now. */
    Transaction update(Container container, long oid, Key key, long epoch, byte[] value, int offset, int length);

    /** An update of an integer key, without allocating a key. */
    Transaction update(Container container, long oid, long key, long epoch, byte[] value);

    /**
     * An update of an integer key whose value is {@code head} followed by {@code body} (a record's
     * header and its payload), without joining them into one array first; both are copied now.
     */
    Transaction update(Container container, long oid, long key, long epoch, byte[] head, byte[] body);

    /** A tombstone: fetches at or above {@code epoch} find nothing for {@code key}. */
    Transaction punch(Container container, long oid, Key key, long epoch);

    /** A tombstone for an integer key, without allocating a key. */
    Transaction punch(Container container, long oid, long key, long epoch);

    /**
     * Removes every version, tombstone and object creation at or above {@code fromEpoch} in the
     * container, as part of this transaction.
     */
    Transaction discard(Container container, long fromEpoch);

    /** The number of operations collected. */
    int size();

    /** Whether no operation is collected. */
    default boolean isEmpty() {
        return size() == 0;
    }

    /** Applies the collected operations atomically; see the class comment. */
    void commit();

    /**
     * Applies the collected operations atomically, as {@link #commit()}, but returns without
     * waiting for them to be durable: they are visible at once and become durable with the
     * pool's next ordinary commit (or a checkpoint, or the close). A crash before that may undo
     * them, with every lazy commit after them, but never a part of them and never without
     * undoing what was committed after them. For work that may simply be done again after a
     * crash, such as garbage collection: it spares the caller a wait for the disk and the disk a
     * sync of its own. A PMDK pool persists it like any other commit.
     */
    void commitLazily();

    /** Drops the collected operations without applying them. */
    void clear();

    /** Drops the collected operations and frees the native buffers; the transaction is unusable after. */
    @Override
    void close();
}
