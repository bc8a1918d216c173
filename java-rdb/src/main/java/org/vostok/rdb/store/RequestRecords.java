package org.vostok.rdb.store;

import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.UUID;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.model.RequestOutcome;
import org.vostok.vos.Key;

/**
 * Request records: under a request id's 16 bytes in the request object, the index of the entry
 * that carried it and that entry's outcome ({@code 0} applied, else an {@link RdbError} code).
 */
final class RequestRecords {

    private static final byte FORMAT = 1;
    private static final int BYTES = 1 + 8 + 4;

    private RequestRecords() {
    }

    static Key key(UUID id) {
        return Key.of(ByteBuffer.allocate(16).putLong(id.getMostSignificantBits())
                .putLong(id.getLeastSignificantBits()).array());
    }

    static byte[] encode(long index, Optional<RdbError> failure) {
        return ByteBuffer.allocate(BYTES).put(FORMAT).putLong(index).putInt(failure.map(RdbError::code).orElse(0))
                .array();
    }

    /**
     * Whether a record is still seen at {@code epoch}: a request id counts for
     * {@code retentionEntries} entries after the one that carried it, so that every replica
     * decides alike whether a retry is a duplicate, however far it has pruned old records.
     */
    static boolean isLive(byte[] raw, long epoch, long retentionEntries) {
        return epoch - indexOf(raw) < retentionEntries;
    }

    /** The index of the entry a record belongs to. */
    static long indexOf(byte[] raw) {
        if (raw.length != BYTES || raw[0] != FORMAT) {
            throw new RdbException(RdbError.CORRUPT, "a request record has " + raw.length
                    + " bytes and format " + (raw.length > 0 ? raw[0] : -1) + "; the pool is damaged");
        }
        return ByteBuffer.wrap(raw, 1, 8).getLong();
    }

    static RequestOutcome decode(UUID id, byte[] raw) {
        if (raw.length != BYTES || raw[0] != FORMAT) {
            throw new RdbException(RdbError.CORRUPT, "the request record of " + id + " has " + raw.length
                    + " bytes and format " + (raw.length > 0 ? raw[0] : -1) + "; the pool is damaged");
        }
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
}
