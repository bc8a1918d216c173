package org.vostok.vos.jni;

import java.lang.ref.Reference;
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
 * An open container handle: the native calls of {@link AbstractContainer} through JNI. Fetches,
 * iterations and probes use the calling thread's {@link Scratch} buffers, so their steady state
 * allocates only the values they return.
 *
 * <p>Thread-safety: safe for concurrent use; every native call passes through this container's
 * gate (see {@link AbstractContainer}), which {@link #close()} closes and drains before the handle
 * is released.
 */
final class JniContainer extends AbstractContainer {
    private final JniPool pool;
    /** The native vos_cont_h; used only while the gate is entered. */
    final long handle;

    JniContainer(JniPool pool, UUID uuid, long handle) {
        super(pool, uuid);
        this.pool = pool;
        this.handle = handle;
    }

    JniPool jniPool() {
        return pool;
    }

    // ---------------------------------------------------------------------------------------
    // Fetch

    @Override
    protected OptionalInt valueLengthNative(long oid, long keyInt, Key.LexicalKey lexical, long epoch) {
        try (Scratch scratch = Scratch.acquire()) {
            NativeBuffer req = scratch.requests(VosNative.FETCH_BYTES);
            NativeBuffer keys = scratch.keys(VosLimits.KEY_BYTES_MAX);
            NativeBuffer out = scratch.out(8);
            long keysLength = writeFetchRequest(req.bytes, 0, oid, keyInt, lexical, epoch, keys.bytes, 0);
            // No room for the value: any value but an empty one comes back TRUNC, with its length.
            int rc = Vos.vos_fetch(pool.handle, req.address, 1, keys.address, keysLength, out.address, 0L);
            if (rc != VosNative.OK) {
                throw VosNative.failure(rc, "fetching the length of " + describe(oid, keyInt, lexical, epoch));
            }
            int status = req.bytes.getInt(VosNative.FETCH_STATUS);
            if (status == VosNative.OK || status == VosNative.ERR_TRUNC) {
                return OptionalInt.of(req.bytes.getInt(VosNative.FETCH_VALUE_LEN));
            }
            if (status == VosNative.ABSENT) {
                return OptionalInt.empty();
            }
            throw statusFailure(status, oid, keyInt, lexical, epoch, VosNative.lastMessage());
        }
    }

    @Override
    protected byte[] fetchNative(long oid, long keyInt, Key.LexicalKey lexical, long epoch) {
        try (Scratch scratch = Scratch.acquire()) {
            NativeBuffer req = scratch.requests(VosNative.FETCH_BYTES);
            NativeBuffer out = fetchToScratch(scratch, req, oid, keyInt, lexical, epoch);
            if (out == null) {
                return NO_BYTES;
            }
            byte[] value = new byte[req.bytes.getInt(VosNative.FETCH_VALUE_LEN)];
            out.bytes.get(valueOffset(req.bytes, 0, out), value);
            return value;
        }
    }

    @Override
    protected int fetchIntoNative(long oid, long keyInt, Key.LexicalKey lexical, long epoch, ByteBuffer into) {
        try (Scratch scratch = Scratch.acquire()) {
            NativeBuffer req = scratch.requests(VosNative.FETCH_BYTES);
            if (into.isDirect() && into.hasRemaining()) {
                return fetchStraightInto(scratch, req, oid, keyInt, lexical, epoch, into);
            }
            NativeBuffer out = fetchToScratch(scratch, req, oid, keyInt, lexical, epoch);
            if (out == null) {
                return NO_VALUE;
            }
            int length = req.bytes.getInt(VosNative.FETCH_VALUE_LEN);
            int at = placeValue(into, length, oid, keyInt, lexical, epoch);
            into.put(at, out.bytes, valueOffset(req.bytes, 0, out), length);
            into.position(at + length);
            return length;
        }
    }

    /**
     * One fetch straight into a direct buffer's bytes from its position on, with no copy: the
     * library writes nothing there unless the whole value fits (vos.h), so a value that does not
     * fit leaves the buffer unchanged, as the copying path does. {@code into} has bytes left.
     */
    private int fetchStraightInto(Scratch scratch, NativeBuffer req, long oid, long keyInt,
                                  Key.LexicalKey lexical, long epoch, ByteBuffer into) {
        // A buffer over memory already freed (an Arena's, closed: Java 22 and later) throws
        // here, as any read of it does, before the library gets its address. Like every JNI
        // call given a direct buffer, the glue cannot hold that memory against another thread
        // closing its Arena during the call; Java 22 and later pick the FFM binding, which can.
        into.get(into.position());
        long target = scratch.directAddress(into) + into.position();
        NativeBuffer keys = scratch.keys(VosLimits.KEY_BYTES_MAX);
        long keysLength = writeFetchRequest(req.bytes, 0, oid, keyInt, lexical, epoch, keys.bytes, 0);
        int left = into.remaining();
        int rc;
        try {
            rc = Vos.vos_fetch(pool.handle, req.address, 1, keys.address, keysLength, target, left);
        } finally {
            Reference.reachabilityFence(into); // its memory is the library's out buffer until here
        }
        if (rc != VosNative.OK) {
            throw VosNative.failure(rc, "fetching " + describe(oid, keyInt, lexical, epoch));
        }
        ByteBuffer r = req.bytes;
        int status = r.getInt(VosNative.FETCH_STATUS);
        if (status == VosNative.ABSENT) {
            return NO_VALUE;
        }
        if (status != VosNative.OK && status != VosNative.ERR_TRUNC) {
            throw statusFailure(status, oid, keyInt, lexical, epoch, VosNative.lastMessage());
        }
        int length = r.getInt(VosNative.FETCH_VALUE_LEN);
        int at = placeValue(into, length, oid, keyInt, lexical, epoch); // TRUNC: does not fit, refused here
        if (status != VosNative.OK || r.getLong(VosNative.FETCH_VALUE_OFF) != 0) {
            throw new IllegalStateException("vos_fetch answered status " + status + " and a value of " + length
                    + " bytes at offset " + r.getLong(VosNative.FETCH_VALUE_OFF) + " for an out buffer of "
                    + left + " bytes: not the value placed at its start");
        }
        into.position(at + length);
        return length;
    }

    /**
     * One fetch into the scratch's out buffer, grown until the value fits: returns the buffer
     * holding the value (where and how long in {@code req}), or null when the key has no value.
     */
    private NativeBuffer fetchToScratch(Scratch scratch, NativeBuffer req, long oid, long keyInt,
                                        Key.LexicalKey lexical, long epoch) {
        NativeBuffer keys = scratch.keys(VosLimits.KEY_BYTES_MAX);
        long keysLength = writeFetchRequest(req.bytes, 0, oid, keyInt, lexical, epoch, keys.bytes, 0);
        NativeBuffer out = scratch.out(0);
        while (true) {
            int rc = Vos.vos_fetch(pool.handle, req.address, 1, keys.address, keysLength, out.address, out.size);
            if (rc != VosNative.OK) {
                throw VosNative.failure(rc, "fetching " + describe(oid, keyInt, lexical, epoch));
            }
            ByteBuffer r = req.bytes;
            int status = r.getInt(VosNative.FETCH_STATUS);
            if (status == VosNative.OK) {
                return out;
            }
            if (status == VosNative.ABSENT) {
                return null;
            }
            if (status == VosNative.ERR_TRUNC) {
                out = scratch.out(VosNative.align8(Integer.toUnsignedLong(r.getInt(VosNative.FETCH_VALUE_LEN))));
                continue;
            }
            throw statusFailure(status, oid, keyInt, lexical, epoch, VosNative.lastMessage());
        }
    }

    /** Where request {@code base}'s value was written in {@code out}, checked to lie inside it. */
    private static int valueOffset(ByteBuffer reqs, int base, NativeBuffer out) {
        long offset = reqs.getLong(base + VosNative.FETCH_VALUE_OFF);
        long length = Integer.toUnsignedLong(reqs.getInt(base + VosNative.FETCH_VALUE_LEN));
        if (offset < 0 || offset + length > out.size) {
            throw new IllegalStateException("vos_fetch reported a value of " + length + " bytes at " + offset
                    + ", outside its buffer of " + out.size + " bytes");
        }
        return (int) offset;
    }

    /** Fills request {@code index}; a lexical key goes to {@code keys} at {@code keyOffset}. Returns the keys' end. */
    private long writeFetchRequest(ByteBuffer reqs, int index, long oid, long keyInt, Key.LexicalKey lexical,
                                   long epoch, ByteBuffer keys, long keyOffset) {
        int base = index * VosNative.FETCH_BYTES;
        int keyLength = 0;
        if (lexical != null) {
            keyLength = lexical.length();
            keys.put((int) keyOffset, lexical.asReadOnlyBuffer(), 0, keyLength);
        }
        reqs.putLong(base + VosNative.FETCH_CONT, handle);
        reqs.putLong(base + VosNative.FETCH_OID, oid);
        reqs.putLong(base + VosNative.FETCH_EPOCH, epoch);
        reqs.putLong(base + VosNative.FETCH_KEY_INT, keyInt);
        reqs.putLong(base + VosNative.FETCH_KEY_OFF, keyOffset);
        reqs.putInt(base + VosNative.FETCH_KEY_LEN, keyLength);
        reqs.putInt(base + VosNative.FETCH_STATUS, 0);
        reqs.putLong(base + VosNative.FETCH_VALUE_OFF, 0);
        reqs.putInt(base + VosNative.FETCH_VALUE_LEN, 0);
        reqs.putInt(base + VosNative.FETCH_RESERVED, 0);
        return keyOffset + keyLength;
    }

    @Override
    protected List<FetchResult> fetchBatchNative(List<FetchRequest> requests, long keysBytes) {
        int n = requests.size();
        try (Scratch scratch = Scratch.acquire()) {
            NativeBuffer reqs = scratch.requests((long) n * VosNative.FETCH_BYTES);
            NativeBuffer keys = scratch.keys(Math.max(keysBytes, 8));
            long keyOffset = 0;
            for (int i = 0; i < n; i++) {
                FetchRequest request = requests.get(i);
                keyOffset = writeFetchRequest(reqs.bytes, i, request.oid(), integerHalf(request.key()),
                        lexicalHalf(request.key()), request.epoch(), keys.bytes, keyOffset);
            }
            List<FetchResult> results = new ArrayList<>(n);
            NativeBuffer out = scratch.out(0);
            int start = 0;
            while (start < n) {
                // vos.h: once one value does not fit, every later value found gets TRUNC too, so
                // the values returned are those of a prefix; go on from the first TRUNC with a
                // buffer sized by the lengths the library reported for the rest.
                long pending = reqs.address + (long) start * VosNative.FETCH_BYTES;
                int count = n - start;
                int rc = Vos.vos_fetch(pool.handle, pending, count, keys.address, keyOffset, out.address, out.size);
                if (rc != VosNative.OK) {
                    throw VosNative.failure(rc, "fetching a batch of " + n + " keys in container " + uuid());
                }
                String lastMessage = VosNative.lastMessage();
                int truncatedAt = collectResults(requests, start, reqs.bytes, out, results, lastMessage);
                if (truncatedAt < 0) {
                    break;
                }
                long needed = 0;
                for (int i = truncatedAt; i < n; i++) {
                    int base = i * VosNative.FETCH_BYTES;
                    int status = reqs.bytes.getInt(base + VosNative.FETCH_STATUS);
                    if (status == VosNative.OK || status == VosNative.ERR_TRUNC) {
                        needed += VosNative.align8(Integer.toUnsignedLong(reqs.bytes.getInt(base + VosNative.FETCH_VALUE_LEN)));
                    }
                }
                out = scratch.out(needed);
                start = truncatedAt;
            }
            return results;
        }
    }

    /**
     * Adds the results of requests {@code start ..} (their structs in {@code reqs}) up to the
     * first TRUNC; returns that request's index, or -1 when none was truncated.
     */
    private int collectResults(List<FetchRequest> requests, int start, ByteBuffer reqs, NativeBuffer out,
                               List<FetchResult> results, String lastMessage) {
        int n = requests.size();
        for (int i = start; i < n; i++) {
            int base = i * VosNative.FETCH_BYTES;
            int status = reqs.getInt(base + VosNative.FETCH_STATUS);
            if (status == VosNative.OK) {
                int length = reqs.getInt(base + VosNative.FETCH_VALUE_LEN);
                byte[] value = new byte[length];
                out.bytes.get(valueOffset(reqs, base, out), value);
                results.add(new FetchResult.Found(value));
            } else if (status == VosNative.ABSENT) {
                results.add(FetchResult.Absent.INSTANCE);
            } else if (status == VosNative.ERR_TRUNC) {
                return i;
            } else {
                // The library keeps the message of the batch's last failed request only.
                boolean last = true;
                for (int j = i + 1; j < n && last; j++) {
                    int later = reqs.getInt(j * VosNative.FETCH_BYTES + VosNative.FETCH_STATUS);
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
            return new JniCursor(this, scratch).iterate(iteration, visitor);
        }
    }

    @Override
    protected Optional<Key> probeNative(long oid, long epoch, boolean backward, Key anchor) {
        try (Scratch scratch = Scratch.acquire()) {
            return new JniCursor(this, scratch).probe(oid, epoch, backward, anchor);
        }
    }

    // ---------------------------------------------------------------------------------------
    // Maintenance

    @Override
    protected void discardNative(long fromEpoch) {
        int rc = Vos.vos_discard(pool.handle, handle, fromEpoch);
        if (rc != VosNative.OK) {
            throw VosNative.failure(rc, describeDiscard(fromEpoch));
        }
    }

    @Override
    protected Aggregation newAggregation(long upToEpoch) {
        return new JniAggregation(this, upToEpoch);
    }
}
