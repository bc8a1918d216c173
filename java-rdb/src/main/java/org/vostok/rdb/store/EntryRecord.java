package org.vostok.rdb.store;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Optional;
import org.vostok.raft.Entry;
import org.vostok.raft.EntryType;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;

/**
 * A log entry as stored in its segment (the index is the key):
 * {@code u8 format | u64 term | u8 type | i32 outcome | data}. The outcome is {@code 0} for an
 * entry that applied (or carries no updates) and an {@link RdbError} code for one whose updates
 * failed and changed nothing.
 */
final class EntryRecord {

    private static final byte FORMAT = 1;
    static final int HEADER_BYTES = 1 + 8 + 1 + 4;
    /** The largest entry data a record can hold: the store's largest value less the header. */
    static final int DATA_BYTES_MAX = RdbStore.ENTRY_BYTES_MAX;

    private EntryRecord() {
    }

    record Stored(Entry entry, Optional<RdbError> failure) {
    }

    /** The record's header: the stored record is this followed by the entry's data. */
    static byte[] header(Entry e, Optional<RdbError> failure) {
        if (e.data().length > DATA_BYTES_MAX) {
            throw new RdbException(RdbError.TOOBIG, "entry " + e.index() + " holds " + e.data().length
                    + " bytes; a stored entry holds at most " + DATA_BYTES_MAX
                    + " (set entryBytesMax at or below it)");
        }
        return ByteBuffer.allocate(HEADER_BYTES).put(FORMAT).putLong(e.term())
                .put((byte) e.type().ordinal()).putInt(failure.map(RdbError::code).orElse(0)).array();
    }

    static Stored decode(long index, byte[] raw) {
        if (raw.length < HEADER_BYTES || raw[0] != FORMAT) {
            throw corrupt(index, raw.length + " bytes, format " + (raw.length > 0 ? raw[0] : -1));
        }
        ByteBuffer in = ByteBuffer.wrap(raw, 1, HEADER_BYTES - 1);
        long term = in.getLong();
        int type = in.get();
        int outcome = in.getInt();
        if (term <= 0 || type < 0 || type >= EntryType.values().length) {
            throw corrupt(index, "term " + term + ", type " + type);
        }
        Optional<RdbError> failure;
        try {
            failure = outcome == 0 ? Optional.empty() : Optional.of(RdbError.ofCode(outcome));
        } catch (IllegalArgumentException e) {
            throw corrupt(index, "outcome code " + outcome);
        }
        byte[] data = Arrays.copyOfRange(raw, HEADER_BYTES, raw.length);
        return new Stored(new Entry(index, term, EntryType.values()[type], data), failure);
    }

    private static RdbException corrupt(long index, String detail) {
        return new RdbException(RdbError.CORRUPT, "log entry " + index + " is damaged (" + detail
                + "); restore this replica from the others");
    }
}
