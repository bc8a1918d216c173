package org.vostok.rsvc;

import com.google.protobuf.InvalidProtocolBufferException;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vostok.client.ErrorCode;
import org.vostok.client.VostokException;
import org.vostok.client.node.NodeClient;
import org.vostok.client.proto.node.CreateReplicaRequest;
import org.vostok.client.proto.node.ReplicaChangeReply;
import org.vostok.client.proto.node.ReplicaChangeRequest;
import org.vostok.raft.Membership;
import org.vostok.raft.MembershipChange;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.Replica;
import org.vostok.rdb.model.ReplicaIds;
import org.vostok.rsvc.net.ServerCall;

/**
 * Adding and removing a service's replicas, on the service's leader, through Raft's
 * single-server changes. Adding a replica on node N: a new replica id for rank N is drawn (an
 * id no replica ever had), the node creates the replica (joining: it starts empty and gets a
 * snapshot), the leader adds it as a learner, then promotes it to voter once it has caught up.
 * A step that fails undoes the ones before it (the learner is removed, the replica destroyed).
 * Removing: the voter leaves the membership, then its node destroys it; the leader's own
 * replica is removed after it has handed the leadership over (the caller retries at the new
 * leader).
 */
final class ReplicaMembership {

    private static final Logger LOG = LoggerFactory.getLogger(ReplicaMembership.class);
    /** How long a learner may take to catch up before its promotion is given up. */
    private static final long PROMOTE_TIMEOUT_MILLIS = 60_000;

    private final RsvcHost host;

    ReplicaMembership(RsvcHost host) {
        this.host = host;
    }

    void dispatch(Rsvc<?> rsvc, ServerCall call) {
        boolean add = call.method().equals(NodeClient.ADD_REPLICA);
        if (!add && !call.method().equals(NodeClient.REMOVE_REPLICA)) {
            call.error(ErrorCode.UNKNOWN_METHOD, "no method '" + call.method() + "'", rsvc.hint());
            return;
        }
        long t = rsvc.upTerm();
        if (!rsvc.enter(call, t)) {
            return;
        }
        ReplicaChangeRequest q;
        try {
            q = ReplicaChangeRequest.parseFrom(call.request().getBody());
        } catch (InvalidProtocolBufferException e) {
            rsvc.leave();
            call.error(ErrorCode.PROTOCOL, "a malformed " + call.method() + " request: " + e.getMessage(), rsvc.hint());
            return;
        }
        rsvc.submit(call, () -> {
            try {
                long id = add ? add(rsvc, t, q.getNodeId()) : remove(rsvc, t, q.getNodeId());
                call.ok(ReplicaChangeReply.newBuilder().setReplicaId(id).build(), rsvc.hint());
            } catch (Exception e) {
                VostokException v = Errors.known(e);
                if (v == null) {
                    LOG.error("service {}: {} failed", rsvc.serviceId(), call, e);
                    call.error(ErrorCode.INTERNAL, call.method() + " failed: " + Errors.unwrap(e), rsvc.hint());
                } else {
                    call.error(v.code(), v.detail(), rsvc.hint());
                }
            } finally {
                rsvc.leave();
            }
        });
    }

    private static Optional<Long> memberOn(Membership m, long nodeId) {
        for (long v : m.voters()) {
            if (Integer.toUnsignedLong(ReplicaIds.rank(v)) == nodeId) {
                return Optional.of(v);
            }
        }
        for (long l : m.learners()) {
            if (Integer.toUnsignedLong(ReplicaIds.rank(l)) == nodeId) {
                return Optional.of(l);
            }
        }
        return Optional.empty();
    }

    private long add(Rsvc<?> rsvc, long term, long nodeId) throws Exception {
        if (nodeId <= 0 || nodeId > 0xFFFF_FFFFL) {
            throw new VostokException(ErrorCode.INVAL, "node id " + nodeId + " is not 1 .. 4294967295");
        }
        if (host.address(nodeId).isEmpty()) {
            throw new VostokException(ErrorCode.INVAL, "node " + host.nodeId() + " knows no address for node " + nodeId
                    + "; the node must have joined the system first");
        }
        Replica replica = rsvc.replica();
        Membership m = replica.status().membership();
        Optional<Long> present = memberOn(m, nodeId);
        if (present.isPresent() && m.isVoter(present.get())) {
            return present.get(); // a retry of an add that completed
        }
        long id;
        boolean created = false;
        if (present.isPresent()) {
            id = present.get(); // a learner left by an add that did not finish: promote it
        } else {
            id = replica.allocateReplicaId((int) nodeId).get(30, TimeUnit.SECONDS);
            LOG.info("service {}: adding replica {} on node {}", rsvc.serviceId(), ReplicaIds.describe(id), nodeId);
            host.createReplica(nodeId, CreateReplicaRequest.newBuilder().setClassName(rsvc.serviceClass().name())
                    .setServiceId(rsvc.serviceId()).setReplicaId(id).setCallerTerm(term).build())
                    .get(60, TimeUnit.SECONDS);
            created = true;
        }
        boolean learner = present.isPresent();
        try {
            if (!learner) {
                replica.changeMembership(MembershipChange.addLearner(id)).get(60, TimeUnit.SECONDS);
                learner = true;
            }
            promote(replica, id);
            LOG.info("service {}: replica {} on node {} is a voter", rsvc.serviceId(), ReplicaIds.describe(id), nodeId);
            return id;
        } catch (Exception e) {
            LOG.warn("service {}: adding replica {} on node {} failed ({}); undoing it", rsvc.serviceId(),
                    ReplicaIds.describe(id), nodeId, e.toString());
            if (learner) {
                try {
                    replica.changeMembership(MembershipChange.remove(id)).get(30, TimeUnit.SECONDS);
                } catch (Exception undo) {
                    LOG.warn("service {}: could not remove learner {}: {}", rsvc.serviceId(), ReplicaIds.describe(id),
                            undo.toString());
                }
            }
            if (created) {
                try {
                    host.destroyReplica(nodeId, rsvc.serviceId(), id, 0).get(30, TimeUnit.SECONDS);
                } catch (Exception undo) {
                    LOG.warn("service {}: could not destroy replica {} on node {}: {}", rsvc.serviceId(),
                            ReplicaIds.describe(id), nodeId, undo.toString());
                }
            }
            throw e;
        }
    }

    /** Promotes learner {@code id}, retrying while the leader says it is busy (a change pending, the learner behind). */
    private static void promote(Replica replica, long id) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PROMOTE_TIMEOUT_MILLIS);
        long pause = 20;
        while (true) {
            try {
                replica.changeMembership(MembershipChange.promote(id)).get(30, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException e) {
                Throwable c = Errors.unwrap(e);
                boolean retry = c instanceof RdbException r && (r.error() == RdbError.BUSY || r.error() == RdbError.INVAL)
                        && !r.outcomeUnknown();
                if (!retry || System.nanoTime() - deadline > 0) {
                    throw e;
                }
            } catch (TimeoutException e) {
                throw new VostokException(ErrorCode.TIMEDOUT, "promoting replica " + ReplicaIds.describe(id)
                        + " did not complete in 30 s", Optional.empty(), true, e);
            }
            Thread.sleep(pause);
            pause = Math.min(1_000, pause * 2);
        }
    }

    private long remove(Rsvc<?> rsvc, long term, long nodeId) throws Exception {
        Replica replica = rsvc.replica();
        Optional<Long> member = memberOn(replica.status().membership(), nodeId);
        if (member.isEmpty()) {
            throw new VostokException(ErrorCode.NONEXIST, "service " + rsvc.serviceId() + " has no replica on node "
                    + nodeId);
        }
        long id = member.get();
        if (nodeId == host.nodeId()) {
            // The leader's own replica: it hands the leadership to another voter first, and the
            // caller retries there, where this replica is removed as a follower (and destroyed).
            Membership m = replica.status().membership();
            long target = 0;
            for (long v : m.voters()) {
                if (v != id) {
                    target = v;
                    break;
                }
            }
            if (target == 0) {
                throw new VostokException(ErrorCode.INVAL, "service " + rsvc.serviceId() + "'s only voter is on node "
                        + nodeId + ": add another replica before removing it");
            }
            replica.transferLeadership(target).get(30, TimeUnit.SECONDS);
            throw new VostokException(ErrorCode.NOTLEADER, "node " + nodeId + " leads service " + rsvc.serviceId()
                    + " and hands its leadership to replica " + ReplicaIds.describe(target) + " before its own"
                    + " replica is removed; retry there");
        }
        LOG.info("service {}: removing replica {} on node {}", rsvc.serviceId(), ReplicaIds.describe(id), nodeId);
        replica.changeMembership(MembershipChange.remove(id)).get(60, TimeUnit.SECONDS);
        // The removal is done once it commits; the old replica's files go without holding the
        // reply (a node slow to destroy must not make the caller retry a removal that is done).
        host.destroyReplica(nodeId, rsvc.serviceId(), id, 0).orTimeout(60, TimeUnit.SECONDS)
                .whenComplete((v, e) -> {
                    if (e != null) {
                        LOG.warn("service {}: replica {} left the membership, but node {} could not destroy it now"
                                + " ({}); it is destroyed when the node is told again", rsvc.serviceId(),
                                ReplicaIds.describe(id), nodeId, e.toString());
                    }
                });
        return id;
    }
}
