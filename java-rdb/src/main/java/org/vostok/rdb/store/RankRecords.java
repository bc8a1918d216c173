package org.vostok.rdb.store;

import java.nio.ByteBuffer;
import java.util.Optional;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;

/**
 * The record of one replica rank in the system object (key {@link StoreLayout#rankKey}): the
 * latest generation handed out or added for that rank, and whether a membership entry added it.
 * Written by the entry that allocates an id and by every membership entry that adds one, so
 * every replica holds the same records, and the leader can refuse to add an id twice.
 * {@code u8 format | u64 generation | u8 added}.
 */
final class RankRecords {

    private static final byte FORMAT = 1;
    private static final int BYTES = 1 + 8 + 1;

    record Rank(long generation, boolean added) {
    }

    private RankRecords() {
    }

    static byte[] encode(Rank r) {
        return ByteBuffer.allocate(BYTES).put(FORMAT).putLong(r.generation()).put((byte) (r.added() ? 1 : 0)).array();
    }

    static Optional<Rank> decode(Optional<byte[]> raw) {
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        byte[] b = raw.get();
        if (b.length != BYTES || b[0] != FORMAT || (b[9] != 0 && b[9] != 1)) {
            throw new RdbException(RdbError.CORRUPT, "a replica rank record has " + b.length + " bytes and format "
                    + (b.length > 0 ? b[0] : -1) + "; the pool is damaged: restore this replica from the others");
        }
        ByteBuffer in = ByteBuffer.wrap(b, 1, BYTES - 1);
        return Optional.of(new Rank(in.getLong(), in.get() == 1));
    }

    static byte[] encodeCounter(long generation) {
        return ByteBuffer.allocate(8).putLong(generation).array();
    }

    static long decodeCounter(Optional<byte[]> raw) {
        return decodeCounter(raw, "replica generation");
    }

    /** A counter of the system object ({@code what}: its name, for the error); 0 when absent. */
    static long decodeCounter(Optional<byte[]> raw, String what) {
        if (raw.isEmpty()) {
            return 0;
        }
        if (raw.get().length != 8) {
            throw new RdbException(RdbError.CORRUPT, "the " + what + " counter has " + raw.get().length
                    + " bytes instead of 8; the pool is damaged: restore this replica from the others");
        }
        return ByteBuffer.wrap(raw.get()).getLong();
    }
}
