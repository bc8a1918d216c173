package org.vostok.rdb;

import java.util.ArrayDeque;
import java.util.function.LongSupplier;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.store.EntryPayload;
import org.vostok.rdb.store.Op;
import org.vostok.vos.Key;

/**
 * The leader's account of its pool's space: every entry it proposes reserves its estimated
 * bytes against the pool's free bytes less {@code poolFreeBytesMin}, until the entry is written
 * (then the pool's own count has it). A transaction that is not critical is refused with NOSPACE
 * when its estimate does not fit what is left, so a burst of writers near a full pool meets a
 * clean refusal before anything is proposed, never a full pool when the batch is written (which
 * would restart the core and cost the leadership).
 *
 * <p>The estimate is an upper bound of what writing the entry allocates in the pool: its record
 * in the log, each value again in the tree (each allocation rounded up as the pool's allocator
 * may: a quarter more, or whole 256 KiB chunks for large ones), and per operation a version
 * header, key bytes, and a share of B+-tree node splits. {@code poolFreeBytesMin} covers what
 * no estimate can: PMDK hands space out in chunks per allocation size, so its free bytes
 * overstate what a write can get.
 *
 * <p>Owned by the replica's thread.
 */
final class SpaceGuard {

    /** Bytes of an entry record's header, at most (its format, term, type and outcome). */
    static final int ENTRY_HEADER_BYTES_MAX = 32;
    /**
     * Pool bytes one VOS operation may take besides its value: a version header (32), an
     * allocation's header and rounding (64), and a share of the B+-tree node splits (a node of
     * 1,296 bytes holds 32 entries, split in halves).
     */
    static final long OPERATION_OVERHEAD_BYTES = 384;
    /** Operations every entry may write besides its updates: its record, a term run, its request record, META. */
    static final int ENTRY_OPERATIONS = 5;
    /** Allocations this large and larger are rounded up to whole chunks of this size (PMDK's). */
    static final long CHUNK_BYTES = 256L << 10;

    private final long poolFreeBytesMin;
    private final LongSupplier poolFreeBytes;
    /** Reservations of entries proposed and not yet written, oldest first: index, bytes. */
    private final ArrayDeque<long[]> reservations = new ArrayDeque<>();
    /** Invariant: the sum of {@link #reservations}' bytes. */
    private long reservedBytes;
    /** The pool's free bytes as read since the last write, or -1 when not read yet. */
    private long freeBytes = -1;

    SpaceGuard(long poolFreeBytesMin, LongSupplier poolFreeBytes) {
        this.poolFreeBytesMin = poolFreeBytesMin;
        this.poolFreeBytes = poolFreeBytes;
    }

    /** An upper bound of the pool bytes that writing an entry of {@code payload}, {@code dataBytes} encoded, takes. */
    static long estimateBytes(EntryPayload payload, int dataBytes) {
        long bytes = allocationBytes(ENTRY_HEADER_BYTES_MAX + (long) dataBytes)
                + ENTRY_OPERATIONS * OPERATION_OVERHEAD_BYTES;
        for (Op op : payload.ops()) {
            bytes += OPERATION_OVERHEAD_BYTES;
            if (op instanceof Op.Update u) {
                bytes += allocationBytes(1L + u.value().length) + keyBytes(u.key());
            } else if (op instanceof Op.CreateKvs c) {
                bytes += OPERATION_OVERHEAD_BYTES + keyBytes(c.key()); // the KVS's object too
            }
        }
        return bytes;
    }

    /** What an allocation of {@code bytes} may take, rounded up as the pool's allocator may. */
    static long allocationBytes(long bytes) {
        if (bytes < CHUNK_BYTES) {
            return bytes + bytes / 4 + 64;
        }
        return (bytes + 64 + CHUNK_BYTES - 1) / CHUNK_BYTES * CHUNK_BYTES;
    }

    private static long keyBytes(Key key) {
        return key instanceof Key.LexicalKey l ? allocationBytes(l.length()) : 0;
    }

    /** The pool's free bytes, read at most once between writes. */
    long freeBytes() {
        if (freeBytes < 0) {
            freeBytes = poolFreeBytes.getAsLong();
        }
        return freeBytes;
    }

    /** Reads the free bytes again when next asked (a compaction or an aggregation may have freed space). */
    void forgetFreeBytes() {
        freeBytes = -1;
    }

    /** Whether the pool's free bytes are below poolFreeBytesMin (the log is compacted at once then). */
    boolean isShort() {
        return freeBytes() < poolFreeBytesMin;
    }

    /** Whether an entry of {@code bytes} fits in the free bytes less poolFreeBytesMin and what is reserved. */
    boolean fits(long bytes) {
        return freeBytes() - reservedBytes - bytes >= poolFreeBytesMin;
    }

    /** The entry at {@code index} was proposed: its bytes are reserved until it is written. */
    void reserve(long index, long bytes) {
        if (!reservations.isEmpty() && reservations.peekLast()[0] >= index) {
            throw new IllegalStateException("a reservation for entry " + index + " after one for entry "
                    + reservations.peekLast()[0]);
        }
        reservations.addLast(new long[] {index, bytes});
        reservedBytes += bytes;
    }

    /** The entries up to {@code index} are written: the pool counts them now. */
    void written(long index) {
        while (!reservations.isEmpty() && reservations.peekFirst()[0] <= index) {
            reservedBytes -= reservations.pollFirst()[1];
        }
        freeBytes = -1;
    }

    /** Drops every reservation: the entries proposed and not written will be written by a follower, if at all. */
    void clear() {
        reservations.clear();
        reservedBytes = 0;
        freeBytes = -1;
    }

    long reservedBytes() {
        return reservedBytes;
    }

    /** The NOSPACE refusal of an entry of {@code bytes} that does not fit. */
    RdbException refusal(long replicaId, long bytes) {
        long free = freeBytes();
        return new RdbException(RdbError.NOSPACE, "replica " + replicaId + "'s pool has " + free + " free bytes, "
                + reservedBytes + " of them reserved for entries being written, and the transaction needs up to "
                + bytes + " more, which would leave fewer than poolFreeBytesMin (" + poolFreeBytesMin + "); only"
                + " deletes and destroys are taken until space is freed: delete data (compaction and aggregation then"
                + " return the space), retry later, or give the replicas larger pools");
    }
}
