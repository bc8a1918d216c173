package org.vostok.rdb;

import org.vostok.raft.Message;

/** Takes each kind of {@link Inbound} item; implemented by the replica's loop. */
interface InboundHandler {

    void onMessage(Message message);

    void onPropose(Request.Propose propose);

    void onRead(Request.Read read);

    void onChangeMembership(Request.ChangeMembership change);

    void onTransferLeadership(Request.TransferLeadership transfer);

    void onProgress(Request.Progress progress);

    void onAllocateReplicaId(Request.AllocateReplicaId allocate);

    void onAbdicate(Request.Abdicate abdicate);

    void onSnapshotChunkReady(Request.SnapshotChunkReady chunk);

    void onSnapshotChunkFailed(Request.SnapshotChunkFailed failed);

    void onStop(Request.Stop stop);

    void onLeaderGone(Request.LeaderGone gone);

    /** Tests only: the owner thread stalls (see {@link Request.Stall}). */
    void onStall(Request.Stall stall);
}
