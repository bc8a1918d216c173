package org.vostok.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The README's main command, as a user runs it: three node processes, a pool, writes, the
 * leader killed with SIGKILL, the new leader found, every acknowledged write read back, the
 * killed node restarted and caught up, and nothing left behind.
 */
class DemoCommandTest {

    @Test
    void theDemoFailsOverWithEveryWriteAndLeavesNothingBehind(@TempDir Path dir) throws Exception {
        StringWriter out = new StringWriter();
        CommandLine commandLine = Main.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        StringWriter err = new StringWriter();
        commandLine.setErr(new PrintWriter(err, true));
        Path data = dir.resolve("demo");

        int exit = commandLine.execute("demo", "--dir", data.toString(), "--writes", "30");

        String text = out.toString();
        assertEquals(0, exit, text + err);
        assertTrue(text.contains("no acknowledged write was lost: 60 of 60 acknowledged writes read back"), text);
        assertTrue(Pattern.compile("node \\d caught up: its replica of the pool service applied index \\d+")
                .matcher(text).find(), text);
        assertTrue(text.contains("demo finished: no acknowledged write lost"), text);
        Matcher pids = Pattern.compile("run as processes (\\d+), (\\d+), (\\d+)").matcher(text);
        assertTrue(pids.find(), text);
        for (int i = 1; i <= 3; i++) {
            long pid = Long.parseLong(pids.group(i));
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "process " + pid + " left");
        }
        Matcher restarted = Pattern.compile("restarted node \\d \\(process (\\d+)\\)").matcher(text);
        assertTrue(restarted.find(), text);
        long pid = Long.parseLong(restarted.group(1));
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "process " + pid + " left");
        assertFalse(Files.exists(data), "the demo removes its data unless --keep");
    }

    @Test
    void aWrongWriteCountIsAClearFailure() {
        StringWriter err = new StringWriter();
        CommandLine commandLine = Main.commandLine();
        commandLine.setErr(new PrintWriter(err, true));
        commandLine.setOut(new PrintWriter(new StringWriter()));
        assertEquals(1, commandLine.execute("demo", "--writes", "0"));
        assertTrue(err.toString().contains("--writes must be 1 .. 100000, not 0"), err.toString());
    }
}
