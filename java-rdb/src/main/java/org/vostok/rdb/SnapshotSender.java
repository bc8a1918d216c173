package org.vostok.rdb;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.vostok.raft.SnapshotChunkRequest;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.store.RdbStore;
import org.vostok.rdb.store.SnapshotSource;

/**
 * Reads and compresses the snapshot chunks a leader's core asks for, on a thread of its own
 * ({@code rdb-<id>-snapshots}), so that the owner thread never stalls on a snapshot: each request
 * becomes a {@link Request.SnapshotChunkReady} (or {@link Request.SnapshotChunkFailed}) queued
 * back to the owner, which hands the chunk to the core. One {@link SnapshotSource} per snapshot
 * index is kept, shared by every peer that receives that snapshot, so that a chunk is found by
 * its offset without cutting the ones before it again.
 *
 * <p>Thread-safety: {@link #request} and {@link #close} from the owner thread; the sources are
 * used on the sender's thread only.
 */
final class SnapshotSender implements AutoCloseable {

    /** Snapshot sources kept at most (the newest); older snapshots are cut again if asked for. */
    private static final int SOURCES_MAX = 2;

    private final RdbStore store;
    private final Consumer<Request> reply;
    private final ExecutorService executor;
    /** By snapshot index, oldest first. Used on the sender's thread only. */
    private final LinkedHashMap<Long, SnapshotSource> sources = new LinkedHashMap<>();

    SnapshotSender(long id, RdbStore store, Consumer<Request> reply) {
        this.store = store;
        this.reply = reply;
        this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "rdb-" + id + "-snapshots");
            t.setDaemon(true);
            return t;
        });
    }

    /** Reads the chunk {@code req} asks for, and hands it to the owner thread when it is ready. */
    void request(SnapshotChunkRequest req) {
        try {
            executor.execute(() -> produce(req));
        } catch (RejectedExecutionException e) {
            // Closing: the core starts the snapshot over if this replica still leads.
        }
    }

    private void produce(SnapshotChunkRequest req) {
        try {
            SnapshotSource source = sources.get(req.snapshot().index());
            if (source == null || !source.snapshot().equals(req.snapshot())) {
                source = store.snapshotSource(req.snapshot());
                sources.put(req.snapshot().index(), source);
                Iterator<Map.Entry<Long, SnapshotSource>> it = sources.entrySet().iterator();
                while (sources.size() > SOURCES_MAX && it.hasNext()) {
                    it.next();
                    it.remove();
                }
            }
            SnapshotSource.Chunk chunk = source.chunkAt(req.offset(), req.bytesMax());
            reply.accept(new Request.SnapshotChunkReady(req, chunk.data(), chunk.last()));
        } catch (RuntimeException e) {
            sources.remove(req.snapshot().index());
            reply.accept(new Request.SnapshotChunkFailed(req, e instanceof RdbException r ? r
                    : new RdbException(RdbError.IO, "reading snapshot " + req.snapshot().index() + " failed: " + e, e)));
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
