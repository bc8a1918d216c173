package org.vostok.rsvc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vostok.client.VostokClient;
import org.vostok.client.net.HostPort;
import org.vostok.client.proto.Hello;
import org.vostok.client.proto.PeerKind;
import org.vostok.client.proto.Request;
import org.vostok.client.proto.register.WriteRequest;
import org.vostok.client.register.RegisterClient;
import org.vostok.client.wire.FrameCodec;
import org.vostok.client.wire.FrameType;
import org.vostok.rdb.RdbConfig;
import org.vostok.rsvc.register.RegisterService;
import org.vostok.rsvc.testing.InProcessCluster;
import org.vostok.vos.PoolBackend;

/**
 * Bad bytes at a live node: random garbage, truncated frames, frames with a flipped bit, frames
 * claiming an oversized payload, and good frames of the wrong kind, each on its own connection
 * (the first bad frame closes a connection, so every one of them reaches the decoder). A
 * well-behaved client writes and reads throughout and must get correct answers; afterwards the
 * node's connections are all closed again and its memory is where it was.
 */
class ProtocolFuzzTest {

    private static final long SERVICE = 100;
    private static final int FRAMES = Integer.getInteger("vostok.fuzz.frames", 100_000);
    private static final int THREADS = 4;

    @TempDir
    Path dir;

    @Test
    void badFramesCloseTheirConnectionAndNothingElse() throws Exception {
        try (InProcessCluster cluster = new InProcessCluster(dir, 1, RdbConfig.defaults(), PoolBackend.WAL)) {
            cluster.createService(RegisterService.NAME, SERVICE);
            RsvcHost node = cluster.host(1);
            HostPort address = node.address();
            VostokClient client = cluster.client();
            RegisterClient reg = RegisterClient.of(client, SERVICE);
            reg.write("warm".getBytes(UTF_8), "up".getBytes(UTF_8));
            long heapBefore = usedHeapAfterGc();
            long directBefore = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();

            AtomicBoolean fuzzing = new AtomicBoolean(true);
            AtomicLong good = new AtomicLong();
            Thread wellBehaved = new Thread(() -> {
                int i = 0;
                while (fuzzing.get()) {
                    byte[] k = ("k" + (i % 50)).getBytes(UTF_8);
                    byte[] v = ("v" + i).getBytes(UTF_8);
                    reg.write(k, v);
                    assertArrayEquals(v, reg.read(k).orElseThrow());
                    good.incrementAndGet();
                    i++;
                }
            }, "well-behaved-client");
            List<Throwable> clientFailure = new ArrayList<>();
            wellBehaved.setUncaughtExceptionHandler((t, e) -> clientFailure.add(e));
            wellBehaved.start();

            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            List<Future<Long>> sent = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                long seed = 0xF022L + t;
                int frames = FRAMES / THREADS;
                sent.add(pool.submit(() -> fuzz(address, seed, frames)));
            }
            long total = 0;
            for (Future<Long> f : sent) {
                total += f.get(10, TimeUnit.MINUTES);
            }
            pool.shutdown();
            fuzzing.set(false);
            wellBehaved.join(60_000);
            assertTrue(clientFailure.isEmpty(), "the well-behaved client failed: " + clientFailure);
            assertTrue(good.get() > 0, "the well-behaved client got answers during the fuzzing");
            assertTrue(total >= FRAMES, "sent " + total + " bad frames");
            // Every bad frame that reached a decoder closed its connection (truncated frames and
            // silence are closed by the fuzzer itself).
            assertTrue(node.badFrames() >= FRAMES / 2, "bad frames counted: " + node.badFrames());

            // The node still answers, and what the fuzzing took is given back.
            reg.write("after".getBytes(UTF_8), "ok".getBytes(UTF_8));
            assertArrayEquals("ok".getBytes(UTF_8), reg.read("after".getBytes(UTF_8)).orElseThrow());
            // A fuzzer's connection still in the accept backlog may be counted for a moment after
            // the fuzzer closed it (it closes as soon as it is read): wait for the count to come
            // to exactly one and judge that reading, not a later one (which failed once, seeing a
            // late accept that the loop had not waited for).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int open = node.connections();
            while (open != 1 && System.nanoTime() < deadline) {
                Thread.sleep(50);
                open = node.connections();
            }
            assertEquals(1, open, "only the well-behaved client's connection stays open");
            long heapGrowth = usedHeapAfterGc() - heapBefore;
            long directGrowth = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory() - directBefore;
            System.out.printf("fuzz: %d bad frames, %d closed as bad, %d good operations meanwhile, heap %+d KiB,"
                    + " direct %+d KiB%n", total, node.badFrames(), good.get(), heapGrowth >> 10, directGrowth >> 10);
            assertTrue(heapGrowth < (64L << 20), "heap grew by " + heapGrowth + " bytes");
            assertTrue(directGrowth < (32L << 20), "direct memory grew by " + directGrowth + " bytes");
        }
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(20);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static byte[] bytes(ByteBuf b) {
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        b.release();
        return out;
    }

    private static byte[] hello() {
        return bytes(FrameCodec.frame(ByteBufAllocator.DEFAULT, FrameType.HELLO, 0, 0, Hello.newBuilder()
                .setVersionMin(1).setVersionMax(1).setClusterId(InProcessCluster.CLUSTER)
                .setPeerKind(PeerKind.PEER_KIND_CLIENT).setName("fuzzer").build()));
    }

    private static byte[] request(SplittableRandom r) {
        WriteRequest w = WriteRequest.newBuilder().setKey(com.google.protobuf.ByteString.copyFrom(new byte[] {
                (byte) ('a' + r.nextInt(26))})).setValue(com.google.protobuf.ByteString.copyFrom(new byte[r.nextInt(64)]))
                .build();
        return bytes(FrameCodec.frame(ByteBufAllocator.DEFAULT, FrameType.REQUEST, r.nextLong(), SERVICE,
                Request.newBuilder().setMethod(RegisterClient.WRITE).setBody(w.toByteString()).build()));
    }

    /** Sends {@code frames} bad frames, each on a new connection; returns how many were sent. */
    private static long fuzz(HostPort address, long seed, int frames) throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] hello = hello();
        long sent = 0;
        for (int i = 0; i < frames; i++) {
            byte[] bad;
            boolean handshake = r.nextBoolean();
            switch (i % 5) {
                case 0 -> { // random garbage
                    bad = new byte[1 + r.nextInt(256)];
                    r.nextBytes(bad);
                }
                case 1 -> { // a truncated frame: the node waits for the rest, then the connection closes
                    byte[] f = request(r);
                    bad = java.util.Arrays.copyOf(f, 1 + r.nextInt(f.length - 1));
                }
                case 2 -> { // one flipped bit
                    bad = request(r);
                    int at = r.nextInt(bad.length);
                    bad[at] ^= (byte) (1 << r.nextInt(8));
                }
                case 3 -> { // an oversized payload announced
                    bad = request(r);
                    ByteBuffer.wrap(bad).putInt(24, FrameCodec.PAYLOAD_BYTES_MAX_DEFAULT + 1 + r.nextInt(1 << 20));
                }
                default -> { // a good frame of a kind a node never takes, or a request before the handshake
                    handshake = r.nextBoolean();
                    bad = handshake ? bytes(FrameCodec.frame(ByteBufAllocator.DEFAULT, FrameType.REPLY, 1, SERVICE,
                            Request.getDefaultInstance())) : request(r);
                }
            }
            try (Socket s = new Socket()) {
                s.setSoLinger(true, 0);
                s.connect(new InetSocketAddress(address.host(), address.port()), 5_000);
                OutputStream out = s.getOutputStream();
                if (handshake) {
                    out.write(hello);
                }
                out.write(bad);
                out.flush();
            } catch (IOException e) {
                // The node may close first (a refused frame); that is the point.
            }
            sent++;
        }
        return sent;
    }
}
