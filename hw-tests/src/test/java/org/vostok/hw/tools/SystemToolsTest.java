package org.vostok.hw.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real processes: a missing tool, one that fails, one that hangs and is killed, and one whose output is captured. */
class SystemToolsTest {

    @TempDir
    Path bin;

    private Path script(String name, String body) throws IOException {
        Path file = bin.resolve(name);
        Files.writeString(file, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
        return file;
    }

    @Test
    void aMissingToolIsReportedWithWhereItWasLookedFor() {
        SystemTools tools = SystemTools.searching(List.of(bin));
        assertFalse(tools.installed("ndctl"));
        ToolResult result = tools.run("ndctl", List.of("list"), Duration.ofSeconds(5));
        ToolResult.Missing missing = assertInstanceOf(ToolResult.Missing.class, result);
        assertTrue(result.failure().contains("ndctl is not installed (looked in " + bin), missing.toString());
    }

    @Test
    void outputAndExitCodeAreCapturedWithTheLocaleFixed() throws IOException {
        script("ndctl", "echo \"args: $*\"; echo \"locale: $LC_ALL\"; echo oops >&2; exit 3");
        ToolResult result = SystemTools.searching(List.of(bin)).run("ndctl", List.of("list", "-R"), Duration.ofSeconds(10));
        ToolResult.Finished finished = assertInstanceOf(ToolResult.Finished.class, result);
        assertEquals(3, finished.exitCode());
        assertEquals("args: list -R\nlocale: C\n", finished.stdout());
        assertEquals("oops", finished.firstLine(), "stderr is what a failure quotes");
        assertEquals("`ndctl list -R` exited with 3: oops", result.failure());
    }

    @Test
    void aToolThatHangsIsKilledAtItsTimeout() throws Exception {
        Path pidFile = bin.resolve("pid");
        script("nvme", "echo $$ > " + pidFile + "; exec sleep 60");
        ToolResult result = SystemTools.searching(List.of(bin)).run("nvme", List.of("list"), Duration.ofMillis(500));
        assertInstanceOf(ToolResult.TimedOut.class, result);
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the tool's process is gone");
        assertTrue(result.failure().contains("did not finish in 0 s and was killed"), result.failure());
    }
}
