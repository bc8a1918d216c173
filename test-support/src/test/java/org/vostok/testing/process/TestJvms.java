package org.vostok.testing.process;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/** Helpers shared by the harness's tests and their child main classes. */
final class TestJvms {

    /** Generous: JVMs start slowly on a machine shared with other builds. */
    static final Duration WAIT = Duration.ofSeconds(60);

    private TestJvms() {
    }

    /** Small, quick-starting child JVMs: the tests start more than a dozen. */
    static JvmSpec fast(JvmSpec spec) {
        return spec.withJvmOptions("-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto");
    }

    /** Whether the process {@code pid} has ended (a zombie waiting for its parent counts as ended). */
    static boolean gone(ProcessHandle process) {
        if (!process.isAlive()) {
            return true;
        }
        Optional<Character> state = Signals.state(process.pid());
        return state.isEmpty() || state.get() == 'Z' || state.get() == 'X';
    }

    /** Waits until {@code process} has ended; fails the test if it has not within {@link #WAIT}. */
    static void awaitGone(ProcessHandle process, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!gone(process)) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(what + ": process " + process.pid() + " still runs after " + WAIT);
            }
            Thread.sleep(10);
        }
    }

    /** A connection to a {@link PingChild}. */
    static final class Pinger implements AutoCloseable {
        private final Socket socket;
        private final PrintWriter out;

        Pinger(int port) throws IOException {
            socket = new Socket();
            socket.connect(new InetSocketAddress("127.0.0.1", port), 30_000);
            socket.setSoTimeout(30_000);
            out = new PrintWriter(socket.getOutputStream(), true, StandardCharsets.UTF_8);
        }

        void sendPing() {
            out.println("ping");
        }

        /** The next line the child sends, or what stopped it: "timeout" or "end". */
        String reply(Duration timeout) throws IOException {
            socket.setSoTimeout((int) timeout.toMillis());
            StringBuilder line = new StringBuilder();
            try {
                int c;
                while ((c = socket.getInputStream().read()) != '\n') {
                    if (c < 0) {
                        return "end";
                    }
                    line.append((char) c);
                }
                return line.toString();
            } catch (java.net.SocketTimeoutException e) {
                return "timeout";
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
