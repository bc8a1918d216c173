package org.vostok.testing.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vostok.testing.net.Sockets.assertAcceptedThenReset;
import static org.vostok.testing.net.Sockets.assertEndOfStream;
import static org.vostok.testing.net.Sockets.assertQuiet;
import static org.vostok.testing.net.Sockets.assertReceives;
import static org.vostok.testing.net.Sockets.assertReset;
import static org.vostok.testing.net.Sockets.connect;
import static org.vostok.testing.net.Sockets.readExactly;
import static org.vostok.testing.net.Sockets.send;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FaultProxyTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void bytesCrossBothWaysUnchangedAndAreCounted() throws Exception {
        byte[] data = new byte[1 << 20];
        new Random(7).nextBytes(data);
        try (LoopbackServer server = LoopbackServer.echo();
             FaultProxy proxy = FaultProxy.start("echo", server.address());
             Socket client = connect(proxy.address())) {
            // Written from one thread and read from another: 1 MiB does not fit in the socket
            // buffers and the proxy's queues, so writing it all before reading would deadlock.
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    OutputStream out = client.getOutputStream();
                    for (int offset = 0; offset < data.length; offset += 10_000) {
                        out.write(data, offset, Math.min(10_000, data.length - offset));
                    }
                    client.shutdownOutput();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertArrayEquals(data, readExactly(client, data.length));
            writer.get(30, TimeUnit.SECONDS);
            // The echo server closes when it sees the client's end; the proxy passes that on.
            assertEndOfStream(client);
            ProxyCounters counters = proxy.awaitCounters("the connection closed", c -> c.connectionsActive() == 0, WAIT);
            assertEquals(1, counters.connectionsAccepted());
            assertEquals(data.length, counters.bytesClientToServer());
            assertEquals(data.length, counters.bytesServerToClient());
            assertEquals(0, counters.connectionsReset());
            assertEquals("healed", proxy.faults());
        }
    }

    @Test
    void aStallCutHoldsEverythingBothWaysAndTheHealDeliversItInOrder() throws Exception {
        try (LoopbackServer server = LoopbackServer.handOver();
             FaultProxy proxy = FaultProxy.start("stall", server.address());
             Socket client = connect(proxy.address());
             Socket serverSide = server.accepted()) {
            send(client, "before ");
            assertReceives(serverSide, "before ");

            proxy.cut();
            send(client, "held one way, ");
            send(serverSide, "held the other way");
            assertQuiet(serverSide);
            assertQuiet(client);
            // A new connection completes in the kernel's backlog but is not accepted, so it
            // reaches nobody.
            try (Socket late = connect(proxy.address())) {
                send(late, "late");
                assertTrue(server.accepted(Duration.ofMillis(Sockets.QUIET_MILLIS)).isEmpty());
                assertEquals(1, proxy.counters().connectionsAccepted());

                proxy.heal();
                assertReceives(serverSide, "held one way, ");
                assertReceives(client, "held the other way");
                Socket lateServerSide = server.accepted();
                assertReceives(lateServerSide, "late");
                send(lateServerSide, "and back");
                assertReceives(late, "and back");
            }
            assertEquals(2, proxy.counters().connectionsAccepted());
            assertEquals(0, proxy.counters().connectionsReset());
        }
    }

    @Test
    void aRefuseCutResetsOpenConnectionsAndRefusesNewOnesUntilTheHeal() throws Exception {
        try (LoopbackServer server = LoopbackServer.handOver();
             FaultProxy proxy = FaultProxy.start("refuse", server.address());
             Socket client = connect(proxy.address());
             Socket serverSide = server.accepted()) {
            proxy.cut(Cut.REFUSE);
            assertReset(client);
            assertReset(serverSide);
            assertThrows(ConnectException.class, () -> connect(proxy.address()));
            assertEquals(1, proxy.counters().connectionsReset());

            proxy.heal();
            try (Socket again = connect(proxy.address()); Socket againServerSide = server.accepted()) {
                send(again, "on the same port");
                assertReceives(againServerSide, "on the same port");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Direction.class)
    void aOneWayHoldStopsOneDirectionWhileTheOtherFlows(Direction cut) throws Exception {
        try (LoopbackServer server = LoopbackServer.handOver();
             FaultProxy proxy = FaultProxy.start("one-way", server.address());
             Socket client = connect(proxy.address());
             Socket serverSide = server.accepted()) {
            Socket sender = cut == Direction.CLIENT_TO_SERVER ? client : serverSide;
            Socket receiver = cut == Direction.CLIENT_TO_SERVER ? serverSide : client;

            proxy.cut(cut, OneWay.HOLD);
            send(sender, "first ");
            send(sender, "second");
            send(receiver, "the other way flows");
            assertReceives(sender, "the other way flows");
            assertQuiet(receiver);
            assertEquals(0, proxy.counters().bytes(cut));

            proxy.heal();
            assertReceives(receiver, "first second");
            proxy.awaitCounters("12 bytes counted " + cut, c -> c.bytes(cut) == 12, WAIT);
        }
    }

    @Test
    void aOneWayDiscardThrowsTheBytesAwayAndCountsThem() throws Exception {
        try (LoopbackServer server = LoopbackServer.handOver();
             FaultProxy proxy = FaultProxy.start("discard", server.address());
             Socket client = connect(proxy.address());
             Socket serverSide = server.accepted()) {
            proxy.cut(Direction.CLIENT_TO_SERVER, OneWay.DISCARD);
            send(client, "lost");
            proxy.awaitCounters("the bytes were discarded", c -> c.bytesDiscardedClientToServer() == 4, WAIT);
            send(serverSide, "still heard");
            assertReceives(client, "still heard");

            proxy.heal();
            send(client, "after");
            assertReceives(serverSide, "after");
            proxy.awaitCounters("5 bytes counted", c -> c.bytesClientToServer() == 5, WAIT);
        }
    }

    @Test
    void aFixedDelayHoldsEachChunkAtLeastThatLong() throws Exception {
        try (LoopbackServer server = LoopbackServer.echo();
             FaultProxy proxy = FaultProxy.start("delay", server.address());
             Socket client = connect(proxy.address())) {
            proxy.delay(Delay.fixed(100));
            long start = System.nanoTime();
            send(client, "x");
            assertReceives(client, "x");
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            // A lower bound only: the chunk is delayed once each way.
            assertTrue(elapsedMillis >= 200, "a round trip through two 100 ms delays took " + elapsedMillis + " ms");
        }
    }

    @Test
    void aJitteredDelayKeepsTheOrderWithinAConnection() throws Exception {
        try (LoopbackServer server = LoopbackServer.echo();
             FaultProxy proxy = FaultProxy.start(ProxyOptions.defaults("jitter").withSeed(99), server.address());
             Socket client = connect(proxy.address())) {
            proxy.delay(Direction.CLIENT_TO_SERVER, Delay.between(0, 20));
            ByteArrayOutputStream sent = new ByteArrayOutputStream();
            for (int i = 0; i < 200; i++) {
                // Separate writes with TCP_NODELAY: mostly separate chunks, each with its own draw.
                byte[] message = ("<" + i + ">").getBytes(StandardCharsets.UTF_8);
                client.getOutputStream().write(message);
                sent.write(message);
                if (i % 20 == 0) {
                    Thread.sleep(1);
                }
            }
            assertEquals(sent.toString(StandardCharsets.UTF_8),
                    new String(readExactly(client, sent.size()), StandardCharsets.UTF_8));
        }
    }

    @Test
    void resetConnectionsGivesBothPeersAResetAndNewConnectionsStillWork() throws Exception {
        try (LoopbackServer server = LoopbackServer.handOver();
             FaultProxy proxy = FaultProxy.start("drop", server.address());
             Socket client = connect(proxy.address());
             Socket serverSide = server.accepted()) {
            send(client, "hello");
            assertReceives(serverSide, "hello");

            assertEquals(1, proxy.resetConnections());
            assertReset(client);
            assertReset(serverSide);
            assertEquals(1, proxy.counters().connectionsReset());
            assertEquals(0, proxy.counters().connectionsActive());

            try (Socket again = connect(proxy.address()); Socket againServerSide = server.accepted()) {
                send(again, "again");
                assertReceives(againServerSide, "again");
            }
        }
    }

    @Test
    void aResetProbabilityResetsConnectionsAsTheyCarryBytes() throws Exception {
        try (LoopbackServer server = LoopbackServer.echo();
             FaultProxy proxy = FaultProxy.start("noise", server.address())) {
            proxy.resetProbability(0.9);
            int resets = 0;
            for (int i = 0; i < 20; i++) {
                try (Socket client = connect(proxy.address())) {
                    send(client, "x");
                    try {
                        int read = client.getInputStream().read();
                        assertTrue(read == 'x' || read == -1, "read " + read);
                    } catch (java.net.SocketException e) {
                        resets++;
                    }
                }
            }
            assertTrue(resets > 0, "20 connections at probability 0.9 and none was reset");
            assertTrue(proxy.counters().connectionsReset() >= resets, proxy.counters().toString());
            proxy.heal();
            try (Socket client = connect(proxy.address())) {
                send(client, "calm");
                assertReceives(client, "calm");
            }
        }
    }

    @Test
    void manyConnectionsAtOnceEachGetTheirOwnBytes() throws Exception {
        int count = 64;
        try (LoopbackServer server = LoopbackServer.echo();
             FaultProxy proxy = FaultProxy.start("many", server.address())) {
            List<Socket> clients = new ArrayList<>();
            try {
                for (int i = 0; i < count; i++) {
                    clients.add(connect(proxy.address()));
                }
                for (int i = 0; i < count; i++) {
                    send(clients.get(i), "connection " + i + ";");
                }
                for (int i = 0; i < count; i++) {
                    assertReceives(clients.get(i), "connection " + i + ";");
                }
                ProxyCounters counters = proxy.counters();
                assertEquals(count, counters.connectionsAccepted());
                assertEquals(count, counters.connectionsActive());
            } finally {
                for (Socket client : clients) {
                    client.close();
                }
            }
            proxy.awaitCounters("every connection closed", c -> c.connectionsActive() == 0, WAIT);
        }
    }

    @Test
    void oneConnectionOverTheLimitIsResetAtOnce() throws Exception {
        try (LoopbackServer server = LoopbackServer.echo();
             FaultProxy proxy = FaultProxy.start(ProxyOptions.defaults("limit").withConnectionsMax(2), server.address());
             Socket first = connect(proxy.address());
             Socket second = connect(proxy.address())) {
            proxy.awaitCounters("two connections open", c -> c.connectionsActive() == 2, WAIT);
            assertAcceptedThenReset(proxy.address());
            send(first, "1");
            send(second, "2");
            assertReceives(first, "1");
            assertReceives(second, "2");
            assertEquals(1, proxy.counters().connectionsRefused());
            assertEquals(2, proxy.counters().connectionsActive());
        }
    }

    @Test
    void aBoundedQueueStopsReadingInsteadOfGrowing() throws Exception {
        int queued = 4096;
        try (LoopbackServer server = LoopbackServer.handOver();
             FaultProxy proxy = FaultProxy.start(ProxyOptions.defaults("bounded").withQueuedBytesMax(queued),
                     server.address());
             Socket client = connect(proxy.address());
             Socket serverSide = server.accepted()) {
            proxy.cut(Direction.CLIENT_TO_SERVER, OneWay.HOLD);
            // Far more than the proxy may hold: the rest waits in the kernel, and once the socket
            // buffers are full the writer blocks (on its own thread, so the test can go on). 64 MiB
            // is more than loopback's socket buffers grow to (4 MiB to send, 32 MiB to receive).
            byte[] data = new byte[64 << 20];
            new Random(3).nextBytes(data);
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    client.getOutputStream().write(data);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertQuiet(serverSide);
            assertFalse(writer.isDone(), "64 MiB fit in the socket buffers and the proxy: its bound did not hold");
            proxy.heal();
            assertArrayEquals(data, readExactly(serverSide, data.length));
            writer.get(30, TimeUnit.SECONDS);
        }
    }

    /**
     * Without the proxy, a client whose server process died is refused when it reconnects; the
     * proxy must not turn that into "accepted, then reset", which tells a peer the process still
     * runs.
     */
    @Test
    void aTargetThatIsGoneIsRefusedThroughTheProxyAndAcceptedAgainWhenItIsBack() throws Exception {
        LoopbackServer server = LoopbackServer.handOver();
        int port = server.address().getPort();
        try (FaultProxy proxy = FaultProxy.start("mirror", server.address());
             Socket client = connect(proxy.address())) {
            Socket serverSide = server.accepted();
            // The process dies: its listener goes, and the kernel resets its connections.
            server.stopListening();
            serverSide.setSoLinger(true, 0);
            serverSide.close();
            assertReset(client);
            assertThrows(ConnectException.class, () -> connect(proxy.address()),
                    () -> "target down: " + proxy.targetDown() + ", " + proxy.counters());
            assertTrue(proxy.targetDown());

            // Restarted on the same port: the proxy finds it by itself.
            try (ServerSocket again = new ServerSocket()) {
                again.setReuseAddress(true);
                again.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
                try (Socket reconnected = awaitConnect(proxy.address())) {
                    send(reconnected, "back");
                    try (Socket againServerSide = acceptSaying(again, "back")) {
                        send(againServerSide, "welcome");
                        assertReceives(reconnected, "welcome");
                    }
                }
            }
        } finally {
            server.close();
        }
    }

    @Test
    void anOrderlyCloseByAServerThatIsGoneIsAlsoFollowedByRefusals() throws Exception {
        LoopbackServer server = LoopbackServer.handOver();
        try (FaultProxy proxy = FaultProxy.start("mirror-fin", server.address());
             Socket client = connect(proxy.address())) {
            Socket serverSide = server.accepted();
            // A killed process whose sockets hold no unread bytes sends FIN, not RST.
            server.stopListening();
            serverSide.close();
            assertEndOfStream(client);
            assertThrows(ConnectException.class, () -> connect(proxy.address()));
        } finally {
            server.close();
        }
    }

    @Test
    void withoutMirroringAGoneTargetIsSeenAsAcceptedThenReset() throws Exception {
        LoopbackServer server = LoopbackServer.handOver();
        InetSocketAddress address = server.address();
        server.close();
        try (FaultProxy proxy = FaultProxy.start(ProxyOptions.defaults("plain").withMirrorTargetDown(false), address)) {
            assertAcceptedThenReset(proxy.address());
            assertAcceptedThenReset(proxy.address());
            proxy.awaitCounters("two connections refused by the target", c -> c.connectionsRefused() == 2, WAIT);
            assertFalse(proxy.targetDown());
        }
    }

    @Test
    void withoutATargetItRefusesAndOnceGivenOneItForwards() throws Exception {
        try (LoopbackServer server = LoopbackServer.handOver();
             FaultProxy proxy = FaultProxy.startWithoutTarget(ProxyOptions.defaults("later"))) {
            assertTrue(proxy.target().isEmpty());
            assertThrows(ConnectException.class, () -> connect(proxy.address()));
            proxy.target(server.address());
            try (Socket client = connect(proxy.address()); Socket serverSide = server.accepted()) {
                send(client, "now");
                assertReceives(serverSide, "now");
            }
        }
    }

    @Test
    void closeLeavesNoThreadNoSocketAndNoListener() throws Exception {
        long socketsBefore;
        InetSocketAddress address;
        try (LoopbackServer server = LoopbackServer.echo()) {
            socketsBefore = Sockets.openSockets();
            FaultProxy proxy = FaultProxy.start("closing", server.address());
            address = proxy.address();
            List<Socket> clients = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                clients.add(connect(address));
            }
            send(clients.get(0), "ping");
            assertReceives(clients.get(0), "ping");
            proxy.delay(Delay.fixed(10_000));
            send(clients.get(1), "delayed when the proxy closes");
            proxy.cut();
            assertTrue(threadAlive("fault-proxy-closing"));

            proxy.close();
            assertFalse(threadAlive("fault-proxy-closing"), "the proxy's thread outlived close");
            for (Socket client : clients) {
                assertReset(client);
                client.close();
            }
            assertThrows(ConnectException.class, () -> connect(address));
            assertThrows(IllegalStateException.class, proxy::heal);
        }
        // The echo server's sockets are closed too: back to what the JVM held before the server.
        awaitSockets(socketsBefore - 1);
    }

    @Test
    void optionsAndAddressesOffLoopbackAreRefused() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ProxyOptions.defaults("x").withBindAddress(InetAddress.getByName("0.0.0.0")));
        assertTrue(e.getMessage().contains("127.0.0.0/8"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> FaultProxy.start("x", new InetSocketAddress(InetAddress.getByName("10.1.2.3"), 80)));
        assertTrue(e.getMessage().contains("127.0.0.0/8"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ProxyOptions.defaults("x").withConnectionsMax(0));
        assertTrue(e.getMessage().contains("connectionsMax"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Delay.between(5, 4));
        assertTrue(e.getMessage().contains("0 <= min <= max"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Delay.fixed(Delay.MILLIS_MAX + 1));
        try (FaultProxy proxy = FaultProxy.startWithoutTarget(ProxyOptions.defaults("x")
                .withBindAddress(InetAddress.getByName("127.0.0.2")))) {
            assertEquals("127.0.0.2", proxy.address().getAddress().getHostAddress());
            assertThrows(IllegalArgumentException.class, () -> proxy.resetProbability(1.0));
        }
    }

    private static Socket awaitConnect(InetSocketAddress address) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try {
                return connect(address);
            } catch (ConnectException e) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("the proxy kept refusing after its target came back", e);
                }
                Thread.sleep(5);
            }
        }
    }

    /**
     * The next connection {@code server} accepts that carries bytes: the proxy's probe, which
     * found the server back, comes first and closes without a byte.
     */
    private static Socket acceptSaying(ServerSocket server, String expected) throws IOException {
        server.setSoTimeout(Sockets.ARRIVE_MILLIS);
        for (int probes = 0; probes < 10; probes++) {
            Socket socket = server.accept();
            socket.setSoTimeout(Sockets.ARRIVE_MILLIS);
            int first = socket.getInputStream().read();
            if (first >= 0) {
                byte[] rest = socket.getInputStream().readNBytes(expected.length() - 1);
                assertEquals(expected, (char) first + new String(rest, StandardCharsets.UTF_8));
                return socket;
            }
            socket.close();
        }
        throw new AssertionError("ten connections in a row closed without a byte");
    }

    private static boolean threadAlive(String name) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name) && t.isAlive());
    }

    private static void awaitSockets(long expected) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        long now;
        while ((now = Sockets.openSockets()) > expected) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("the JVM holds " + now + " sockets, expected " + expected);
            }
            Thread.sleep(10);
        }
    }
}
