package org.vostok.testing.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A server on 127.0.0.1 for the proxy's tests. In {@link Mode#ECHO} each connection gets a
 * thread that sends back what it reads; in {@link Mode#HAND_OVER} each accepted socket is handed
 * to the test ({@link #accepted(Duration)}), which then plays the server's side itself. Closing it
 * closes every socket it accepted and waits for its threads.
 */
final class LoopbackServer implements AutoCloseable {

    enum Mode { ECHO, HAND_OVER }

    private final ServerSocket listener;
    private final Mode mode;
    private final Thread acceptor;
    private final List<Socket> sockets = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final BlockingQueue<Socket> handedOver = new LinkedBlockingQueue<>();

    private LoopbackServer(Mode mode) throws IOException {
        this.mode = mode;
        this.listener = new ServerSocket(0, 64, InetAddress.getByName("127.0.0.1"));
        this.acceptor = new Thread(this::acceptLoop, "loopback-server-" + listener.getLocalPort());
        this.acceptor.setDaemon(true);
        this.acceptor.start();
    }

    static LoopbackServer echo() throws IOException {
        return new LoopbackServer(Mode.ECHO);
    }

    static LoopbackServer handOver() throws IOException {
        return new LoopbackServer(Mode.HAND_OVER);
    }

    InetSocketAddress address() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    /** The next socket accepted (hand-over mode), if one comes within {@code timeout}. */
    Optional<Socket> accepted(Duration timeout) throws InterruptedException {
        return Optional.ofNullable(handedOver.poll(timeout.toMillis(), TimeUnit.MILLISECONDS));
    }

    /** The next socket accepted; fails the test if none comes within 30 s. */
    Socket accepted() throws InterruptedException {
        return accepted(Duration.ofSeconds(30)).orElseThrow(() -> new AssertionError("no connection reached the server"));
    }

    /**
     * Stops listening: new connections are refused by the kernel from the moment this returns.
     * Accepted sockets stay.
     */
    void stopListening() throws IOException {
        listener.close();
        // The acceptor's accept call holds the listening socket until the close interrupts it:
        // only once that thread has ended is the port sure to refuse.
        try {
            acceptor.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while the loopback server stopped listening", e);
        }
        if (acceptor.isAlive()) {
            throw new AssertionError("the loopback server's acceptor did not end within 10 s of its listener closing");
        }
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                return;
            }
            synchronized (this) {
                sockets.add(socket);
                if (mode == Mode.HAND_OVER) {
                    handedOver.add(socket);
                } else {
                    Thread echo = new Thread(() -> echo(socket), "echo-" + socket.getPort());
                    echo.setDaemon(true);
                    threads.add(echo);
                    echo.start();
                }
            }
        }
    }

    private static void echo(Socket socket) {
        byte[] buffer = new byte[16 * 1024];
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
            }
        } catch (SocketException e) {
            // Reset or closed under it: the connection is over.
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        List<Thread> toJoin;
        synchronized (this) {
            for (Socket socket : sockets) {
                socket.close();
            }
            toJoin = new ArrayList<>(threads);
        }
        toJoin.add(acceptor);
        try {
            for (Thread thread : toJoin) {
                thread.join(10_000);
                if (thread.isAlive()) {
                    throw new AssertionError(thread.getName() + " did not end within 10 s of its sockets closing");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while closing the loopback server", e);
        }
    }
}
