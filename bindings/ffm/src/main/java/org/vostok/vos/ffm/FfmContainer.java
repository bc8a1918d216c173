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
import org.vostok.vos.FetchRequest;
import org.vostok.vos.FetchResult;
import org.vostok.vos.Iteration;
import org.vostok.vos.IterationResult;
import org.vostok.vos.Key;
import org.vostok.vos.RecordVisitor;
import org.vostok.vos.VosLimits;
import org.vostok.vos.spi.AbstractContainer;

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
    protected byte[] fetchNative(long oid, long keyInt, Key.LexicalKey lexical, long epoch) {
        try (Scratch scratch = Scratch.acquire()) {
            MemorySegment req = scratch.requests(VosNative.FETCH_BYTES);
            MemorySegment out = fetchToScratch(scratch, req, oid, keyInt, lexical, epoch);
            if (out == null) {
                return NO_BYTES;
            }
            int length = req.get(JAVA_INT, VosNative.FETCH_VALUE_LEN);
            byte[] value = new byte[length];
            MemorySegment.copy(out, JAVA_BYTE, req.get(JAVA_LONG, VosNative.FETCH_VALUE_OFF), value, 0, length);
            return value;
        }
    }

    @Override
    protected int fetchIntoNative(long oid, long keyInt, Key.LexicalKey lexical, long epoch, ByteBuffer into) {
        try (Scratch scratch = Scratch.acquire()) {
            MemorySegment req = scratch.requests(VosNative.FETCH_BYTES);
            if (into.isDirect()) {
                return fetchStraightInto(scratch, req, oid, keyInt, lexical, epoch, into);
            }
            MemorySegment out = fetchToScratch(scratch, req, oid, keyInt, lexical, epoch);
            if (out == null) {
                return NO_VALUE;
            }
            int length = req.get(JAVA_INT, VosNative.FETCH_VALUE_LEN);
            int at = placeValue(into, length, oid, keyInt, lexical, epoch);
            long from = req.get(JAVA_LONG, VosNative.FETCH_VALUE_OFF);
            // A heap buffer (a direct one took the value above): writable, so it has its array.
            MemorySegment.copy(out, JAVA_BYTE, from, into.array(), into.arrayOffset() + at, length);
            into.position(at + length);
            return length;
        }
    }

    /**
     * One fetch straight into a direct buffer's bytes from its position on, with no copy: the
     * library writes nothing there unless the whole value fits (vos.h), so a value that does not
     * fit leaves the buffer unchanged, as the copying path does.
     */
    private int fetchStraightInto(Scratch scratch, MemorySegment req, long oid, long keyInt,
                                  Key.LexicalKey lexical, long epoch, ByteBuffer into) {
        MemorySegment keys = scratch.keys(VosLimits.KEY_BYTES_MAX);
        long keysLength = writeFetchRequest(req, 0, oid, keyInt, lexical, epoch, keys, 0);
        MemorySegment target = MemorySegment.ofBuffer(into); // from the position to the limit
        int rc;
        try {
            // target as an ADDRESS: the linker holds the buffer's memory for the call.
            rc = (int) VosNative.FETCH_INTO.invokeExact(pool.handle, req.address(), 1, keys.address(), keysLength,
                    target, target.byteSize());
        } catch (Throwable t) {
            throw VosNative.rethrow(t);
        }
        if (rc != VosNative.OK) {
            throw VosNative.failure(rc, "fetching " + describe(oid, keyInt, lexical, epoch));
        }
        int status = req.get(JAVA_INT, VosNative.FETCH_STATUS);
        if (status == VosNative.ABSENT) {
            return NO_VALUE;
        }
        if (status != VosNative.OK && status != VosNative.ERR_TRUNC) {
            throw statusFailure(status, oid, keyInt, lexical, epoch, VosNative.lastMessage());
        }
        int length = req.get(JAVA_INT, VosNative.FETCH_VALUE_LEN);
        int at = placeValue(into, length, oid, keyInt, lexical, epoch); // TRUNC: does not fit, refused here
        if (status != VosNative.OK || req.get(JAVA_LONG, VosNative.FETCH_VALUE_OFF) != 0) {
            throw new IllegalStateException("vos_fetch answered status " + status + " and a value of " + length
                    + " bytes at offset " + req.get(JAVA_LONG, VosNative.FETCH_VALUE_OFF) + " for an out buffer of "
                    + target.byteSize() + " bytes: not the value placed at its start");
        }
        into.position(at + length);
        return length;
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
            return new FfmCursor(this, scratch).iterate(iteration, visitor);
        }
    }

    @Override
    protected Optional<Key> probeNative(long oid, long epoch, boolean backward, Key anchor) {
        try (Scratch scratch = Scratch.acquire()) {
            return new FfmCursor(this, scratch).probe(oid, epoch, backward, anchor);
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
