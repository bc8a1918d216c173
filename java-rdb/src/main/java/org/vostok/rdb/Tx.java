package org.vostok.rdb;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import org.vostok.rdb.model.KvsPath;
import org.vostok.rdb.model.KvsRecord;
import org.vostok.rdb.model.KvsScan;
import org.vostok.rdb.model.KvsVisitor;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.model.RequestId;
import org.vostok.rdb.model.RequestOutcome;
import org.vostok.rdb.store.EntryPayload;
import org.vostok.rdb.store.Op;
import org.vostok.rdb.store.TreeReader;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.VosLimits;

/**
 * A transaction on the leader, bound to the term it began in ({@link Replica#begin(long)}).
 *
 * <p><b>Queries</b> read committed state at one read epoch, obtained by the first query (a
 * lease read or a ReadIndex round, Raft §6.4): the transaction's reads are linearizable and all
 * see the same state. <b>Updates</b> are queued and invisible until commit, even to this
 * transaction's own queries. {@link #commit()} sends them as one log entry; they take effect
 * together or not at all.
 *
 * <p>Transactions are not isolated from one another (as in DAOS's rdb): two transactions may
 * read the same state and both commit. A service serializes its read-modify-write handlers with
 * its own lock, held from the first query until the commit completes.
 *
 * <p>Until it commits or is closed, a transaction that has queried holds back the background
 * aggregation of versions older than its read epoch: close one you abandon (one that is
 * simply dropped lets go when the garbage collector finds it).
 *
 * <p>Not thread-safe: one thread at a time. The first query may block its thread until the read
 * epoch is obtained (it does not while the leader's lease holds: it takes the epoch on its own
 * thread then). A leadership handler's thread will do; the replica's own threads will not: on
 * its completion thread, where commit futures' continuations run, the first query is refused
 * with {@link IllegalStateException}, since a wait would hold up every other commit. When the
 * replica's owner thread is stalled past the lease, it waits for the stall to end, up to
 * {@code readTimeoutMillis} ({@link Replica#begin}). The commit future refuses {@code get} and
 * {@code join} on the completion thread too.
 */
public final class Tx implements AutoCloseable {

    private final Replica replica;
    private final long term;
    private final List<Op> ops = new ArrayList<>();
    private Optional<RequestId> requestId = Optional.empty();
    private ReadView view;
    private boolean finished;

    Tx(Replica replica, long term) {
        this.replica = replica;
        this.term = term;
    }

    /** The term this transaction began in. */
    public long term() {
        return term;
    }

    /**
     * Tags the transaction with a request id, recorded with its outcome when it commits, so that
     * a caller whose commit ended ambiguously ({@link RdbError#OUTCOME_UNKNOWN}) can ask a
     * later leader what became of it ({@link #requestOutcome}), or simply retry with the same id.
     * A request id commits at most once. A second transaction with it takes the first one's fate:
     * while the entry that carried it first is not committed, the second waits for that entry and
     * completes with its index (or its failure, or OUTCOME_UNKNOWN when this leader's term ends
     * first) without being proposed; once it is committed, the second fails at once with
     * {@link RdbError#EXIST}.
     */
    public Tx requestId(RequestId id) {
        checkOpen();
        requestId = Optional.of(Objects.requireNonNull(id, "id"));
        return this;
    }

    // ----------------------------------------------------------------------------------------
    // Queries

    /** The epoch (log index) this transaction reads at, obtaining it if no query did yet. */
    public long readEpoch() {
        return reader().epoch();
    }

    private TreeReader reader() {
        checkOpen();
        if (view == null) {
            view = replica.readAt(term);
        }
        return view.reader();
    }

    /** The value of {@code key} in the KVS at {@code kvs}; empty when there is none. NONEXIST without the KVS. */
    public Optional<byte[]> lookup(KvsPath kvs, Key key) {
        return reader().lookup(kvs, key);
    }

    /** The key order of the KVS at {@code kvs}; empty when there is no such KVS. */
    public Optional<KeyOrder> kvsOrder(KvsPath kvs) {
        return reader().kvsOrder(kvs);
    }

    /** The first key of the KVS (a value or a child KVS); empty when the KVS is empty. */
    public Optional<KvsRecord> fetchFirst(KvsPath kvs) {
        return reader().first(kvs);
    }

    /** The last key of the KVS. */
    public Optional<KvsRecord> fetchLast(KvsPath kvs) {
        return reader().last(kvs);
    }

    /** The smallest key greater than {@code key}. */
    public Optional<KvsRecord> fetchNext(KvsPath kvs, Key key) {
        return reader().next(kvs, key);
    }

    /** The largest key smaller than {@code key}. */
    public Optional<KvsRecord> fetchPrevious(KvsPath kvs, Key key) {
        return reader().previous(kvs, key);
    }

    /**
     * Visits the keys of the KVS forwards or backwards from an optional anchor until the
     * visitor returns false; returns true when it visited every key.
     */
    public boolean iterate(KvsPath kvs, KvsScan scan, KvsVisitor visitor) {
        return reader().iterate(kvs, scan, visitor);
    }

    /** The largest key of an integer-keyed KVS; INVAL for a lexical one. */
    public OptionalLong largestIntegerKey(KvsPath kvs) {
        return reader().largestIntegerKey(kvs);
    }

    /** What became of the transaction that carried {@code id}; empty when none committed (yet). */
    public Optional<RequestOutcome> requestOutcome(RequestId id) {
        return reader().requestOutcome(Objects.requireNonNull(id, "id"));
    }

    // ----------------------------------------------------------------------------------------
    // Updates

    /** Creates the root KVS, with keys of {@code order}. */
    public Tx createRoot(KeyOrder order) {
        return queue(new Op.CreateRoot(Objects.requireNonNull(order, "order")));
    }

    /** Destroys the root KVS and everything in the tree. */
    public Tx destroyRoot() {
        return queue(new Op.DestroyRoot());
    }

    /** Creates a child KVS with keys of {@code order} under {@code key} of the KVS at {@code parent}. */
    public Tx createKvs(KvsPath parent, Key key, KeyOrder order) {
        return queue(new Op.CreateKvs(parent, key, order));
    }

    /**
     * Destroys the child KVS under {@code key} of {@code parent}: its values and, recursively,
     * its own child KVSs. Refused with TOOBIG when that is more KVSs than one entry may destroy.
     */
    public Tx destroyKvs(KvsPath parent, Key key) {
        return queue(new Op.DestroyKvs(parent, key));
    }

    /** {@code key := value} in the KVS at {@code kvs}; the value is copied. */
    public Tx update(KvsPath kvs, Key key, byte[] value) {
        checkValueBytes(value.length);
        return queue(new Op.Update(kvs, key, value.clone()));
    }

    /**
     * {@code key := value} in the KVS at {@code kvs}: the bytes from the buffer's position to its
     * limit, copied (once: a request's value goes from the buffer it arrived in straight into the
     * transaction); the buffer's position and limit do not change.
     */
    public Tx update(KvsPath kvs, Key key, ByteBuffer value) {
        checkValueBytes(value.remaining());
        byte[] copy = new byte[value.remaining()];
        value.get(value.position(), copy);
        return queue(new Op.Update(kvs, key, copy));
    }

    private static void checkValueBytes(int length) {
        if (length > VosLimits.VALUE_BYTES_MAX - 1) {
            throw new RdbException(RdbError.TOOBIG, "a value of " + length + " bytes is larger than the largest ("
                    + (VosLimits.VALUE_BYTES_MAX - 1) + " bytes)");
        }
    }

    /** Deletes {@code key} from the KVS at {@code kvs}; deleting an absent key succeeds. */
    public Tx delete(KvsPath kvs, Key key) {
        return queue(new Op.Delete(kvs, key));
    }

    private Tx queue(Op op) {
        checkOpen();
        ops.add(op);
        return this;
    }

    /** The updates queued so far. */
    public int updateCount() {
        return ops.size();
    }

    /**
     * Commits the queued updates as one log entry. The future completes with the entry's index
     * (the epoch at which the updates are seen) once the entry is committed and applied here, or
     * fails with the {@link RdbException} that kept it from applying: a validation failure
     * (NONEXIST, EXIST, INVAL, TOOBIG), NOSPACE or BUSY before anything was proposed, NOTLEADER
     * or STALE when the term is over (or the replica takes no more transactions in it), all of
     * which changed nothing; or, once proposed, {@link RdbError#OUTCOME_UNKNOWN} when this replica
     * cannot tell whether the entry will commit (its cause says why: NOTLEADER, TIMEDOUT,
     * SHUTDOWN). After an OUTCOME_UNKNOWN caused by TIMEDOUT the replica takes no more
     * transactions in the term and hands the leadership over. A transaction with no update and no
     * request id completes at once with its read epoch (0 when it read nothing).
     */
    public CompletableFuture<Long> commit() {
        checkOpen();
        finished = true;
        long epoch = view == null ? 0L : view.reader().epoch();
        releaseReadEpoch();
        if (ops.isEmpty() && requestId.isEmpty()) {
            return CompletableFuture.completedFuture(epoch);
        }
        EntryPayload payload = new EntryPayload(requestId, ops);
        return replica.commit(term, payload);
    }

    private void checkOpen() {
        if (finished) {
            throw new IllegalStateException("the transaction was committed or closed; begin a new one");
        }
    }

    /** Drops the queued updates; the transaction is unusable after. */
    @Override
    public void close() {
        finished = true;
        ops.clear();
        releaseReadEpoch();
    }

    /** The read epoch no longer holds aggregation back. */
    private void releaseReadEpoch() {
        if (view != null) {
            view.pin().close();
        }
    }
}
