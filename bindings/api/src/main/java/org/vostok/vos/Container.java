package org.vostok.vos;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * An open container handle: the objects of one container, read through epoch-versioned fetches,
 * iterations and probes. Changes go through a {@link Transaction} from {@link Pool#newTransaction()}
 * (or the {@code update}/{@code punch} shortcuts here, one transaction each).
 *
 * <p>Object ids, integer keys and epochs are unsigned 64-bit numbers in Java longs. A read at
 * epoch E sees, for each key, the newest version at or below E; a tombstone (punch) there means the
 * key has no live value. Reading an object that does not exist at E fails with
 * {@link VosError#NONEXIST}; reading a stored value that fails its checksum fails with
 * {@link VosError#CORRUPT}, never with wrong bytes.
 *
 * <p>Thread-safety: safe for concurrent use by any number of threads. {@link #close()} may be
 * called from any thread: it stops new calls (they fail with {@link VosError#BADHANDLE}) and waits
 * for the calls in flight to return.
 */
public interface Container extends AutoCloseable {

    /** The container's UUID. */
    UUID uuid();

    /** The pool the container is in. */
    Pool pool();

    /** The value of {@code key} in object {@code oid} at {@code epoch}; empty when it has none. */
    Optional<byte[]> fetch(long oid, Key key, long epoch);

    /** {@link #fetch(long, Key, long)} for an integer key, without allocating a key. */
    Optional<byte[]> fetch(long oid, long key, long epoch);

    /**
     * {@link #fetch(long, Key, long)} into the caller's buffer, allocating nothing: writes the
     * value at {@code into}'s position, moves the position past it and returns its length; empty
     * when the key has no value at {@code epoch}, with {@code into} unchanged. A value longer
     * than {@code into.remaining()} fails with {@link VosError#TRUNC} and leaves {@code into}
     * unchanged ({@link #valueLength} gives the room to make). Any writable buffer will do, heap
     * or direct: a direct buffer takes the value straight from the library, with no copy (the
     * library writes nothing there unless the whole value fits); a heap buffer gets it copied in
     * from the binding's own native memory. Other errors as {@code fetch}'s.
     *
     * @throws java.nio.ReadOnlyBufferException if {@code into} is read-only, before any read
     */
    OptionalInt fetch(long oid, Key key, long epoch, ByteBuffer into);

    /** {@link #fetch(long, Key, long, ByteBuffer)} for an integer key, without allocating a key. */
    OptionalInt fetch(long oid, long key, long epoch, ByteBuffer into);

    /**
     * The length in bytes of the value {@link #fetch(long, Key, long)} would return, without
     * reading the value (so without checking its checksum, which a fetch does); empty when the
     * key has no value at {@code epoch}. Errors as {@code fetch}'s.
     */
    OptionalInt valueLength(long oid, Key key, long epoch);

    /**
     * Fetches many keys in one native call (up to {@link VosLimits#TX_OPS_MAX}); the results are
     * in the order of the requests, each with its own outcome. Errors that concern the whole call
     * (a closed handle, too many requests) are thrown.
     */
    List<FetchResult> fetch(List<FetchRequest> requests);

    /**
     * Visits the live keys of an object at an epoch, in order, batch by batch, until the visitor
     * returns false or the keys run out.
     */
    IterationResult iterate(Iteration iteration, RecordVisitor visitor);

    /** Up to {@code recordsMax} records of an iteration, collected into a list. */
    default List<KeyValue> collect(Iteration iteration, int recordsMax) {
        if (recordsMax < 0) {
            throw new IllegalArgumentException("recordsMax must not be negative: " + recordsMax);
        }
        List<KeyValue> records = new ArrayList<>();
        if (recordsMax == 0) {
            return records;
        }
        iterate(iteration, record -> {
            records.add(new KeyValue(record.key(), record.value()));
            return records.size() < recordsMax;
        });
        return records;
    }

    /** The smallest live key of the object at the epoch. */
    Optional<Key> firstKey(long oid, long epoch);

    /** The largest live key of the object at the epoch. */
    Optional<Key> lastKey(long oid, long epoch);

    /** The smallest live key greater than {@code key}. */
    Optional<Key> nextKey(long oid, Key key, long epoch);

    /** The largest live key smaller than {@code key}. */
    Optional<Key> previousKey(long oid, Key key, long epoch);

    /**
     * The largest live key of an integer-keyed object at the epoch (unsigned);
     * {@link VosError#INVAL} for a lexical object that has keys.
     */
    OptionalLong largestIntegerKey(long oid, long epoch);

    /**
     * Removes every version, tombstone and object creation at or above {@code fromEpoch} in this
     * container, in one transaction (how a Raft log is truncated).
     */
    void discard(long fromEpoch);

    /**
     * Folds all versions at or below {@code upToEpoch} into one, drops keys and objects whose
     * newest such version is a tombstone, and frees their space. Runs in slices of
     * {@link Aggregation#KEYS_PER_SLICE_DEFAULT} keys, each its own native call and transaction,
     * so other writers are not stalled. Reads below {@code upToEpoch} are not meaningful after.
     */
    default void aggregate(long upToEpoch) {
        try (Aggregation aggregation = startAggregation(upToEpoch)) {
            while (!aggregation.step(Aggregation.KEYS_PER_SLICE_DEFAULT)) {
                // Each step is one slice; other threads' writes interleave between them.
            }
        }
    }

    /** An aggregation driven one slice at a time by the caller. */
    Aggregation startAggregation(long upToEpoch);

    /** Shortcut: one update in its own transaction. */
    default void update(long oid, Key key, long epoch, byte[] value) {
        try (Transaction tx = pool().newTransaction()) {
            tx.update(this, oid, key, epoch, value);
            tx.commit();
        }
    }

    /** Shortcut: one tombstone in its own transaction. */
    default void punch(long oid, Key key, long epoch) {
        try (Transaction tx = pool().newTransaction()) {
            tx.punch(this, oid, key, epoch);
            tx.commit();
        }
    }

    /** Shortcut: creates one object in its own transaction. */
    default void createObject(long oid, KeyOrder order, long epoch) {
        try (Transaction tx = pool().newTransaction()) {
            tx.createObject(this, oid, order, epoch);
            tx.commit();
        }
    }

    /** Whether the handle is open: false once it or its pool began closing. */
    boolean isOpen();

    /** Closes the handle as described in the class comment. Closing a closed handle does nothing. */
    @Override
    void close();
}
