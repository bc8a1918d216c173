package org.vostok.testing.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Blocking-socket helpers for the proxy's tests. */
final class Sockets {

    /**
     * How long a test listens to be sure that nothing arrives. A negative check has to wait: if
     * the fault did not hold, the bytes would arrive within a millisecond on loopback, so this can
     * only err towards passing on a machine stalled for longer, never towards failing.
     */
    static final int QUIET_MILLIS = 300;
    /** The read timeout for bytes that must arrive: generous, the machine is shared. */
    static final int ARRIVE_MILLIS = 30_000;

    private Sockets() {
    }

    static Socket connect(InetSocketAddress address) throws IOException {
        Socket socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(address, ARRIVE_MILLIS);
        socket.setSoTimeout(ARRIVE_MILLIS);
        return socket;
    }

    static void send(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
    }

    static byte[] readExactly(Socket socket, int length) throws IOException {
        byte[] bytes = socket.getInputStream().readNBytes(length);
        assertEquals(length, bytes.length, "the stream ended after " + bytes.length + " of " + length + " bytes");
        return bytes;
    }

    static String receive(Socket socket, int length) throws IOException {
        return new String(readExactly(socket, length), StandardCharsets.UTF_8);
    }

    static void assertReceives(Socket socket, String expected) throws IOException {
        assertArrayEquals(expected.getBytes(StandardCharsets.UTF_8),
                readExactly(socket, expected.getBytes(StandardCharsets.UTF_8).length));
    }

    /** Nothing arrives on {@code socket} for {@link #QUIET_MILLIS}. */
    static void assertQuiet(Socket socket) throws IOException {
        socket.setSoTimeout(QUIET_MILLIS);
        try {
            InputStream in = socket.getInputStream();
            assertThrows(SocketTimeoutException.class, in::read, "bytes crossed a link that should hold them");
        } finally {
            socket.setSoTimeout(ARRIVE_MILLIS);
        }
    }

    /** The peer reset the connection: a read fails with "Connection reset". */
    static void assertReset(Socket socket) {
        SocketException e = assertThrows(SocketException.class, () -> {
            // A reset may be preceded by bytes already in flight; read until it shows.
            while (socket.getInputStream().read() >= 0) {
                // Drains what arrived before the reset.
            }
        }, "expected the peer's reset, got an orderly end of stream");
        assertTrue(e.getMessage().contains("reset"), e.toString());
    }

    /**
     * A connection to {@code address} is accepted, then reset: the reset may come before the
     * connecting thread has seen its connect complete (it then fails with the reset) or after
     * (a read shows it).
     */
    static void assertAcceptedThenReset(InetSocketAddress address) throws IOException {
        Socket socket;
        try {
            socket = connect(address);
        } catch (java.net.ConnectException e) {
            throw new AssertionError("the connection was refused, not accepted then reset", e);
        } catch (SocketException e) {
            assertTrue(e.getMessage().contains("reset"), e.toString());
            return;
        }
        try (socket) {
            assertReset(socket);
        }
    }

    /** The peer closed in order: a read returns the end of the stream. */
    static void assertEndOfStream(Socket socket) throws IOException {
        assertEquals(-1, socket.getInputStream().read());
    }

    /** Sockets this JVM holds open, as /proc/self/fd shows. */
    static long openSockets() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().startsWith("socket:");
                } catch (IOException e) {
                    return false; // Closed while listed.
                }
            }).count();
        }
    }
}
