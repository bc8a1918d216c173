package org.vostok.vos.spi;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.UUID;
import org.vostok.vos.Aggregation;
import org.vostok.vos.Container;
import org.vostok.vos.FetchRequest;
import org.vostok.vos.FetchResult;
import org.vostok.vos.Iteration;
import org.vostok.vos.IterationResult;
import org.vostok.vos.Key;
import org.vostok.vos.Pool;
import org.vostok.vos.RecordVisitor;
import org.vostok.vos.VosError;
import org.vostok.vos.VosException;
import org.vostok.vos.VosLimits;

/**
 * What an open container handle does whatever the binding: its {@link CallGate} and close
 * ordering, the argument checks of {@link Container}, the split of a {@link Key} into the
 * integer and lexical halves of the library's requests, and the errors a failed request maps to.
 * A binding supplies the native calls (the {@code *Native} methods, called with the gate entered
 * unless they say otherwise).
 *
 * <p>The public methods are final, and each calls one binding method on {@code this}: in a
 * process with one binding loaded that call has one target, which the JIT inlines.
 *
 * <p>Thread-safety: safe for concurrent use; every native call passes through this container's
 * gate, which {@link #close()} closes and drains before the handle is released.
 *
 * <p>For implementations of the VOS API (the FFM and JNI bindings share it); applications do
 * not need it.
 */
public abstract class AbstractContainer extends GatedHandle implements Container {
    private final AbstractPool<?> pool;
    private final UUID uuid;
    private final Object closeLock = new Object();
    private volatile boolean closedWithPool;

    protected AbstractContainer(AbstractPool<?> pool, UUID uuid) {
        this.pool = Objects.requireNonNull(pool, "pool");
        this.uuid = Objects.requireNonNull(uuid, "uuid");
    }

    @Override
    public final UUID uuid() {
        return uuid;
    }

    @Override
    public final Pool pool() {
        return pool;
    }

    @Override
    public final VosException closedException() {
        if (closedWithPool) {
            return new VosException(VosError.BADHANDLE, "the container " + uuid + " was closed with its pool "
                    + pool.path() + "; open the pool and the container again to go on using it");
        }
        return new VosException(VosError.BADHANDLE, "the container " + uuid + " in " + pool.path()
                + " is closed; open it again with Pool.openContainer to go on using it");
    }

    // ---------------------------------------------------------------------------------------
    // The native calls. A lexical key is passed as itself and its integer half as 0; an integer
    // key as its value and null.

    /**
     * The newest value at or below the epoch, copied into a new array, or {@link #NO_BYTES} when
     * the key has none.
     */
    protected abstract byte[] fetchNative(long oid, long keyInt, Key.LexicalKey lexical, long epoch);

    /**
     * What {@link #fetchNative} returns for a key with no value: this array itself (compared by
     * identity; an empty value is another array). As with {@link #NO_VALUE}, the {@code Optional}
     * is made in the final method the caller inlines, where escape analysis can leave it
     * unallocated when the caller unwraps it at once: made in the binding's method, it was 16
     * bytes a fetch beside the value's own array.
     */
    protected static final byte[] NO_BYTES = new byte[0];

    private static Optional<byte[]> fetched(byte[] value) {
        return value == NO_BYTES ? Optional.empty() : Optional.of(value);
    }

    /**
     * The newest value at or below the epoch, into {@code into} at its position (advanced past
     * it); a value that does not fit is refused with {@link #placeValue}. {@code into} is
     * writable. Returns the value's length, or {@link #NO_VALUE} when the key has none.
     */
    protected abstract int fetchIntoNative(long oid, long keyInt, Key.LexicalKey lexical, long epoch,
                                           ByteBuffer into);

    /**
     * What {@link #fetchIntoNative} returns for a key with no value. It returns a length rather
     * than an {@code OptionalInt} so that the one it is turned into is made here, in the final
     * method the caller's code inlines, where escape analysis can leave it unallocated: made in
     * the binding's method, which is too large to be inlined, it was 24 bytes of garbage a fetch.
     */
    protected static final int NO_VALUE = -1;

    private static OptionalInt fetched(int length) {
        return length == NO_VALUE ? OptionalInt.empty() : OptionalInt.of(length);
    }

    /** The length of the newest value at or below the epoch. */
    protected abstract OptionalInt valueLengthNative(long oid, long keyInt, Key.LexicalKey lexical, long epoch);

    /**
     * The batched fetch of 1 to {@link VosLimits#TX_OPS_MAX} requests whose lexical keys take
     * {@code keysBytes} in all; {@link #requestFailure} makes a failed request's exception.
     */
    protected abstract List<FetchResult> fetchBatchNative(List<FetchRequest> requests, long keysBytes);

    /**
     * The iteration. Called outside the gate: the binding enters it around each native call and
     * leaves it while the visitor runs (the visitor may use this container).
     */
    protected abstract IterationResult iterateNative(Iteration iteration, RecordVisitor visitor);

    /**
     * The first key from the start (or just past {@code anchor}, unless it is null) in one
     * direction. Called outside the gate, as {@link #iterateNative}.
     */
    protected abstract Optional<Key> probeNative(long oid, long epoch, boolean backward, Key anchor);

    /** {@code vos_discard} of this container. */
    protected abstract void discardNative(long fromEpoch);

    /** A new aggregation of this open container. */
    protected abstract Aggregation newAggregation(long upToEpoch);

    // ---------------------------------------------------------------------------------------
    // Fetch

    @Override
    public final Optional<byte[]> fetch(long oid, long key, long epoch) {
        enter();
        try {
            return fetched(fetchNative(oid, key, null, epoch));
        } finally {
            leave();
        }
    }

    @Override
    public final Optional<byte[]> fetch(long oid, Key key, long epoch) {
        Objects.requireNonNull(key, "key");
        enter();
        try {
            if (key instanceof Key.LexicalKey k) {
                return fetched(fetchNative(oid, 0, k, epoch));
            }
            return fetched(fetchNative(oid, ((Key.IntegerKey) key).value(), null, epoch));
        } finally {
            leave();
        }
    }

    @Override
    public final OptionalInt fetch(long oid, long key, long epoch, ByteBuffer into) {
        FetchInto.checkWritable(into);
        enter();
        try {
            return fetched(fetchIntoNative(oid, key, null, epoch, into));
        } finally {
            leave();
        }
    }

    @Override
    public final OptionalInt fetch(long oid, Key key, long epoch, ByteBuffer into) {
        Objects.requireNonNull(key, "key");
        FetchInto.checkWritable(into);
        enter();
        try {
            if (key instanceof Key.LexicalKey k) {
                return fetched(fetchIntoNative(oid, 0, k, epoch, into));
            }
            return fetched(fetchIntoNative(oid, ((Key.IntegerKey) key).value(), null, epoch, into));
        } finally {
            leave();
        }
    }

    @Override
    public final OptionalInt valueLength(long oid, Key key, long epoch) {
        Objects.requireNonNull(key, "key");
        long keyInt = key instanceof Key.IntegerKey k ? k.value() : 0;
        Key.LexicalKey lexical = key instanceof Key.LexicalKey k ? k : null;
        enter();
        try {
            return valueLengthNative(oid, keyInt, lexical, epoch);
        } finally {
            leave();
        }
    }

    @Override
    public final List<FetchResult> fetch(List<FetchRequest> requests) {
        int n = requests.size();
        if (n == 0) {
            return List.of();
        }
        if (n > VosLimits.TX_OPS_MAX) {
            throw new VosException(VosError.TOOBIG, "a batched fetch of " + n + " requests is more than TX_OPS_MAX ("
                    + VosLimits.TX_OPS_MAX + "); split it");
        }
        long keysBytes = 0;
        for (FetchRequest request : requests) {
            if (request.key() instanceof Key.LexicalKey k) {
                keysBytes += k.length();
            }
        }
        enter();
        try {
            return fetchBatchNative(requests, keysBytes);
        } finally {
            leave();
        }
    }

    /**
     * Where a fetched value of {@code length} bytes goes in {@code into}: its position. TRUNC,
     * naming the key, when fewer bytes than that are left; the key is described only then.
     */
    protected final int placeValue(ByteBuffer into, int length, long oid, long keyInt, Key.LexicalKey lexical,
                                   long epoch) {
        if (!FetchInto.fits(into, length)) {
            throw FetchInto.doesNotFit(into, length, describe(oid, keyInt, lexical, epoch));
        }
        return into.position();
    }

    /** The integer half of a request's key: its value, or 0 for a lexical key. */
    protected static long integerHalf(Key key) {
        return key instanceof Key.IntegerKey k ? k.value() : 0;
    }

    /** The lexical half of a request's key: itself, or null for an integer key. */
    protected static Key.LexicalKey lexicalHalf(Key key) {
        return key instanceof Key.LexicalKey k ? k : null;
    }

    /** The exception for a failed status of one request of a batch; {@code nativeMessage} as in {@link #statusFailure}. */
    protected final VosException requestFailure(int status, FetchRequest request, String nativeMessage) {
        return statusFailure(status, request.oid(), integerHalf(request.key()), lexicalHalf(request.key()),
                request.epoch(), nativeMessage);
    }

    /** The exception for a request's failed status; {@code nativeMessage} is the library's, or "". */
    protected final VosException statusFailure(int status, long oid, long keyInt, Key.LexicalKey lexical, long epoch,
                                               String nativeMessage) {
        VosError error = VosError.ofCode(status);
        String what = describe(oid, keyInt, lexical, epoch);
        if (!nativeMessage.isEmpty()) {
            String advice = error == VosError.CORRUPT
                    ? "; no bytes were returned. Restore the data from a replica or a backup" : "";
            return new VosException(error, "fetching " + what + ": " + nativeMessage + advice);
        }
        switch (error) {
            case NONEXIST:
                return new VosException(error, "object " + Long.toUnsignedString(oid)
                        + " does not exist at epoch " + Long.toUnsignedString(epoch) + " in container " + uuid
                        + " (fetching " + what + ")");
            case CORRUPT:
                return new VosException(error, "the stored value of " + what + " fails its checksum: the pool "
                        + pool.path() + " is damaged there; no bytes were returned. Restore the data from a replica "
                        + "or a backup");
            case INVAL:
                return new VosException(error, "fetching " + what + ": the request is not valid for this object "
                        + "(a key of the other key order?)");
            default:
                return new VosException(error, "fetching " + what + ": " + error + " (native status " + status + ")");
        }
    }

    /** Names a fetched key in messages: key, object, epoch and container. */
    protected final String describe(long oid, long keyInt, Key.LexicalKey lexical, long epoch) {
        return "key " + (lexical != null ? lexical.toString() : Long.toUnsignedString(keyInt)) + " of object "
                + Long.toUnsignedString(oid) + " at epoch " + Long.toUnsignedString(epoch) + " in container " + uuid;
    }

    /** The context of a failed vos_iterate: the object and epoch iterated. */
    public final String describeIteration(Iteration iteration) {
        return "iterating object " + Long.toUnsignedString(iteration.oid()) + " at epoch "
                + Long.toUnsignedString(iteration.epoch()) + " in container " + uuid;
    }

    // ---------------------------------------------------------------------------------------
    // Iteration and probes

    @Override
    public final IterationResult iterate(Iteration iteration, RecordVisitor visitor) {
        Objects.requireNonNull(iteration, "iteration");
        Objects.requireNonNull(visitor, "visitor");
        return iterateNative(iteration, visitor);
    }

    @Override
    public final Optional<Key> firstKey(long oid, long epoch) {
        return probeNative(oid, epoch, false, null);
    }

    @Override
    public final Optional<Key> lastKey(long oid, long epoch) {
        return probeNative(oid, epoch, true, null);
    }

    @Override
    public final Optional<Key> nextKey(long oid, Key key, long epoch) {
        return probeNative(oid, epoch, false, Objects.requireNonNull(key, "key"));
    }

    @Override
    public final Optional<Key> previousKey(long oid, Key key, long epoch) {
        return probeNative(oid, epoch, true, Objects.requireNonNull(key, "key"));
    }

    @Override
    public final OptionalLong largestIntegerKey(long oid, long epoch) {
        Optional<Key> last = lastKey(oid, epoch);
        if (last.isEmpty()) {
            return OptionalLong.empty();
        }
        if (last.get() instanceof Key.IntegerKey k) {
            return OptionalLong.of(k.value());
        }
        throw new VosException(VosError.INVAL, "largestIntegerKey of object " + Long.toUnsignedString(oid)
                + " in container " + uuid + ": the object is lexical; use lastKey");
    }

    // ---------------------------------------------------------------------------------------
    // Maintenance

    @Override
    public final void discard(long fromEpoch) {
        enter();
        try {
            discardNative(fromEpoch);
        } finally {
            leave();
        }
    }

    /** The context of a failed vos_discard. */
    protected final String describeDiscard(long fromEpoch) {
        return "discarding epochs from " + Long.toUnsignedString(fromEpoch) + " in container " + uuid;
    }

    @Override
    public final Aggregation startAggregation(long upToEpoch) {
        if (!isOpen()) {
            throw closedException();
        }
        return newAggregation(upToEpoch);
    }

    // ---------------------------------------------------------------------------------------
    // Lifecycle

    @Override
    public final void close() {
        synchronized (closeLock) {
            if (!gate.close()) {
                return;
            }
            pool.closeContainer(this);
        }
    }

    /** The pool is closing: stop and drain calls; the pool's native close releases the handle. */
    final void closeWithPool() {
        synchronized (closeLock) {
            if (gate.isOpen()) {
                closedWithPool = true;
                gate.close();
            }
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + uuid + " in " + pool.path() + (isOpen() ? "" : ", closed") + "]";
    }
}
