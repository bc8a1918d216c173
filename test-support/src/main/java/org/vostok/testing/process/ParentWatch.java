package org.vostok.testing.process;

import java.io.IOException;
import java.io.InputStream;

/**
 * For the main class of a child process started by {@link ChildProcess}: ends the child when the
 * JVM that started it is gone, even if that JVM was killed by SIGKILL and ran no shutdown hook.
 * The harness keeps the child's standard input open and never writes to it; the kernel closes it
 * when the parent dies, and a thread here that reads it sees the end and halts the JVM.
 *
 * <pre>{@code
 * public static void main(String[] args) {
 *     ParentWatch.exitWhenParentDies();
 *     ...
 * }
 * }</pre>
 *
 * Only for children whose standard input is the harness's pipe: a process reading a terminal
 * would wait for ever, and one whose input is {@code /dev/null} would end at once.
 */
public final class ParentWatch {

    /** The exit status of a child that ended because its parent did. */
    public static final int EXIT_STATUS_PARENT_GONE = 86;

    private ParentWatch() {
    }

    /** Starts the watching thread ({@code parent-watch}, a daemon). */
    public static void exitWhenParentDies() {
        Thread watch = new Thread(() -> {
            InputStream in = System.in;
            byte[] ignored = new byte[256];
            try {
                while (in.read(ignored) >= 0) {
                    // The harness writes nothing; anything read is dropped.
                }
            } catch (IOException e) {
                // A broken pipe says the same as the end of the input.
            }
            Runtime.getRuntime().halt(EXIT_STATUS_PARENT_GONE);
        }, "parent-watch");
        watch.setDaemon(true);
        watch.start();
    }
}
