package org.vostok.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class VosDemoCommandTest {

    @Test
    void demoReadsEveryVersionItWroteAndCleansUp(@TempDir Path dir) {
        StringWriter out = new StringWriter();
        CommandLine commandLine = Main.commandLine();
        commandLine.setOut(new PrintWriter(out));
        int exit = commandLine.execute("vos-demo", "--dir", dir.toString());
        String text = out.toString();
        assertEquals(0, exit, text);
        assertTrue(text.contains("read at epoch 1: colour=red shape=circle"), text);
        assertTrue(text.contains("read at epoch 2: colour=green shape=circle"), text);
        assertTrue(text.contains("read at epoch 3: colour=blue shape=(none)"), text);
        assertTrue(text.contains("read at epoch 4: colour=violet shape=(none)"), text);
        assertTrue(text.contains("live keys at epoch 2: \"colour\"=green \"shape\"=circle"), text);
        assertTrue(text.contains("newest colour is now blue"), text);
        assertTrue(text.contains("reopened the pool: colour at epoch 3 is blue, newest is blue"), text);
        assertFalse(Files.exists(dir.resolve("demo.pool")), "the demo removes its pool unless --keep");
    }

    @Test
    void aBadDirectoryIsAClearFailure(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-directory"), "x");
        StringWriter err = new StringWriter();
        CommandLine commandLine = Main.commandLine();
        commandLine.setErr(new PrintWriter(err));
        commandLine.setOut(new PrintWriter(new StringWriter()));
        int exit = commandLine.execute("vos-demo", "--dir", file.toString());
        assertEquals(1, exit);
        assertTrue(err.toString().startsWith("vostok vos-demo: "), err.toString());
    }
}
