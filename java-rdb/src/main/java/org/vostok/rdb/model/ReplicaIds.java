package org.vostok.rdb.model;

/**
 * Replica ids: a rank (the server, an unsigned 32-bit number) and a generation packed in one
 * long, {@code generation << 32 | rank}, which is what Raft and the transport carry.
 *
 * <p>The founding replicas of a cluster have generation 0, so founding replicas 1, 2 and 3 have
 * ids 1, 2 and 3. Every later id comes from {@code Replica.allocateReplicaId(int)}: its generation
 * is drawn from a counter in the replicated state, so an id is never handed out twice, and a rank
 * that is removed and added again comes back under a new id (a new generation). A leader refuses
 * to add an id that was added before, that is not the latest one handed out for its rank, or
 * whose rank another member holds.
 *
 * <p>Thread-safety: static functions only.
 */
public final class ReplicaIds {

    /** The largest generation: ids stay positive longs. */
    public static final long GENERATION_MAX = (1L << 31) - 1;

    private ReplicaIds() {
    }

    /** The id of {@code rank} (unsigned) in {@code generation}; INVAL when that is not a valid id. */
    public static long of(int rank, long generation) {
        if (generation < 0 || generation > GENERATION_MAX) {
            throw new RdbException(RdbError.INVAL, "a replica generation must be 0 .. " + GENERATION_MAX
                    + ", got " + generation);
        }
        long id = generation << 32 | Integer.toUnsignedLong(rank);
        if (id == 0) {
            throw new RdbException(RdbError.INVAL, "rank 0 in generation 0 would be replica id 0, which names no"
                    + " replica; found a cluster with ranks from 1, or allocate an id for rank 0");
        }
        return id;
    }

    /** The rank of replica {@code id}. */
    public static int rank(long id) {
        return (int) id;
    }

    /** The generation of replica {@code id}. */
    public static long generation(long id) {
        return id >>> 32;
    }

    /** {@code "rank r generation g"}, or just the rank for a founding replica. */
    public static String describe(long id) {
        long generation = generation(id);
        String rank = Integer.toUnsignedString(rank(id));
        return generation == 0 ? "replica " + id + " (rank " + rank + ")"
                : "replica " + id + " (rank " + rank + ", generation " + generation + ")";
    }
}
