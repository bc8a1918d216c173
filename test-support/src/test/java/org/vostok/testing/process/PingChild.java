package org.vostok.testing.process;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The child JVM of the harness's tests: listens on 127.0.0.1, says it is ready with its port and
 * PID, and answers each line "ping" with "pong <n>". Its flags make it misbehave on purpose:
 * {@code --fail-before-ready} ends with status 3 after a complaint on stderr,
 * {@code --never-ready} prints a line and waits for ever, {@code --ready-file <path>} writes
 * the ready line to a file instead of stdout, {@code --parent-watch} ends it when its parent
 * does. Its standard output is its protocol with the harness, so it prints there.
 */
public final class PingChild {

    private PingChild() {
    }

    public static void main(String[] args) throws Exception {
        List<String> flags = List.of(args);
        long pid = ProcessHandle.current().pid();
        if (flags.contains("--parent-watch")) {
            ParentWatch.exitWhenParentDies();
        }
        if (flags.contains("--fail-before-ready")) {
            System.out.println("opening the pool");
            System.err.println("cannot open the pool: no space left on device");
            System.exit(3);
        }
        if (flags.contains("--never-ready")) {
            System.out.println("still warming up, pid=" + pid);
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        String ready = "ready port=" + server.getLocalPort() + " pid=" + pid;
        int file = flags.indexOf("--ready-file");
        if (file >= 0) {
            // Written whole, then renamed: the harness never sees half a line.
            Path path = Path.of(flags.get(file + 1));
            Path partial = path.resolveSibling(path.getFileName() + ".partial");
            Files.writeString(partial, ready + "\n", StandardCharsets.UTF_8);
            Files.move(partial, path, StandardCopyOption.ATOMIC_MOVE);
        } else {
            System.out.println(ready);
            System.out.flush();
        }
        AtomicLong pongs = new AtomicLong();
        while (true) {
            Socket socket = server.accept();
            Thread connection = new Thread(() -> serve(socket, pongs), "ping-" + socket.getPort());
            connection.setDaemon(true);
            connection.start();
        }
    }

    private static void serve(Socket socket, AtomicLong pongs) {
        try (socket;
             BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
             PrintWriter out = new PrintWriter(socket.getOutputStream(), true, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.equals("ping")) {
                    out.println("pong " + pongs.incrementAndGet());
                } else if (line.startsWith("exit ")) {
                    System.exit(Integer.parseInt(line.substring(5)));
                }
            }
        } catch (IOException e) {
            // The test hung up: the connection is over.
        }
    }
}
