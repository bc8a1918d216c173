package org.vostok.rdb.store;

import java.nio.ByteBuffer;
import java.util.Optional;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.model.RequestId;
import org.vostok.rdb.model.RequestOutcome;
import org.vostok.vos.Key;

/**
 * Where rdb keeps what became of each request id (exactly-once updates), in two kinds of
 * record:
 *
 * <ul>
 *   <li>a <b>client record</b> in {@link StoreLayout#REQUESTS_OID}, under the client's 16 bytes
 *       and the high 32 bits of the sequence number: the client's <em>slot</em> (a number handed
 *       out by the replicated counter {@link StoreLayout#SYSTEM_REQUEST_SLOT}) and the index of
 *       the entry that last wrote the record;</li>
 *   <li>a <b>request record</b> in {@link StoreLayout#REQUEST_RECORDS_OID}, under the slot in the
 *       high 32 bits and the low 32 bits of the sequence number: the index of the entry that
 *       carried the request and its outcome ({@code 0} applied, else an {@link RdbError} code).</li>
 * </ul>
 *
 * <p>So the records of one client follow each other in an integer-keyed tree: a client numbers
 * its requests upwards, and each new record goes next to the last one, in the same leaf of the
 * tree, where a record under a digest of the id would dirty a different leaf of a large tree per
 * write.
 *
 * <p>Retention, the same on every replica whatever each has pruned: a request record counts for
 * {@code retention} entries after the one that carried it ({@link #isLive}). A client record is
 * rewritten (refreshed) by a request of the client at least {@link #refreshEntries} entries after
 * its last write, so every request record of its slot has an index below {@code last + refresh};
 * a client record last written {@code retention + refresh} entries or more ago therefore has no
 * live request record left and counts as absent ({@link #isClientLive}): the client's next
 * request takes a new slot.
 */
final class RequestRecords {

    private static final byte FORMAT = 1;
    private static final int BYTES = 1 + 8 + 4;
    private static final byte CLIENT_FORMAT = 1;
    private static final int CLIENT_BYTES = 1 + 4 + 8;
    /** The largest slot: slots fill the high 32 bits of a request record's key. */
    static final long SLOT_MAX = 0xFFFF_FFFFL;

    private RequestRecords() {
    }

    /** The client record's key of {@code id}: the client's 16 bytes, then the sequence's high 32 bits. */
    static Key clientKey(RequestId id) {
        return Key.of(ByteBuffer.allocate(20).putLong(id.client().getMostSignificantBits())
                .putLong(id.client().getLeastSignificantBits()).putInt((int) (id.sequence() >>> 32)).array());
    }

    /** The request record's key of {@code id} under {@code slot}. */
    static long recordKey(long slot, RequestId id) {
        return slot << 32 | (id.sequence() & 0xFFFF_FFFFL);
    }

    /** The first request record key of {@code slot}. */
    static long firstKeyOf(long slot) {
        return slot << 32;
    }

    /** The slot of request record key {@code key}. */
    static long slotOf(long key) {
        return key >>> 32;
    }

    /** How many entries after its last write a client record is rewritten by the client's next request. */
    static long refreshEntries(long retention) {
        return Math.max(1, retention / 4);
    }

    static byte[] encodeClient(long slot, long lastIndex) {
        return ByteBuffer.allocate(CLIENT_BYTES).put(CLIENT_FORMAT).putInt((int) slot).putLong(lastIndex).array();
    }

    static long clientSlot(byte[] raw) {
        checkClient(raw);
        return Integer.toUnsignedLong(ByteBuffer.wrap(raw, 1, 4).getInt());
    }

    static long clientLastIndex(byte[] raw) {
        checkClient(raw);
        return ByteBuffer.wrap(raw, 5, 8).getLong();
    }

    /** Whether a client record still counts at {@code epoch} (see the class comment). */
    static boolean isClientLive(byte[] raw, long epoch, long retention) {
        return epoch - clientLastIndex(raw) < retention + refreshEntries(retention);
    }

    private static void checkClient(byte[] raw) {
        if (raw.length != CLIENT_BYTES || raw[0] != CLIENT_FORMAT) {
            throw new RdbException(RdbError.CORRUPT, "a client record has " + raw.length
                    + " bytes and format " + (raw.length > 0 ? raw[0] : -1) + "; the pool is damaged");
        }
    }

    static byte[] encode(long index, Optional<RdbError> failure) {
        return ByteBuffer.allocate(BYTES).put(FORMAT).putLong(index).putInt(failure.map(RdbError::code).orElse(0))
                .array();
    }

    /**
     * Whether a request record is still seen at {@code epoch}: a request id counts for
     * {@code retentionEntries} entries after the one that carried it, so that every replica
     * decides alike whether a retry is a duplicate, however far it has pruned old records.
     */
    static boolean isLive(byte[] raw, long epoch, long retentionEntries) {
        return epoch - indexOf(raw) < retentionEntries;
    }

    /** The index of the entry a record belongs to. */
    static long indexOf(byte[] raw) {
        checkRecord(raw, "a request record");
        return ByteBuffer.wrap(raw, 1, 8).getLong();
    }

    /** Refuses a request record ({@code what}, for the error) of another size or format. */
    private static void checkRecord(byte[] raw, String what) {
        if (raw.length != BYTES || raw[0] != FORMAT) {
            throw new RdbException(RdbError.CORRUPT, what + " has " + raw.length + " bytes and format "
                    + (raw.length > 0 ? raw[0] : -1) + "; the pool is damaged");
        }
    }

    static RequestOutcome decode(RequestId id, byte[] raw) {
        checkRecord(raw, "the request record of " + id);
        ByteBuffer in = ByteBuffer.wrap(raw, 1, BYTES - 1);
        long index = in.getLong();
        int code = in.getInt();
        if (code == 0) {
            return new RequestOutcome(id, index, Optional.empty());
        }
        try {
            return new RequestOutcome(id, index, Optional.of(RdbError.ofCode(code)));
        } catch (IllegalArgumentException e) {
            throw new RdbException(RdbError.CORRUPT, "the request record of " + id + " holds error code " + code);
        }
    }

    /** Where the records are read from: a tree view, or the store at an epoch. */
    @FunctionalInterface
    interface Source {
        Optional<byte[]> get(long oid, Key key);
    }

    /** The client record of {@code id} in {@code source} if it still counts at {@code epoch}; else empty. */
    static Optional<byte[]> liveClient(Source source, RequestId id, long epoch, long retention) {
        return source.get(StoreLayout.REQUESTS_OID, clientKey(id)).filter(raw -> isClientLive(raw, epoch, retention));
    }

    /** The request record of {@code id} under {@code slot} in {@code source} if it still counts at {@code epoch}. */
    static Optional<byte[]> liveRecord(Source source, long slot, RequestId id, long epoch, long retention) {
        return source.get(StoreLayout.REQUEST_RECORDS_OID, Key.of(recordKey(slot, id)))
                .filter(raw -> isLive(raw, epoch, retention));
    }

    /**
     * The live request record of {@code id} in {@code source} at {@code epoch} (the state after
     * the entry at that index), found through the client's live record; empty when there is none.
     */
    static Optional<byte[]> find(Source source, RequestId id, long epoch, long retention) {
        return liveClient(source, id, epoch, retention)
                .flatMap(client -> liveRecord(source, clientSlot(client), id, epoch, retention));
    }
}
