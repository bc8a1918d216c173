package org.vostok.rdb.store;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.vostok.vos.Key;

/**
 * Where everything is in a replica's pool. One pool holds two containers in use:
 *
 * <ul>
 *   <li>META (a fixed UUID): one lexical object whose records are all written at epoch
 *       {@link #META_EPOCH}, so that each update replaces the previous version: the layout
 *       version, the replica id, the hard state (term, vote and commit, one record), the log
 *       bounds (base index, term and membership, last index and term), the UUID of the LOG
 *       container, and, while a snapshot comes in, its staging container and progress.</li>
 *   <li>LOG (a random UUID recorded in META; replaced when a snapshot is installed): the Raft
 *       log in segment objects of {@link #ENTRIES_PER_SEGMENT} entries (integer key = index, at
 *       epoch = index), the term runs of the log, the request records and the KV tree, one object
 *       per KVS, every change at epoch = the index of the entry that made it.</li>
 * </ul>
 *
 * Structural objects (the system object, the request and term objects, the segments) are created
 * at epoch {@link #STRUCTURE_EPOCH}, below every log index, so that a truncation (a discard from
 * an index) never removes them, only what entries wrote into them.
 */
public final class StoreLayout {

    /**
     * The layout this code writes and reads. 2: request records under a client's slot and the
     * request's sequence number (1 kept them under a digest of the request id).
     */
    public static final int LAYOUT_VERSION = 2;

    /** The META container's UUID ("vostok-rdb-meta" in ASCII, padded). */
    public static final UUID META_CONTAINER = new UUID(0x766f73746f6b2d72L, 0x64622d6d65746131L);
    /** The one object of META, lexical keys. */
    public static final long META_OID = 1;
    /** Every META record is written at this epoch; an update at the same epoch replaces the last. */
    public static final long META_EPOCH = 1;

    static final Key META_LAYOUT = key("layout");
    static final Key META_REPLICA = key("replica");
    static final Key META_HARD_STATE = key("hard-state");
    static final Key META_LOG_BOUNDS = key("log-bounds");
    static final Key META_LOG_CONTAINER = key("log-container");
    static final Key META_SNAPSHOT_IN = key("snapshot-in");

    /** Epoch of the structural objects in LOG: below every log index. */
    public static final long STRUCTURE_EPOCH = 0;

    /** The system object of the KV tree (lexical keys): the root descriptor, the next object id. */
    public static final long SYSTEM_OID = 1;
    /**
     * Client records (lexical keys: a client's 16 bytes and the high 32 bits of a sequence number,
     * 20 bytes): the slot its request records are kept under, and the last entry that refreshed it
     * ({@code RequestRecords}).
     */
    public static final long REQUESTS_OID = 2;
    /** Term runs of the log (integer keys): the first index of each run of one term -> that term. */
    public static final long TERMS_OID = 3;
    /**
     * In a snapshot's staging container only (integer keys): the pieces of a large value that
     * came in chunks of their own, until the last piece arrives. Punched when the snapshot is
     * installed.
     */
    public static final long SCRATCH_OID = 4;
    /**
     * Request records (integer keys: a client's slot in the high 32 bits, the low 32 bits of the
     * sequence number below): the index and outcome of the entry that carried the request.
     */
    public static final long REQUEST_RECORDS_OID = 5;
    /** The first object id handed to a KVS; ids below are reserved for the store. */
    public static final long FIRST_KVS_OID = 16;
    /** Segment s of the log is object {@code SEGMENT_OID_BASE + s}. */
    public static final long SEGMENT_OID_BASE = 1L << 62;
    /** Log entries per segment object, so that compaction punches whole objects. */
    public static final long ENTRIES_PER_SEGMENT = 4096;

    static final Key SYSTEM_ROOT = key("root");
    static final Key SYSTEM_NEXT_OID = key("next-oid");
    /** The last replica generation handed out (the replicated counter of {@code ReplicaIds}). */
    static final Key SYSTEM_REPLICA_GENERATION = key("replica-generation");
    /** The last client slot handed out (a replicated counter, {@code RequestRecords}). */
    static final Key SYSTEM_REQUEST_SLOT = key("request-slot");
    /** Prefix of the rank records: {@code "rank/"} and the rank's 4 bytes, big-endian. */
    private static final byte[] RANK_PREFIX = "rank/".getBytes(StandardCharsets.US_ASCII);

    private StoreLayout() {
    }

    static long segmentOf(long index) {
        return index / ENTRIES_PER_SEGMENT;
    }

    static long segmentOid(long segment) {
        return SEGMENT_OID_BASE + segment;
    }

    /** The system object's key of the record of replica rank {@code rank}. */
    static Key rankKey(int rank) {
        byte[] k = java.util.Arrays.copyOf(RANK_PREFIX, RANK_PREFIX.length + 4);
        java.nio.ByteBuffer.wrap(k, RANK_PREFIX.length, 4).putInt(rank);
        return Key.of(k);
    }

    private static Key key(String text) {
        return Key.of(text.getBytes(StandardCharsets.US_ASCII));
    }
}
