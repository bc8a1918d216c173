package org.vostok.rdb;

import org.vostok.rdb.store.TreeReader;

/**
 * What the owner thread publishes for a transaction's first query to get its read epoch on the
 * caller's own thread while the leader's lease holds (as etcd's and TiKV's local readers do),
 * instead of asking the owner thread and waiting for its answer: the term the replica leads and
 * takes transactions in, the clock reading from which its lease holds no more, and a reader at
 * the applied index.
 *
 * <p>Why a read at {@code reader}'s epoch, taken by a thread that read this record and then the
 * clock, before {@code expiryNanos}, is linearizable. Take the moment the thread read the
 * record; the read takes effect then. Every write acknowledged before that moment is in the
 * reader's epoch:
 * <ul>
 *   <li>one this leader committed, because the owner publishes the applied index at the end of
 *       each round before it hands that round's completions over (nothing is acknowledged
 *       before it is applied), and the record read is the latest published;</li>
 *   <li>one an earlier leader committed, because the record is published only once this
 *       term's first entry is applied, and every entry committed before lies below it;</li>
 *   <li>none was committed by a later leader: until {@code expiryNanos} no other leader can be
 *       elected (the followers' promise on which the lease rests, Raft thesis §6.4.1; the
 *       clock was read after the record, so the record was read before the expiry too), unless
 *       this leader sent TimeoutNow, which voids its lease, and the owner withdraws the record
 *       before any message it sends after the lease is void.</li>
 * </ul>
 * The epoch must also still be readable: {@link ReadPins#pinUnlessPassed} pins it unless
 * aggregation was let go past it, in one step with aggregation's own bound. When anything fails
 * (no record, another term, the clock past the expiry, an epoch aggregated past), the query asks
 * the owner thread as before, which confirms a read index by the lease or by a heartbeat round.
 * A record read just before the owner withdrew it is answered all the same: the read takes
 * effect when it was read, as a read the owner answered just before would have.
 */
record LocalLease(long term, long expiryNanos, TreeReader reader) {

    long epoch() {
        return reader.epoch();
    }
}
