package org.vostok.testing.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vostok.testing.process.TestJvms.WAIT;
import static org.vostok.testing.process.TestJvms.awaitGone;
import static org.vostok.testing.process.TestJvms.fast;
import static org.vostok.testing.process.TestJvms.gone;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ChildProcessTest {

    private static final String READY = "ready port=(\\d+) pid=(\\d+)";
    /** How long a paused child is listened to, to be sure it stays silent; see net.Sockets.QUIET_MILLIS. */
    private static final Duration QUIET = Duration.ofMillis(300);

    @TempDir
    Path dir;

    private static JvmSpec pingChild(String name, String... args) {
        return fast(JvmSpec.of(name, PingChild.class)).withArgs(args).withReadyLine(READY);
    }

    private static int port(ChildProcess child) {
        return Integer.parseInt(child.readyMatch().group(1));
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
    }

    @Test
    void itStartsAJvmWaitsForItsReadyLineAndLogsItsOutput() throws Exception {
        try (ChildProcess child = ChildProcess.start(pingChild("ping"), dir)) {
            assertEquals(Long.toString(child.pid()), child.readyMatch().group(2), "the PID the child printed");
            assertTrue(child.isAlive());
            assertEquals(1, child.run());
            assertEquals(dir.resolve("ping.1.stdout.log"), child.stdout());
            assertTrue(Files.readString(child.stdout()).contains(child.readyText()));
            assertTrue(Files.exists(child.stderr()));
            try (TestJvms.Pinger pinger = new TestJvms.Pinger(port(child))) {
                pinger.sendPing();
                assertEquals("pong 1", pinger.reply(WAIT));
            }
            assertTrue(child.logTail().contains(child.readyText()), child.logTail());
            // The java it runs is the test JVM's own.
            assertEquals(JvmSpec.javaExecutable().toString(), child.spec().command().get(0));
        }
        assertEquals(List.of(), files(), "close deletes the logs it created");
    }

    @Test
    void sigstopSilencesItAndSigcontLetsItAnswerWhatArrivedMeanwhile() throws Exception {
        try (ChildProcess child = ChildProcess.start(pingChild("paused"), dir);
             TestJvms.Pinger pinger = new TestJvms.Pinger(port(child))) {
            pinger.sendPing();
            assertEquals("pong 1", pinger.reply(WAIT));

            child.pause();
            assertTrue(child.isPaused());
            assertEquals(Optional.of('T'), Signals.state(child.pid()), "the kernel reports it stopped");
            pinger.sendPing();
            assertEquals("timeout", pinger.reply(QUIET), "a stopped process answered");
            // The kernel still completes connections to a stopped process's port.
            try (TestJvms.Pinger another = new TestJvms.Pinger(port(child))) {
                another.sendPing();
                assertEquals("timeout", another.reply(QUIET));

                child.resume();
                assertFalse(child.isPaused());
                assertEquals("pong 2", pinger.reply(WAIT));
                assertEquals("pong 3", another.reply(WAIT));
            }
        }
    }

    @Test
    void sigkillEndsItWithStatus137AndARestartRunsTheSameCommandAgain() throws Exception {
        try (ChildProcess child = ChildProcess.start(pingChild("killed"), dir)) {
            ProcessHandle first = child.handle();
            int firstPort = port(child);

            assertEquals(137, child.kill(), "128 + SIGKILL's 9: Process.destroyForcibly sends SIGKILL");
            assertEquals(137, child.exitStatus().getAsInt());
            assertTrue(gone(first));
            assertThrows(IllegalStateException.class, child::pause);

            child.restart();
            assertEquals(2, child.run());
            assertNotEquals(first.pid(), child.pid());
            assertEquals(Long.toString(child.pid()), child.readyMatch().group(2));
            assertEquals(dir.resolve("killed.2.stdout.log"), child.stdout());
            assertTrue(Files.exists(dir.resolve("killed.1.stdout.log")), "the first run's log stays until close");
            assertNotEquals(firstPort, 0);
            assertEquals(child.spec().command(), pingChild("killed").command());
            IllegalStateException e = assertThrows(IllegalStateException.class, child::restart);
            assertTrue(e.getMessage().contains("kill it before restarting"), e.getMessage());

            // A paused process is killed all the same.
            child.pause();
            assertEquals(137, child.kill());
            assertFalse(child.isPaused());
        }
        assertEquals(List.of(), files());
    }

    /**
     * What a test that fails half-way leaves: a cluster with one child running and one paused,
     * and an assertion thrown inside the try. Nothing may outlive it.
     */
    @Test
    void closeAfterAFailingTestLeavesNoProcessAndNoFile() throws Exception {
        List<ProcessHandle> started = new java.util.ArrayList<>();
        ProcessCluster cluster = ProcessCluster.in(dir);
        try (cluster) {
            ProcessHandle running = cluster.start(1, pingChild("node-1")).handle();
            started.add(running);
            started.add(cluster.start(2, pingChild("node-2")).handle());
            cluster.pause(2);
            assertEquals(List.of(1L, 2L), cluster.ids());
            assertEquals(running.pid(), cluster.pids().get(1L));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> cluster.start(1, pingChild("node-1b")));
            assertTrue(e.getMessage().contains("started already"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> cluster.start(3, pingChild("node-1")));
            assertTrue(e.getMessage().contains("logs would mix"), e.getMessage());
            throw new AssertionError("the test fails here");
        } catch (AssertionError expected) {
            assertEquals("the test fails here", expected.getMessage());
        }
        assertEquals(2, started.size());
        assertTrue(gone(started.get(0)), "the running child outlived close");
        assertTrue(gone(started.get(1)), "the paused child outlived close");
        assertEquals(List.of(), files());
        assertThrows(IllegalStateException.class, () -> cluster.start(3, pingChild("node-3")));
    }

    @Test
    void aChildThatNeverGetsReadyIsKilledAndTheFailureShowsTheTailOfItsLog() throws Exception {
        JvmSpec spec = pingChild("slow", "--never-ready").withReadyTimeout(Duration.ofSeconds(5));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ChildProcess.start(spec, dir));
        assertTrue(e.getMessage().contains("printed no line matching 'ready port="), e.getMessage());
        assertTrue(e.getMessage().contains("still warming up"), e.getMessage());
        java.util.regex.Matcher pid = Pattern.compile("still warming up, pid=(\\d+)").matcher(e.getMessage());
        assertTrue(pid.find(), e.getMessage());
        Optional<ProcessHandle> handle = ProcessHandle.of(Long.parseLong(pid.group(1)));
        if (handle.isPresent()) {
            awaitGone(handle.get(), "a child that never got ready");
        }
        assertEquals(List.of(), files());
    }

    @Test
    void aChildThatEndsBeforeItIsReadyFailsWithItsStatusAndItsStderr() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ChildProcess.start(pingChild("broken", "--fail-before-ready"), dir));
        assertTrue(e.getMessage().contains("ended with status 3 before printing a line matching"), e.getMessage());
        assertTrue(e.getMessage().contains("cannot open the pool: no space left on device"), e.getMessage());
        assertTrue(e.getMessage().contains("opening the pool"), e.getMessage());
    }

    @Test
    void aReadyFileIsWaitedForAndDeletedWithTheLogs() throws Exception {
        Path portFile = dir.resolve("port");
        Files.writeString(portFile, "stale from an earlier run\n");
        JvmSpec spec = fast(JvmSpec.of("file", PingChild.class))
                .withArgs("--ready-file", portFile.toString())
                .withReadyFile(portFile);
        try (ChildProcess child = ChildProcess.start(spec, dir)) {
            assertTrue(child.readyText().startsWith("ready port="), child.readyText());
            assertTrue(child.readyText().endsWith("pid=" + child.pid()), child.readyText());
            IllegalStateException e = assertThrows(IllegalStateException.class, child::readyMatch);
            assertTrue(e.getMessage().contains("the file"), e.getMessage());
        }
        assertEquals(List.of(), files());
    }

    @Test
    void awaitLineFindsALaterLineAndFailsWhenTheChildEnds() throws Exception {
        try (ChildProcess child = ChildProcess.start(pingChild("lines"), dir);
             TestJvms.Pinger pinger = new TestJvms.Pinger(port(child))) {
            MatchResult again = child.awaitLine(Pattern.compile("pid=(\\d+)"), WAIT);
            assertEquals(Long.toString(child.pid()), again.group(1));
            pinger.sendPing();
            assertEquals("pong 1", pinger.reply(WAIT));
            // Ask it to end with status 5: a wait for a line it never prints fails at once.
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port(child))) {
                socket.getOutputStream().write("exit 5\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                assertEquals(5, child.awaitExit(WAIT));
            }
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> child.awaitLine(Pattern.compile("never printed"), WAIT));
            assertTrue(e.getMessage().contains("ended with status 5"), e.getMessage());
            assertEquals(5, child.awaitExit(WAIT));
            assertEquals(5, child.kill(), "killing an ended child returns the status it ended with");
        }
    }

    /** A test JVM that exits without closing its children: its shutdown hook kills them by PID. */
    @Test
    void theShutdownHookKillsWhatTheTestJvmLeftRunning() throws Exception {
        Path grandchildLogs = Files.createDirectory(dir.resolve("grandchild"));
        JvmSpec parent = fast(JvmSpec.of("exiting-parent", OrphaningParent.class))
                .withArgs(grandchildLogs.toString(), "exit")
                .withReadyLine("grandchild pid=(\\d+)");
        Optional<ProcessHandle> grandchild = Optional.empty();
        try (ChildProcess child = ChildProcess.start(parent, dir)) {
            grandchild = ProcessHandle.of(Long.parseLong(child.readyMatch().group(1)));
            assertEquals(0, child.awaitExit(WAIT));
            if (grandchild.isPresent()) {
                awaitGone(grandchild.get(), "the shutdown hook");
            }
        } finally {
            // Should the hook fail, the test still ends what it started, by PID.
            grandchild.ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /**
     * A test JVM killed with SIGKILL runs no hook: a child using ParentWatch sees its standard
     * input end and exits by itself.
     */
    @Test
    void aChildWatchingItsParentEndsWhenTheParentIsKilled() throws Exception {
        Path grandchildLogs = Files.createDirectory(dir.resolve("grandchild"));
        JvmSpec parent = fast(JvmSpec.of("hanging-parent", OrphaningParent.class))
                .withArgs(grandchildLogs.toString(), "hang")
                .withReadyLine("grandchild pid=(\\d+)");
        Optional<ProcessHandle> grandchild = Optional.empty();
        try (ChildProcess child = ChildProcess.start(parent, dir)) {
            grandchild = ProcessHandle.of(Long.parseLong(child.readyMatch().group(1)));
            assertTrue(grandchild.isPresent(), "the grandchild is gone before its parent was killed");
            // SIGKILL to the parent's PID alone: ChildProcess.kill would end its descendants too,
            // and this test is about the grandchild ending by itself.
            assertTrue(child.handle().destroyForcibly());
            assertEquals(137, child.awaitExit(WAIT));
            awaitGone(grandchild.get(), "ParentWatch");
        } finally {
            grandchild.ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void badSpecsAreRefusedSayingWhy() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JvmSpec.of("../escape", PingChild.class));
        assertTrue(e.getMessage().contains("names its log files"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> JvmSpec.of("x", "Main", List.of()));
        assertTrue(e.getMessage().contains("needs a class path"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> JvmSpec.of("x", PingChild.class).withReadyTimeout(Duration.ZERO));
        assertTrue(e.getMessage().contains("positive ready timeout"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> JvmSpec.of("x", PingChild.class).withSystemProperty("a=b", "c"));
        assertTrue(e.getMessage().contains("without '='"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ChildProcess.start(JvmSpec.of("x", PingChild.class), dir.resolve("missing")));
        assertTrue(e.getMessage().contains("existing directory"), e.getMessage());
        List<String> command = JvmSpec.of("x", PingChild.class).withJvmOptions("-Xmx32m")
                .withSystemProperty("vostok.node.id", "3").withArgs("a", "b").command();
        int main = command.indexOf(PingChild.class.getName());
        assertEquals(List.of("a", "b"), command.subList(main + 1, command.size()));
        assertTrue(command.indexOf("-Xmx32m") < command.indexOf("-Dvostok.node.id=3"), command.toString());
        assertEquals("-cp", command.get(main - 2));
    }
}
