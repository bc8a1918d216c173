package org.vostok.server.bench;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.vostok.client.CallOptions;
import org.vostok.client.ServiceClient;
import org.vostok.client.proto.Reply;
import org.vostok.client.proto.register.ReadReply;
import org.vostok.client.proto.register.ReadRequest;
import org.vostok.client.proto.register.WriteRequest;
import org.vostok.client.register.RegisterClient;

/**
 * The register service's requests as the benchmark sends them: writes of one value of
 * {@code valueBytes} (random bytes, the same for every write, as the peers' benchmark) under one
 * of {@code keys} keys, and linearizable reads of keys written before. The requests are built
 * from prepared keys and value, so the client's own cost per call is the protocol's, not the
 * benchmark's. Every completion goes to the {@link Timeline}; every success tells the
 * {@link LeaderLog} the leader and term its replier knew.
 */
final class RegisterLoad {

    /** Mixes write numbers into keys, so consecutive writes land far apart (as the peers' benchmark). */
    private static final long KEY_MIX = 0x9E3779B97F4A7C15L;

    private final ServiceClient service;
    private final CallOptions options;
    private final ByteString value;
    private final ByteString[] keys;
    private final Timeline timeline;
    private final LeaderLog leaders;
    /** The number of the last write issued: writes 1 .. {@code writes} chose their keys by it. */
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong readMisses = new AtomicLong();

    RegisterLoad(ServiceClient service, CallOptions options, int keyCount, int valueBytes, Timeline timeline,
                 LeaderLog leaders) {
        this.service = service;
        this.options = options;
        byte[] v = new byte[valueBytes];
        new SplittableRandom(42).nextBytes(v);
        this.value = ByteString.copyFrom(v);
        this.keys = new ByteString[keyCount];
        for (int k = 0; k < keyCount; k++) {
            keys[k] = ByteString.copyFrom("key-" + k, StandardCharsets.UTF_8);
        }
        this.timeline = timeline;
        this.leaders = leaders;
    }

    private ByteString keyOf(long write) {
        return keys[(int) Math.floorMod(write * KEY_MIX, (long) keys.length)];
    }

    /** Calls the operation once; the future completes with the successful reply, or fails. */
    CompletableFuture<Reply> call(Operation op) {
        return call(op, options);
    }

    CompletableFuture<Reply> call(Operation op, CallOptions o) {
        CompletableFuture<Reply> f = switch (op) {
            case WRITE -> service.call(RegisterClient.WRITE, WriteRequest.newBuilder()
                    .setKey(keyOf(writes.incrementAndGet())).setValue(value).build(), true, o);
            case READ -> {
                long written = writes.get();
                // A key some earlier write chose, so that reads find values (the first reads of an
                // empty register read key-0, absent: a read of nothing is as linearizable).
                long w = written == 0 ? 0 : 1 + ThreadLocalRandom.current().nextLong(written);
                yield service.call(RegisterClient.READ, ReadRequest.newBuilder().setKey(keyOf(w)).build(), false, o);
            }
        };
        return f.whenComplete((reply, error) -> {
            timeline.completed(System.nanoTime(), error == null);
            if (error == null) {
                // The hint's pair, not the replier's id: a reply built just after its replier
                // stepped down carries the newer term and the leader the replier knows in it.
                leaders.observe(reply.getHint().getTerm(), reply.getHint().getNodeId(),
                        "a reply from node " + reply.getNodeId());
                if (op == Operation.READ && !found(reply)) {
                    readMisses.incrementAndGet();
                }
            }
        });
    }

    private static boolean found(Reply reply) {
        try {
            return ReadReply.parseFrom(reply.getBody()).getFound();
        } catch (InvalidProtocolBufferException e) {
            return false;
        }
    }

    /** Writes issued so far. */
    long writes() {
        return writes.get();
    }

    /** Reads that found no value (their key's write had not succeeded): zero in a healthy run. */
    long readMisses() {
        return readMisses.get();
    }

    ServiceClient service() {
        return service;
    }
}
