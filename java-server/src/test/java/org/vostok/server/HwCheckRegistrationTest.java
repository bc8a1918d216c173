package org.vostok.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code vostok hw-check} is reachable from the vostok command, with its own exit codes (hw-tests runs the checks). */
class HwCheckRegistrationTest {

    @Test
    void hwCheckIsASubcommand(@TempDir Path dir) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = Main.commandLine();
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        assertEquals(0, commandLine.execute("hw-check", "--help"));
        assertTrue(out.toString().contains("Usage: vostok hw-check"), out.toString());
        assertEquals(3, commandLine.execute("hw-check", "--data-dir", dir.resolve("absent").toString()),
                "a data directory that does not exist: could not run");
        assertTrue(err.toString().startsWith("vostok hw-check: --data-dir "), err.toString());
    }
}
