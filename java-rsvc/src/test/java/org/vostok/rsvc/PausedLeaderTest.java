package org.vostok.rsvc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.google.protobuf.ByteString;
import io.netty.channel.EventLoopGroup;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vostok.client.CallOptions;
import org.vostok.client.VostokClient;
import org.vostok.client.net.ClientConnection;
import org.vostok.client.net.ConnectionPool;
import org.vostok.client.net.Connector;
import org.vostok.client.net.NettyIo;
import org.vostok.client.proto.Hello;
import org.vostok.client.proto.PeerKind;
import org.vostok.client.proto.Reply;
import org.vostok.client.proto.Request;
import org.vostok.client.proto.register.ReadReply;
import org.vostok.client.proto.register.ReadRequest;
import org.vostok.client.register.RegisterClient;
import org.vostok.client.wire.FrameCodec;
import org.vostok.rsvc.testing.InProcessCluster;
import org.vostok.rsvc.testing.ProcessNodes;

/**
 * A leader process paused with SIGSTOP (as by a GC pause or a stalled VM) while reads queue at
 * it and the others elect a new leader and commit; lease reads on. When it resumes it must not
 * answer a read from its state before the new leader's write.
 */
class PausedLeaderTest {

    @TempDir
    Path dir;

    /**
     * What went wrong before the lease was measured on a monotonic clock: a leader paused
     * longer than the election timeout resumed with its lease still counted as held (its ticks
     * had not advanced), and answered the reads queued during the pause from the state before
     * the new leader's writes.
     */
    @Test
    void aLeaderPausedPastItsLeaseAnswersNoStaleReadWhenItResumes() throws Exception {
        EventLoopGroup group = NettyIo.newGroup(1, "paused-leader");
        try (ProcessNodes nodes = new ProcessNodes(dir, 3, true)) {
            VostokClient client = nodes.client(CallOptions.DEFAULTS.withDeadlineMillis(60_000));
            RegisterClient reg = RegisterClient.of(client, ProcessNodes.SERVICE);
            byte[] key = "k".getBytes(UTF_8);
            reg.write(key, "old".getBytes(UTF_8));
            long leader = nodes.leader(client).orElseThrow();

            Hello hello = Hello.newBuilder().setVersionMin(1).setVersionMax(1).setClusterId(InProcessCluster.CLUSTER)
                    .setPeerKind(PeerKind.PEER_KIND_CLIENT).setName("direct").build();
            ConnectionPool pool = new ConnectionPool(new Connector(group, FrameCodec.PAYLOAD_BYTES_MAX_DEFAULT, 2_000),
                    hello, 1024, 10, 100);
            ClientConnection direct = pool.get(nodes.address(leader)).get(10, TimeUnit.SECONDS);
            Request read = Request.newBuilder().setMethod(RegisterClient.READ).setTimeoutMs(30_000)
                    .setBody(ReadRequest.newBuilder().setKey(ByteString.copyFrom(key)).build().toByteString()).build();

            nodes.processes().pause(leader);
            List<CompletableFuture<Reply>> queued = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                queued.add(direct.call(ProcessNodes.SERVICE, read, 60_000));
            }
            // The others elect a new leader and commit a new value while the old one is paused.
            reg.write(key, "new".getBytes(UTF_8));
            long next = reg.service().leader().orElseThrow().nodeId();
            assertNotEquals(leader, next);
            for (int i = 0; i < 20; i++) {
                queued.add(direct.call(ProcessNodes.SERVICE, read, 60_000));
            }
            nodes.processes().resume(leader);
            for (int i = 0; i < 20; i++) {
                queued.add(direct.call(ProcessNodes.SERVICE, read, 60_000));
            }
            int refused = 0;
            for (CompletableFuture<Reply> f : queued) {
                Reply r = f.get(90, TimeUnit.SECONDS);
                if (r.getErrorCode() != 0) {
                    refused++;
                    continue;
                }
                ReadReply value = ReadReply.parseFrom(r.getBody());
                assertEquals("new", value.getValue().toStringUtf8(),
                        "a read answered by the resumed old leader returned the state before the new leader's write");
            }
            System.out.println("paused leader: " + refused + " of " + queued.size() + " reads refused, the rest new");
            pool.close();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
