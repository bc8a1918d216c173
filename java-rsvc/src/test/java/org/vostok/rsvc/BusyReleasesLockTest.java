package org.vostok.rsvc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vostok.client.CallOptions;
import org.vostok.client.ErrorCode;
import org.vostok.client.ReplicaAddress;
import org.vostok.client.ServiceClient;
import org.vostok.client.VostokClient;
import org.vostok.client.VostokException;
import org.vostok.client.net.HostPort;
import org.vostok.client.node.NodeClient;
import org.vostok.client.proto.node.CreateReplicaRequest;
import org.vostok.rdb.Tx;
import org.vostok.rdb.model.KvsPath;
import org.vostok.vos.Key;
import org.vostok.vos.KeyOrder;
import org.vostok.vos.PoolBackend;
import org.vostok.vos.VosProvider;

/**
 * An update answered BUSY because the handler queue was full lets go of its lock. Before, the
 * lock an update took before its handler was queued stayed taken when the queue refused the
 * handler: every later update of that key (of the whole service, for a service-wide lock) waited
 * for good. One node, one handler thread and a queue of one: a read that waits on a latch holds
 * the thread, a second fills the queue, an update of key k is refused BUSY; once the reads end,
 * an update of k must go through.
 */
class BusyReleasesLockTest {

    private static final String CLUSTER = "busy-lock";
    private static final long SERVICE = 7;
    private static final KvsPath ROOT = KvsPath.root();
    private static final CallOptions ONE_LONG_ATTEMPT = CallOptions.DEFAULTS.withAttemptsMax(1)
            .withAttemptTimeoutMillis(60_000).withDeadlineMillis(60_000);

    @TempDir
    Path dir;

    /** Holds the handler thread until released. */
    static final class Gate implements RsvcClass<Gate.Service> {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        record Service(org.vostok.rdb.Replica rdb) {
        }

        @Override
        public String name() {
            return "gate";
        }

        @Override
        public Service allocate(ServiceContext context) {
            return new Service(context.replica());
        }

        @Override
        public void bootstrap(Service service, Tx tx, ByteString arguments) {
            tx.createRoot(KeyOrder.LEXICAL);
        }

        @Override
        public StepUp stepUp(Service service, long term) {
            try (Tx tx = service.rdb().begin(term)) {
                return tx.kvsOrder(ROOT).isPresent() ? StepUp.UP : StepUp.UP_EMPTY;
            }
        }

        @Override
        public List<Method<Service, ?>> methods() {
            return List.of(
                    Method.read("hold", Empty::parseFrom, (s, ctx, q) -> {
                        entered.countDown();
                        assertTrue(release.await(60, TimeUnit.SECONDS), "the test releases the gate");
                        return Empty.getDefaultInstance();
                    }),
                    Method.updatePerKey("bump", Empty::parseFrom, q -> "k", (s, ctx, q) -> {
                        ctx.tx().update(ROOT, Key.of("k".getBytes(StandardCharsets.UTF_8)), new byte[] {1});
                        return Empty.getDefaultInstance();
                    }));
        }
    }

    @Test
    void anUpdateRefusedBusyLetsGoOfItsLock() throws Exception {
        Gate gate = new Gate();
        RsvcHostConfig config = RsvcHostConfig.builder(1, CLUSTER, new HostPort("127.0.0.1", 0), dir.resolve("node-1"))
                .backend(PoolBackend.WAL).poolBytes(64L << 20).peers(Map.of()).handlerThreads(1).handlerQueueMax(1)
                .build();
        try (RsvcHost host = RsvcHost.start(config, VosProvider.load(), List.of(gate));
             VostokClient client = VostokClient.builder(CLUSTER)
                     .replicas(List.of(new ReplicaAddress(0, host.address()))).build()) {
            host.learnAddress(1, host.address());
            NodeClient.of(client, host.address()).createReplica(CreateReplicaRequest.newBuilder().setClassName("gate")
                    .setServiceId(SERVICE).setReplicaId(1).addBootstrapVoters(1).build()).get(60, TimeUnit.SECONDS);
            ServiceClient service = client.service(SERVICE);
            service.call("bump", Empty.getDefaultInstance(), true).get(60, TimeUnit.SECONDS);

            CompletableFuture<?> running = service.call("hold", Empty.getDefaultInstance(), false, ONE_LONG_ATTEMPT);
            assertTrue(gate.entered.await(60, TimeUnit.SECONDS), "the first read holds the handler thread");
            // One connection's requests are dispatched in order: the second read fills the
            // queue before the update asks for a place in it.
            CompletableFuture<?> queued = service.call("hold", Empty.getDefaultInstance(), false, ONE_LONG_ATTEMPT);
            CompletableFuture<?> refused = service.call("bump", Empty.getDefaultInstance(), true, ONE_LONG_ATTEMPT);
            ExecutionException e = assertThrows(ExecutionException.class, () -> refused.get(60, TimeUnit.SECONDS));
            VostokException busy = assertInstanceOf(VostokException.class, e.getCause());
            assertEquals(ErrorCode.BUSY, busy.code(), busy.toString());

            gate.release.countDown();
            running.get(60, TimeUnit.SECONDS);
            queued.get(60, TimeUnit.SECONDS);
            // Before, this waited for key k's lock until its deadline.
            service.call("bump", Empty.getDefaultInstance(), true, ONE_LONG_ATTEMPT.withDeadlineMillis(30_000)
                    .withAttemptTimeoutMillis(30_000)).get(60, TimeUnit.SECONDS);
        }
    }
}
