package org.vostok.rsvc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.netty.channel.EventLoopGroup;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vostok.client.VostokClient;
import org.vostok.client.mgmt.MgmtClient;
import org.vostok.client.net.ClientConnection;
import org.vostok.client.net.ConnectionPool;
import org.vostok.client.net.Connector;
import org.vostok.client.net.HostPort;
import org.vostok.client.net.NettyIo;
import org.vostok.client.proto.Hello;
import org.vostok.client.proto.PeerKind;
import org.vostok.client.proto.Reply;
import org.vostok.client.proto.Request;
import org.vostok.client.proto.register.CasReply;
import org.vostok.client.proto.register.CasRequest;
import org.vostok.client.register.RegisterClient;
import org.vostok.client.wire.FrameCodec;
import org.vostok.rdb.RdbConfig;
import org.vostok.rsvc.register.RegisterService;
import org.vostok.rsvc.testing.InProcessCluster;
import org.vostok.vos.PoolBackend;

/**
 * An update retried after its reply was lost is applied once, on the same leader and across a
 * leader change: the retry (same client id and sequence number) is answered as a duplicate of
 * the entry that committed. A compare-and-set makes a second application visible: it would find
 * the value it wrote and fail.
 */
class ExactlyOnceTest {

    private static final long SERVICE = 100;

    @TempDir
    Path dir;

    private static Request cas(byte[] clientId, long seq, String expected, String value) {
        CasRequest.Builder c = CasRequest.newBuilder().setKey(ByteString.copyFromUtf8("counter"))
                .setValue(ByteString.copyFromUtf8(value));
        if (expected == null) {
            c.setExpectAbsent(true);
        } else {
            c.setExpected(ByteString.copyFromUtf8(expected));
        }
        return Request.newBuilder().setMethod(RegisterClient.CAS).setClientId(ByteString.copyFrom(clientId))
                .setSequence(seq).setTimeoutMs(10_000).setBody(c.build().toByteString()).build();
    }

    private static Reply send(ConnectionPool pool, HostPort node, Request r) throws Exception {
        ClientConnection c = pool.get(node).get(10, TimeUnit.SECONDS);
        return c.call(SERVICE, r, 10_000).get(20, TimeUnit.SECONDS);
    }

    @Test
    void aRetriedUpdateIsAnsweredWithItsOriginalOutcomeAcrossALeaderChange() throws Exception {
        EventLoopGroup group = NettyIo.newGroup(1, "exactly-once");
        try (InProcessCluster cluster = new InProcessCluster(dir, 3, RdbConfig.defaults(), PoolBackend.WAL)) {
            cluster.createService(RegisterService.NAME, SERVICE);
            VostokClient client = cluster.client();
            RegisterClient reg = RegisterClient.of(client, SERVICE);
            reg.write("warm".getBytes(UTF_8), "up".getBytes(UTF_8));
            long leader = reg.service().leader().orElseThrow().nodeId();
            Hello hello = Hello.newBuilder().setVersionMin(1).setVersionMax(1).setClusterId(InProcessCluster.CLUSTER)
                    .setPeerKind(PeerKind.PEER_KIND_CLIENT).setName("raw").build();
            ConnectionPool pool = new ConnectionPool(new Connector(group, FrameCodec.PAYLOAD_BYTES_MAX_DEFAULT, 2_000),
                    hello, 16, 10, 100);
            byte[] clientId = MgmtClient.uuidBytes(UUID.randomUUID()).toByteArray();

            Reply first = send(pool, cluster.address(leader), cas(clientId, 1, null, "1"));
            assertEquals(0, first.getErrorCode(), first.getErrorMessage());
            assertTrue(CasReply.parseFrom(first.getBody()).getSwapped());
            // The same request again on the same leader: a duplicate, not a failed comparison.
            Reply again = send(pool, cluster.address(leader), cas(clientId, 1, null, "1"));
            assertEquals(0, again.getErrorCode(), again.getErrorMessage());
            assertTrue(again.getDuplicate());

            // A blind write checks its request id at commit instead of before: the same answer.
            Request write = Request.newBuilder().setMethod(RegisterClient.WRITE).setClientId(ByteString.copyFrom(clientId))
                    .setSequence(7).setTimeoutMs(10_000).setBody(org.vostok.client.proto.register.WriteRequest
                            .newBuilder().setKey(ByteString.copyFromUtf8("w")).setValue(ByteString.copyFromUtf8("once"))
                            .build().toByteString()).build();
            Reply written = send(pool, cluster.address(leader), write);
            assertEquals(0, written.getErrorCode(), written.getErrorMessage());
            assertFalse(written.getDuplicate());
            reg.write("w".getBytes(UTF_8), "later".getBytes(UTF_8));
            Reply rewritten = send(pool, cluster.address(leader), write);
            assertEquals(0, rewritten.getErrorCode(), rewritten.getErrorMessage());
            assertTrue(rewritten.getDuplicate(), "the retried write is not applied again");
            assertArrayEquals("later".getBytes(UTF_8), reg.read("w".getBytes(UTF_8)).orElseThrow(),
                    "a second application would have undone the later write");

            cluster.stop(leader);
            reg.write("moved".getBytes(UTF_8), "on".getBytes(UTF_8));
            long next = reg.service().leader().orElseThrow().nodeId();
            assertTrue(next != leader);
            Reply afterChange = send(pool, cluster.address(next), cas(clientId, 1, null, "1"));
            assertEquals(0, afterChange.getErrorCode(), afterChange.getErrorMessage());
            assertTrue(afterChange.getDuplicate(), "the new leader knows the update committed");
            assertTrue(again.getCommittedIndex() > 0);
            assertEquals(again.getCommittedIndex(), afterChange.getCommittedIndex(), "the same entry");

            // A new sequence number is a new update: the comparison now fails, as it should.
            Reply fresh = send(pool, cluster.address(next), cas(clientId, 2, null, "1"));
            assertFalse(CasReply.parseFrom(fresh.getBody()).getSwapped());
            assertArrayEquals("1".getBytes(UTF_8), reg.read("counter".getBytes(UTF_8)).orElseThrow());
            assertEquals(Optional.of("1"), reg.read("counter".getBytes(UTF_8)).map(b -> new String(b, UTF_8)));
            pool.close();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
