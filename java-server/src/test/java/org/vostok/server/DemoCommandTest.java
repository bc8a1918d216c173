package org.vostok.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DemoCommandTest {

    @Test
    void theReplicatedDemoFailsOverWithEveryWriteAndCatchesTheOldLeaderUp(@TempDir Path dir) throws Exception {
        StringWriter out = new StringWriter();
        CommandLine commandLine = Main.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        StringWriter err = new StringWriter();
        commandLine.setErr(new PrintWriter(err, true));

        int exit = commandLine.execute("demo", "--dir", dir.toString(), "--writes", "40");

        String text = out.toString();
        assertEquals(0, exit, text + err);
        assertTrue(text.contains("every acknowledged write is there: 40 of 40 accounts, account-0039=\"balance 1039\""),
                text);
        Matcher caughtUp = Pattern.compile("restarted replica (\\d) from its pool: it caught up to index (\\d+)")
                .matcher(text);
        assertTrue(caughtUp.find(), text);
        assertTrue(text.contains("demo finished"), text);
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(0, left.count(), "the demo removes its pools unless --keep");
        }
    }

    @Test
    void aWrongReplicaCountIsAClearFailure() {
        StringWriter err = new StringWriter();
        CommandLine commandLine = Main.commandLine();
        commandLine.setErr(new PrintWriter(err, true));
        commandLine.setOut(new PrintWriter(new StringWriter()));
        assertEquals(1, commandLine.execute("demo", "--replicas", "4"));
        assertTrue(err.toString().contains("--replicas must be 3 or 5, not 4"), err.toString());
    }
}
