package org.vostok.vos.ffm;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.UUID;
import org.vostok.vos.Aggregation;
import org.vostok.vos.Container;
import org.vostok.vos.Direction;
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
import org.vostok.vos.spi.CallGate;
import org.vostok.vos.spi.FetchInto;

/**
 * An open container handle. Fetches, iterations and probes use the calling thread's
 * {@link Scratch} buffers, so their steady state allocates only the values they return.
 *
 * <p>Thread-safety: safe for concurrent use; every native call passes through this container's
 * {@link CallGate}, which {@link #close()} closes and drains before the handle is released.
 */
final class FfmContainer implements Container {
    private final FfmPool pool;
    private final UUID uuid;
    /** The native vos_cont_h; used only while {@link #gate} is entered. */
    final long handle;
    private final CallGate gate = new CallGate();
    private final Object closeLock = new Object();
    private volatile boolean closedWithPool;

    FfmContainer(FfmPool pool, UUID uuid, long handle) {
        this.pool = pool;
        this.uuid = uuid;
        this.handle = handle;
    }

    FfmPool ffmPool() {
        return pool;
    }

    @Override
    public UUID uuid() {
        return uuid;
    }

    @Override
    public Pool pool() {
        return pool;
    }

    /** Enters the gate (throwing if closed); pair with {@link #leave()}. */
    void enter() {
        if (!gate.enter()) {
            throw closedException();
        }
    }

    void leave() {
        gate.leave();
    }

    VosException closedException() {
        if (closedWithPool) {
            return new VosException(VosError.BADHANDLE, "the container " + uuid + " was closed with its pool "
                    + pool.path() + "; open the pool and the container again to go on using it");
        }
        return new VosException(VosError.BADHANDLE, "the container " + uuid + " in " + pool.path()
                + " is closed; open it again with Pool.openContainer to go on using it");
    }

    // ---------------------------------------------------------------------------------------
    // Fetch

    @Override
    public Optional<byte[]> fetch(long oid, long key, long epoch) {
        return fetchOne(oid, key, null, epoch);
    }

    @Override
    public Optional<byte[]> fetch(long oid, Key key, long epoch) {
        Objects.requireNonNull(key, "key");
        return switch (key) {
            case Key.IntegerKey k -> fetchOne(oid, k.value(), null, epoch);
            case Key.LexicalKey k -> fetchOne(oid, 0, k, epoch);
        };
    }

    @Override
    public OptionalInt valueLength(long oid, Key key, long epoch) {
        Objects.requireNonNull(key, "key");
        long keyInt = key instanceof Key.IntegerKey k ? k.value() : 0;
        Key.LexicalKey lexical = key instanceof Key.LexicalKey k ? k : null;
        enter();
        try (Scratch scratch = Scratch.acquire()) {
            MemorySegment req = scratch.requests(VosNative.FETCH_BYTES);
            MemorySegment keys = scratch.keys(VosLimits.KEY_BYTES_MAX);
            long keysLength = writeFetchRequest(req, 0, oid, keyInt, lexical, epoch, keys, 0);
            // No room for the value: any value but an empty one comes back TRUNC, with its length.
            MemorySegment out = scratch.out(0).asSlice(0, 0);
            int rc = (int) VosNative.FETCH.invokeExact(pool.handle, req.address(), 1, keys.address(), keysLength, out.address(), 0L);
            if (rc != VosNative.OK) {
                throw VosNative.failure(rc, "fetching the length of " + describe(oid, keyInt, lexical, epoch));
            }
            int status = req.get(JAVA_INT, VosNative.FETCH_STATUS);
            if (status == VosNative.OK || status == VosNative.ERR_TRUNC) {
                return OptionalInt.of(req.get(JAVA_INT, VosNative.FETCH_VALUE_LEN));
            }
            if (status == VosNative.ABSENT) {
                return OptionalInt.empty();
            }
            throw statusFailure(status, oid, keyInt, lexical, epoch, VosNative.lastMessage());
        } catch (Throwable t) {
            throw VosNative.rethrow(t);
        } finally {
            leave();
        }
    }

    private Optional<byte[]> fetchOne(long oid, long keyInt, Key.LexicalKey lexical, long epoch) {
        enter();
        try (Scratch scratch = Scratch.acquire()) {
            MemorySegment req = scratch.requests(VosNative.FETCH_BYTES);
            MemorySegment out = fetchToScratch(scratch, req, oid, keyInt, lexical, epoch);
            if (out == null) {
                return Optional.empty();
            }
            int length = req.get(JAVA_INT, VosNative.FETCH_VALUE_LEN);
            byte[] value = new byte[length];
            MemorySegment.copy(out, JAVA_BYTE, req.get(JAVA_LONG, VosNative.FETCH_VALUE_OFF), value, 0, length);
            return Optional.of(value);
        } finally {
            leave();
        }
    }

    @Override
    public OptionalInt fetch(long oid, long key, long epoch, ByteBuffer into) {
        return fetchInto(oid, key, null, epoch, into);
    }

    @Override
    public OptionalInt fetch(long oid, Key key, long epoch, ByteBuffer into) {
        Objects.requireNonNull(key, "key");
        return switch (key) {
            case Key.IntegerKey k -> fetchInto(oid, k.value(), null, epoch, into);
            case Key.LexicalKey k -> fetchInto(oid, 0, k, epoch, into);
        };
    }

    private OptionalInt fetchInto(long oid, long keyInt, Key.LexicalKey lexical, long epoch, ByteBuffer into) {
        FetchInto.checkWritable(into);
        enter();
        try (Scratch scratch = Scratch.acquire()) {
            MemorySegment req = scratch.requests(VosNative.FETCH_BYTES);
            MemorySegment out = fetchToScratch(scratch, req, oid, keyInt, lexical, epoch);
            if (out == null) {
                return OptionalInt.empty();
            }
            int length = req.get(JAVA_INT, VosNative.FETCH_VALUE_LEN);
            int at = FetchInto.place(into, length, describe(oid, keyInt, lexical, epoch));
            long from = req.get(JAVA_LONG, VosNative.FETCH_VALUE_OFF);
            if (into.hasArray()) {
                MemorySegment.copy(out, JAVA_BYTE, from, into.array(), into.arrayOffset() + at, length);
            } else {
                // The buffer's segment starts at its position.
                MemorySegment.copy(out, from, MemorySegment.ofBuffer(into), 0, length);
            }
            into.position(at + length);
            return OptionalInt.of(length);
        } finally {
            leave();
        }
    }

    /**
     * One fetch into the scratch's out buffer, grown until the value fits: returns the buffer
     * holding the value (where and how long in {@code req}), or null when the key has no value.
     */
    private MemorySegment fetchToScratch(Scratch scratch, MemorySegment req, long oid, long keyInt,
                                         Key.LexicalKey lexical, long epoch) {
        MemorySegment keys = scratch.keys(VosLimits.KEY_BYTES_MAX);
        long keysLength = writeFetchRequest(req, 0, oid, keyInt, lexical, epoch, keys, 0);
        MemorySegment out = scratch.out(0);
        while (true) {
            int rc;
            try {
                rc = (int) VosNative.FETCH.invokeExact(pool.handle, req.address(), 1, keys.address(), keysLength,
                        out.address(), out.byteSize());
            } catch (Throwable t) {
                throw VosNative.rethrow(t);
            }
            if (rc != VosNative.OK) {
                throw VosNative.failure(rc, "fetching " + describe(oid, keyInt, lexical, epoch));
            }
            int status = req.get(JAVA_INT, VosNative.FETCH_STATUS);
            if (status == VosNative.OK) {
                return out;
            }
            if (status == VosNative.ABSENT) {
                return null;
            }
            if (status == VosNative.ERR_TRUNC) {
                out = scratch.out(VosNative.align8(Integer.toUnsignedLong(req.get(JAVA_INT, VosNative.FETCH_VALUE_LEN))));
                continue;
            }
            throw statusFailure(status, oid, keyInt, lexical, epoch, VosNative.lastMessage());
        }
    }

    /** Fills request {@code index}; a lexical key goes to {@code keys} at {@code keyOffset}. Returns the keys' end. */
    private long writeFetchRequest(MemorySegment reqs, int index, long oid, long keyInt, Key.LexicalKey lexical,
                                   long epoch, MemorySegment keys, long keyOffset) {
        long base = index * VosNative.FETCH_BYTES;
        int keyLength = 0;
        if (lexical != null) {
            keyLength = lexical.length();
            MemorySegment.copy(MemorySegment.ofBuffer(lexical.asReadOnlyBuffer()), 0, keys, keyOffset, keyLength);
        }
        reqs.set(JAVA_LONG, base + VosNative.FETCH_CONT, handle);
        reqs.set(JAVA_LONG, base + VosNative.FETCH_OID, oid);
        reqs.set(JAVA_LONG, base + VosNative.FETCH_EPOCH, epoch);
        reqs.set(JAVA_LONG, base + VosNative.FETCH_KEY_INT, keyInt);
        reqs.set(JAVA_LONG, base + VosNative.FETCH_KEY_OFF, keyOffset);
        reqs.set(JAVA_INT, base + VosNative.FETCH_KEY_LEN, keyLength);
        reqs.set(JAVA_INT, base + VosNative.FETCH_STATUS, 0);
        reqs.set(JAVA_LONG, base + VosNative.FETCH_VALUE_OFF, 0);
        reqs.set(JAVA_INT, base + VosNative.FETCH_VALUE_LEN, 0);
        return keyOffset + keyLength;
    }

    @Override
    public List<FetchResult> fetch(List<FetchRequest> requests) {
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
        try (Scratch scratch = Scratch.acquire()) {
            MemorySegment reqs = scratch.requests(n * VosNative.FETCH_BYTES);
            MemorySegment keys = scratch.keys(Math.max(keysBytes, 8));
            long keyOffset = 0;
            for (int i = 0; i < n; i++) {
                FetchRequest request = requests.get(i);
                Key.LexicalKey lexical = request.key() instanceof Key.LexicalKey k ? k : null;
                long keyInt = request.key() instanceof Key.IntegerKey k ? k.value() : 0;
                keyOffset = writeFetchRequest(reqs, i, request.oid(), keyInt, lexical, request.epoch(), keys, keyOffset);
            }
            List<FetchResult> results = new ArrayList<>(n);
            MemorySegment out = scratch.out(0);
            int start = 0;
            while (start < n) {
                // vos.h: once one value does not fit, every later value found gets TRUNC too, so
                // the values returned are those of a prefix; go on from the first TRUNC with a
                // buffer sized by the lengths the library reported for the rest.
                MemorySegment pending = reqs.asSlice(start * VosNative.FETCH_BYTES);
                int count = n - start;
                int rc = (int) VosNative.FETCH.invokeExact(pool.handle, pending.address(), count, keys.address(), keyOffset,
                        out.address(), out.byteSize());
                if (rc != VosNative.OK) {
                    throw VosNative.failure(rc, "fetching a batch of " + n + " keys in container " + uuid);
                }
                String lastMessage = VosNative.lastMessage();
                int truncatedAt = collectResults(requests, start, pending, out, results, lastMessage);
                if (truncatedAt < 0) {
                    break;
                }
                long needed = 0;
                for (int i = truncatedAt; i < n; i++) {
                    long base = (i - start) * VosNative.FETCH_BYTES;
                    int status = pending.get(JAVA_INT, base + VosNative.FETCH_STATUS);
                    if (status == VosNative.OK || status == VosNative.ERR_TRUNC) {
                        needed += VosNative.align8(Integer.toUnsignedLong(pending.get(JAVA_INT, base + VosNative.FETCH_VALUE_LEN)));
                    }
                }
                out = scratch.out(needed);
                start = truncatedAt;
            }
            return results;
        } catch (Throwable t) {
            throw VosNative.rethrow(t);
        } finally {
            leave();
        }
    }

    /**
     * Adds the results of requests {@code start ..} (their structs in {@code pending}) up to the
     * first TRUNC; returns that request's index, or -1 when none was truncated.
     */
    private int collectResults(List<FetchRequest> requests, int start, MemorySegment pending, MemorySegment out,
                               List<FetchResult> results, String lastMessage) {
        int n = requests.size();
        for (int i = start; i < n; i++) {
            long base = (i - start) * VosNative.FETCH_BYTES;
            int status = pending.get(JAVA_INT, base + VosNative.FETCH_STATUS);
            if (status == VosNative.OK) {
                int length = pending.get(JAVA_INT, base + VosNative.FETCH_VALUE_LEN);
                byte[] value = new byte[length];
                MemorySegment.copy(out, JAVA_BYTE, pending.get(JAVA_LONG, base + VosNative.FETCH_VALUE_OFF), value, 0, length);
                results.add(new FetchResult.Found(value));
            } else if (status == VosNative.ABSENT) {
                results.add(FetchResult.Absent.INSTANCE);
            } else if (status == VosNative.ERR_TRUNC) {
                return i;
            } else {
                FetchRequest request = requests.get(i);
                Key.LexicalKey lexical = request.key() instanceof Key.LexicalKey k ? k : null;
                long keyInt = request.key() instanceof Key.IntegerKey k ? k.value() : 0;
                // The library keeps the message of the batch's last failed request only.
                boolean last = true;
                for (int j = i + 1; j < n && last; j++) {
                    int later = pending.get(JAVA_INT, (j - start) * VosNative.FETCH_BYTES + VosNative.FETCH_STATUS);
                    last = later == VosNative.OK || later == VosNative.ABSENT;
                }
                results.add(new FetchResult.Failed(statusFailure(status, request.oid(), keyInt, lexical, request.epoch(),
                        last ? lastMessage : "")));
            }
        }
        return -1;
    }

    /** The exception for a request's failed status; {@code nativeMessage} is the library's, or "". */
    private VosException statusFailure(int status, long oid, long keyInt, Key.LexicalKey lexical, long epoch,
                                       String nativeMessage) {
        VosError error = VosError.ofCode(status);
        String what = describe(oid, keyInt, lexical, epoch);
        if (!nativeMessage.isEmpty()) {
            String advice = error == VosError.CORRUPT
                    ? "; no bytes were returned. Restore the data from a replica or a backup" : "";
            return new VosException(error, "fetching " + what + ": " + nativeMessage + advice);
        }
        return switch (error) {
            case NONEXIST -> new VosException(error, "object " + Long.toUnsignedString(oid)
                    + " does not exist at epoch " + Long.toUnsignedString(epoch) + " in container " + uuid
                    + " (fetching " + what + ")");
            case CORRUPT -> new VosException(error, "the stored value of " + what + " fails its checksum: the pool "
                    + pool.path() + " is damaged there; no bytes were returned. Restore the data from a replica "
                    + "or a backup");
            case INVAL -> new VosException(error, "fetching " + what + ": the request is not valid for this object "
                    + "(a key of the other key order?)");
            default -> new VosException(error, "fetching " + what + ": " + error + " (native status " + status + ")");
        };
    }

    private String describe(long oid, long keyInt, Key.LexicalKey lexical, long epoch) {
        return "key " + (lexical != null ? lexical.toString() : Long.toUnsignedString(keyInt)) + " of object "
                + Long.toUnsignedString(oid) + " at epoch " + Long.toUnsignedString(epoch) + " in container " + uuid;
    }

    // ---------------------------------------------------------------------------------------
    // Iteration and probes

    @Override
    public IterationResult iterate(Iteration iteration, RecordVisitor visitor) {
        Objects.requireNonNull(iteration, "iteration");
        Objects.requireNonNull(visitor, "visitor");
        try (Scratch scratch = Scratch.acquire()) {
            MemorySegment req = scratch.requests(VosNative.ITER_BYTES);
            MemorySegment anchor = scratch.keys(VosLimits.KEY_BYTES_MAX);
            MemorySegment small = scratch.small();
            int flags = (iteration.direction() == Direction.BACKWARD ? VosNative.ITER_BACKWARD : 0)
                    | (iteration.keysOnly() ? VosNative.ITER_KEYS_ONLY : 0);
            writeIterRequest(req, iteration.oid(), iteration.epoch(), iteration.batchRecordsMax());
            if (iteration.anchor().isPresent()) {
                flags |= VosNative.ITER_HAS_ANCHOR | (iteration.anchorInclusive() ? VosNative.ITER_ANCHOR_INCLUSIVE : 0);
                writeAnchor(req, anchor, iteration.anchor().get());
            }
            long outLength = iteration.batchBytes();
            MemorySegment out = scratch.out(outLength);
            FfmRecord record = new FfmRecord();
            long delivered = 0;
            boolean any = false;
            while (true) {
                req.set(JAVA_INT, VosNative.ITER_FLAGS, flags);
                int rc = callIterate(req, anchor, out, outLength, small, iteration);
                if (rc == VosNative.ERR_TRUNC) {
                    // Not even one record fits: the library says how much one needs.
                    outLength = Math.max(small.get(JAVA_LONG, 8), outLength * 2);
                    out = scratch.out(outLength);
                    continue;
                }
                int n = small.get(JAVA_INT, 0);
                boolean end = small.get(JAVA_INT, 16) == VosNative.ITER_END;
                long offset = 0;
                for (int i = 0; i < n; i++) {
                    long next = record.moveTo(out, offset);
                    delivered++;
                    any = true;
                    if (!visitor.onRecord(record)) {
                        return new IterationResult(delivered, false, Optional.of(record.key()));
                    }
                    if (i == n - 1) {
                        // Resume after the last key of this batch, exclusively.
                        req.set(JAVA_LONG, VosNative.ITER_ANCHOR_INT, record.isLexical() ? 0 : record.integerKey());
                        req.set(JAVA_INT, VosNative.ITER_ANCHOR_LEN, record.keyLength());
                        if (record.isLexical()) {
                            MemorySegment.copy(out, record.keyOffset(), anchor, 0, record.keyLength());
                        }
                    }
                    offset = next;
                }
                if (end) {
                    return new IterationResult(delivered, true, any ? Optional.of(anchorKey(req, anchor)) : Optional.empty());
                }
                if (n == 0) {
                    throw new IllegalStateException("vos_iterate returned no record and no end for " + iteration);
                }
                flags = (flags | VosNative.ITER_HAS_ANCHOR) & ~VosNative.ITER_ANCHOR_INCLUSIVE;
            }
        }
    }

    /** One vos_iterate call inside the gate; the visitor runs outside it. n, used, state go to small[0, 8, 16]. */
    private int callIterate(MemorySegment req, MemorySegment anchor, MemorySegment out, long outLength,
                            MemorySegment small, Iteration iteration) {
        enter();
        try {
            small.set(JAVA_INT, 0, 0);
            small.set(JAVA_LONG, 8, 0);
            small.set(JAVA_INT, 16, 0);
            if (outLength > out.byteSize()) {
                throw new IllegalStateException("an iteration buffer of " + out.byteSize() + " bytes asked to hold " + outLength);
            }
            long results = small.address();
            int rc = (int) VosNative.ITERATE.invokeExact(pool.handle, req.address(), anchor.address(), out.address(),
                    outLength, results, results + 8, results + 16);
            if (rc != VosNative.OK && rc != VosNative.ERR_TRUNC) {
                throw VosNative.failure(rc, "iterating object " + Long.toUnsignedString(iteration.oid()) + " at epoch "
                        + Long.toUnsignedString(iteration.epoch()) + " in container " + uuid);
            }
            return rc;
        } catch (Throwable t) {
            throw VosNative.rethrow(t);
        } finally {
            leave();
        }
    }

    private void writeIterRequest(MemorySegment req, long oid, long epoch, int recordsMax) {
        req.set(JAVA_LONG, VosNative.ITER_CONT, handle);
        req.set(JAVA_LONG, VosNative.ITER_OID, oid);
        req.set(JAVA_LONG, VosNative.ITER_EPOCH, epoch);
        req.set(JAVA_LONG, VosNative.ITER_ANCHOR_INT, 0);
        req.set(JAVA_INT, VosNative.ITER_ANCHOR_LEN, 0);
        req.set(JAVA_INT, VosNative.ITER_FLAGS, 0);
        req.set(JAVA_INT, VosNative.ITER_RECORDS_MAX, recordsMax);
        req.set(JAVA_INT, VosNative.ITER_RECORDS_MAX + 4, 0);
    }

    private static void writeAnchor(MemorySegment req, MemorySegment anchor, Key key) {
        switch (key) {
            case Key.IntegerKey k -> {
                req.set(JAVA_LONG, VosNative.ITER_ANCHOR_INT, k.value());
                req.set(JAVA_INT, VosNative.ITER_ANCHOR_LEN, 0);
            }
            case Key.LexicalKey k -> {
                MemorySegment.copy(MemorySegment.ofBuffer(k.asReadOnlyBuffer()), 0, anchor, 0, k.length());
                req.set(JAVA_LONG, VosNative.ITER_ANCHOR_INT, 0);
                req.set(JAVA_INT, VosNative.ITER_ANCHOR_LEN, k.length());
            }
        }
    }

    private static Key anchorKey(MemorySegment req, MemorySegment anchor) {
        int length = req.get(JAVA_INT, VosNative.ITER_ANCHOR_LEN);
        if (length == 0) {
            return Key.of(req.get(JAVA_LONG, VosNative.ITER_ANCHOR_INT));
        }
        return Key.of(anchor.asSlice(0, length).toArray(JAVA_BYTE));
    }

    @Override
    public Optional<Key> firstKey(long oid, long epoch) {
        return probe(oid, epoch, false, null);
    }

    @Override
    public Optional<Key> lastKey(long oid, long epoch) {
        return probe(oid, epoch, true, null);
    }

    @Override
    public Optional<Key> nextKey(long oid, Key key, long epoch) {
        return probe(oid, epoch, false, Objects.requireNonNull(key, "key"));
    }

    @Override
    public Optional<Key> previousKey(long oid, Key key, long epoch) {
        return probe(oid, epoch, true, Objects.requireNonNull(key, "key"));
    }

    @Override
    public OptionalLong largestIntegerKey(long oid, long epoch) {
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

    /** One keys-only record from the start (or just past {@code anchor}) in one direction. */
    private Optional<Key> probe(long oid, long epoch, boolean backward, Key anchorKey) {
        try (Scratch scratch = Scratch.acquire()) {
            MemorySegment req = scratch.requests(VosNative.ITER_BYTES);
            MemorySegment anchor = scratch.keys(VosLimits.KEY_BYTES_MAX);
            MemorySegment small = scratch.small();
            long outLength = VosNative.REC_BYTES + VosLimits.KEY_BYTES_MAX + 8;
            MemorySegment out = scratch.out(outLength);
            writeIterRequest(req, oid, epoch, 1);
            int flags = VosNative.ITER_KEYS_ONLY | (backward ? VosNative.ITER_BACKWARD : 0);
            if (anchorKey != null) {
                flags |= VosNative.ITER_HAS_ANCHOR;
                writeAnchor(req, anchor, anchorKey);
            }
            req.set(JAVA_INT, VosNative.ITER_FLAGS, flags);
            Iteration described = backward ? Iteration.backward(oid, epoch) : Iteration.forward(oid, epoch);
            int rc = callIterate(req, anchor, out, outLength, small, described);
            if (rc != VosNative.OK) {
                throw new IllegalStateException("vos_iterate could not fit one key in " + outLength + " bytes");
            }
            if (small.get(JAVA_INT, 0) == 0) {
                return Optional.empty();
            }
            FfmRecord record = new FfmRecord();
            record.moveTo(out, 0);
            return Optional.of(record.key());
        }
    }

    // ---------------------------------------------------------------------------------------
    // Maintenance

    @Override
    public void discard(long fromEpoch) {
        enter();
        try {
            int rc = (int) VosNative.DISCARD.invokeExact(pool.handle, handle, fromEpoch);
            if (rc != VosNative.OK) {
                throw VosNative.failure(rc, "discarding epochs from " + Long.toUnsignedString(fromEpoch)
                        + " in container " + uuid);
            }
        } catch (Throwable t) {
            throw VosNative.rethrow(t);
        } finally {
            leave();
        }
    }

    @Override
    public Aggregation startAggregation(long upToEpoch) {
        if (!isOpen()) {
            throw closedException();
        }
        return new FfmAggregation(this, upToEpoch);
    }

    // ---------------------------------------------------------------------------------------
    // Lifecycle

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
            pool.closeContainer(this);
        }
    }

    /** The pool is closing: stop and drain calls; the pool's native close releases the handle. */
    void closeWithPool() {
        synchronized (closeLock) {
            if (gate.isOpen()) {
                closedWithPool = true;
                gate.close();
            }
        }
    }

    @Override
    public String toString() {
        return "FfmContainer[" + uuid + " in " + pool.path() + (isOpen() ? "" : ", closed") + "]";
    }
}
