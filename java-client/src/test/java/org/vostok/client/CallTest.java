package org.vostok.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vostok.client.net.HostPort;
import org.vostok.client.net.NettyIo;
import org.vostok.client.proto.Reply;
import org.vostok.client.proto.Request;
import org.vostok.client.proto.register.ReadRequest;
import org.vostok.client.testing.ScriptedNode;

/**
 * A call finding the leader through scripted nodes on real sockets: stale hints, hints in
 * circles, every replica down, the list running empty, a slow replica, the deadline and the
 * budget, and the same sequence number on every retry of an update.
 */
class CallTest {

    private static final String CLUSTER = "c";
    private static final long SERVICE = 9;
    private EventLoopGroup group;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeEach
    void start() {
        group = NettyIo.newGroup(1, "scripted");
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private ScriptedNode node(long id, ScriptedNode.Script script) {
        ScriptedNode n = new ScriptedNode(group, id, CLUSTER, script);
        closing.add(n);
        return n;
    }

    private VostokClient client(CallOptions options, ReplicaListSource source, ScriptedNode... nodes) {
        VostokClient.Builder b = VostokClient.builder(CLUSTER).callOptions(options).reconnectBackoffMillis(5, 20);
        for (ScriptedNode n : nodes) {
            b.replicas(n.address().toString());
        }
        if (source != null) {
            b.listSource(source);
        }
        VostokClient c = b.build();
        closing.add(0, c);
        return c;
    }

    private static Reply call(VostokClient c, boolean update) throws Exception {
        return c.service(SERVICE).call("register.read", ReadRequest.getDefaultInstance(), update)
                .get(30, TimeUnit.SECONDS);
    }

    private static VostokException failure(VostokClient c) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> call(c, false));
        return (VostokException) e.getCause();
    }

    private static final CallOptions FAST = CallOptions.DEFAULTS.withDeadlineMillis(3_000)
            .withAttemptTimeoutMillis(300).withBackoffMillis(5, 50);

    @Test
    void aStaleHintDoesNotTakeTheClientAwayFromTheLeader() throws Exception {
        ScriptedNode[] n = new ScriptedNode[3];
        n[0] = node(1, r -> Optional.of(n[0].ok(5)));
        n[1] = node(2, r -> Optional.of(n[1].error(ErrorCode.NOTLEADER,
                Optional.of(ScriptedNode.hint(1, n[0].address().toString(), 5)))));
        n[2] = node(3, r -> Optional.of(n[2].error(ErrorCode.NOTLEADER,
                Optional.of(ScriptedNode.hint(2, n[1].address().toString(), 3)))));
        VostokClient c = client(FAST, null, n);
        for (int i = 0; i < 20; i++) {
            call(c, false);
        }
        // Once the leader of term 5 is known, every call goes to it; the stale hint to node 2
        // (term 3) is never followed, so node 2 hears at most what the first rounds sent.
        assertTrue(n[0].requests() >= 20);
        assertEquals(1, c.service(SERVICE).leader().orElseThrow().nodeId());
    }

    @Test
    void hintsInACircleStillFindTheLeader() throws Exception {
        ScriptedNode[] n = new ScriptedNode[3];
        n[0] = node(1, r -> Optional.of(n[0].error(ErrorCode.NOTLEADER,
                Optional.of(ScriptedNode.hint(2, n[1].address().toString(), 5)))));
        n[1] = node(2, r -> Optional.of(n[1].error(ErrorCode.NOTLEADER,
                Optional.of(ScriptedNode.hint(1, n[0].address().toString(), 5)))));
        n[2] = node(3, r -> Optional.of(n[2].ok(6)));
        VostokClient c = client(FAST, null, n);
        call(c, false);
        assertEquals(3, c.service(SERVICE).leader().orElseThrow().nodeId());
        assertTrue(n[0].requests() + n[1].requests() < 20, "the circle was left after a few hops: "
                + n[0].requests() + " + " + n[1].requests());
    }

    @Test
    void everyReplicaDownFailsAtTheDeadlineNamingTheCandidates() throws Exception {
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            try (ServerSocket s = new ServerSocket(0)) {
                ports.add(s.getLocalPort()); // nothing listens there once closed
            }
        }
        VostokClient.Builder b = VostokClient.builder(CLUSTER).callOptions(FAST.withDeadlineMillis(500))
                .reconnectBackoffMillis(5, 20);
        ports.forEach(p -> b.replicas("127.0.0.1:" + p));
        VostokClient c = b.build();
        closing.add(0, c);
        long start = System.nanoTime();
        VostokException e = failure(c);
        assertTrue(e.code() == ErrorCode.TIMEDOUT, e.getMessage());
        assertTrue(e.getMessage().contains("127.0.0.1:" + ports.get(0)), e.getMessage());
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 10_000);
    }

    @Test
    void anEmptyListIsRefilledFromTheListSource() throws Exception {
        ScriptedNode[] n = new ScriptedNode[3];
        n[0] = node(1, r -> Optional.of(n[0].error(ErrorCode.NOTREPLICA, Optional.empty())));
        n[1] = node(2, r -> Optional.of(n[1].error(ErrorCode.NOTREPLICA, Optional.empty())));
        n[2] = node(3, r -> Optional.of(n[2].ok(2)));
        AtomicInteger asked = new AtomicInteger();
        ReplicaListSource source = id -> {
            asked.incrementAndGet();
            return CompletableFuture.completedFuture(List.of(new ReplicaAddress(3, n[2].address())));
        };
        VostokClient c = client(FAST, source, n[0], n[1]);
        call(c, false);
        assertEquals(1, asked.get());
        assertEquals(1, n[0].requests());
        assertEquals(1, n[1].requests());
    }

    @Test
    void aSilentReplicaCostsOneAttemptTimeout() throws Exception {
        ScriptedNode[] n = new ScriptedNode[2];
        n[0] = node(1, r -> Optional.empty());
        n[1] = node(2, r -> Optional.of(n[1].ok(1)));
        VostokClient c = client(FAST, null, n);
        for (int i = 0; i < 5; i++) {
            call(c, false);
        }
        assertTrue(n[0].requests() <= 1, "the silent node is tried once at most: " + n[0].requests());
        assertEquals(2, c.service(SERVICE).leader().orElseThrow().nodeId());
    }

    @Test
    void noLeaderAnywhereEndsAtTheBudget() throws Exception {
        ScriptedNode[] n = new ScriptedNode[1];
        n[0] = node(1, r -> Optional.of(n[0].error(ErrorCode.NOTLEADER, Optional.empty())));
        VostokClient c = client(FAST.withAttemptsMax(5), null, n);
        VostokException e = failure(c);
        assertEquals(5, n[0].requests());
        assertTrue(e.getMessage().contains("budget of 5 attempts"), e.getMessage());
    }

    @Test
    void noLeaderAnywhereEndsAtTheDeadline() throws Exception {
        ScriptedNode[] n = new ScriptedNode[1];
        n[0] = node(1, r -> Optional.of(n[0].error(ErrorCode.BUSY, Optional.empty())));
        VostokClient c = client(FAST.withDeadlineMillis(400), null, n);
        VostokException e = failure(c);
        assertTrue(e.getMessage().contains("deadline of 400 ms"), e.getMessage());
        assertTrue(n[0].requests() > 1, "it retried before the deadline");
    }

    @Test
    void everyRetryOfAnUpdateCarriesTheSameSequence() throws Exception {
        List<Request> seen = new CopyOnWriteArrayList<>();
        ScriptedNode[] n = new ScriptedNode[1];
        n[0] = node(1, r -> {
            seen.add(r);
            return Optional.of(seen.size() < 3 ? n[0].error(ErrorCode.OUTCOME_UNKNOWN, Optional.empty())
                    : n[0].ok(1));
        });
        VostokClient c = client(FAST, null, n);
        call(c, true);
        call(c, true);
        assertEquals(4, seen.size());
        assertEquals(seen.get(0).getSequence(), seen.get(2).getSequence());
        assertTrue(seen.get(3).getSequence() > seen.get(2).getSequence(), "a new call, a new sequence");
        assertEquals(16, seen.get(0).getClientId().size());
    }

    @Test
    void aNodeOfAnotherClusterIsRefusedWithThatReason() throws Exception {
        ScriptedNode other = new ScriptedNode(group, 1, "another", r -> Optional.empty());
        closing.add(other);
        VostokClient c = client(FAST.withDeadlineMillis(500), null, other);
        VostokException e = failure(c);
        assertEquals(ErrorCode.WRONG_CLUSTER, e.code(), e.getMessage());
    }

    @Test
    void closingTheClientFailsWhatIsOutstanding() throws Exception {
        ScriptedNode[] n = new ScriptedNode[1];
        n[0] = node(1, r -> Optional.empty());
        VostokClient c = client(CallOptions.DEFAULTS, null, n);
        CompletableFuture<Reply> f = c.service(SERVICE).call("register.read", ReadRequest.getDefaultInstance(), true);
        while (n[0].requests() == 0) {
            Thread.sleep(5);
        }
        c.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        VostokException v = (VostokException) e.getCause();
        assertEquals(ErrorCode.CLOSED, v.code());
        assertTrue(v.outcomeUnknown(), "an update that was sent may have taken effect");
        HostPort unused = n[0].address();
        assertTrue(unused.port() > 0);
    }
}
