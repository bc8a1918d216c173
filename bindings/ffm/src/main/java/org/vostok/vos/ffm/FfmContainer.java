package org.vostok.vos.ffm;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import org.vostok.vos.Aggregation;
import org.vostok.vos.Direction;
import org.vostok.vos.FetchRequest;
import org.vostok.vos.FetchResult;
import org.vostok.vos.Iteration;
import org.vostok.vos.IterationResult;
import org.vostok.vos.Key;
import org.vostok.vos.RecordVisitor;
import org.vostok.vos.VosLimits;
import org.vostok.vos.spi.AbstractContainer;
import org.vostok.vos.spi.FetchInto;

/**
 * An open container handle: the native calls of {@link AbstractContainer} through FFM. Fetches,
 * iterations and probes use the calling thread's {@link Scratch} buffers, so their steady state
 * allocates only the values they return.
 *
 * <p>Thread-safety: safe for concurrent use; every native call passes through this container's
 * gate (see {@link AbstractContainer}), which {@link #close()} closes and drains before the handle
 * is released.
 */
final class FfmContainer extends AbstractContainer {
    private final FfmPool pool;
    /** The native vos_cont_h; used only while the gate is entered. */
    final long handle;

    FfmContainer(FfmPool pool, UUID uuid, long handle) {
        super(pool, uuid);
        this.pool = pool;
        this.handle = handle;
    }

    FfmPool ffmPool() {
        return pool;
    }

    // ---------------------------------------------------------------------------------------
    // Fetch

    @Override
    protected OptionalInt valueLengthNative(long oid, long keyInt, Key.LexicalKey lexical, long epoch) {
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
        }
    }

    @Override
    protected Optional<byte[]> fetchNative(long oid, long keyInt, Key.LexicalKey lexical, long epoch) {
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
        }
    }

    @Override
    protected OptionalInt fetchIntoNative(long oid, long keyInt, Key.LexicalKey lexical, long epoch, ByteBuffer into) {
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
    protected List<FetchResult> fetchBatchNative(List<FetchRequest> requests, long keysBytes) {
        int n = requests.size();
        try (Scratch scratch = Scratch.acquire()) {
            MemorySegment reqs = scratch.requests(n * VosNative.FETCH_BYTES);
            MemorySegment keys = scratch.keys(Math.max(keysBytes, 8));
            long keyOffset = 0;
            for (int i = 0; i < n; i++) {
                FetchRequest request = requests.get(i);
                keyOffset = writeFetchRequest(reqs, i, request.oid(), integerHalf(request.key()),
                        lexicalHalf(request.key()), request.epoch(), keys, keyOffset);
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
                    throw VosNative.failure(rc, "fetching a batch of " + n + " keys in container " + uuid());
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
                // The library keeps the message of the batch's last failed request only.
                boolean last = true;
                for (int j = i + 1; j < n && last; j++) {
                    int later = pending.get(JAVA_INT, (j - start) * VosNative.FETCH_BYTES + VosNative.FETCH_STATUS);
                    last = later == VosNative.OK || later == VosNative.ABSENT;
                }
                results.add(new FetchResult.Failed(requestFailure(status, requests.get(i), last ? lastMessage : "")));
            }
        }
        return -1;
    }

    // ---------------------------------------------------------------------------------------
    // Iteration and probes

    @Override
    protected IterationResult iterateNative(Iteration iteration, RecordVisitor visitor) {
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
                throw VosNative.failure(rc, describeIteration(iteration));
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

    /** One keys-only record from the start (or just past {@code anchor}) in one direction. */
    @Override
    protected Optional<Key> probeNative(long oid, long epoch, boolean backward, Key anchorKey) {
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
    protected void discardNative(long fromEpoch) {
        try {
            int rc = (int) VosNative.DISCARD.invokeExact(pool.handle, handle, fromEpoch);
            if (rc != VosNative.OK) {
                throw VosNative.failure(rc, describeDiscard(fromEpoch));
            }
        } catch (Throwable t) {
            throw VosNative.rethrow(t);
        }
    }

    @Override
    protected Aggregation newAggregation(long upToEpoch) {
        return new FfmAggregation(this, upToEpoch);
    }
}
