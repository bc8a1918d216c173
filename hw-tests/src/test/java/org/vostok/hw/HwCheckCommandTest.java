package org.vostok.hw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vostok.hw.checks.Children;
import org.vostok.hw.checks.WorkDirectory;
import org.vostok.hw.report.ExitCode;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The whole command on this machine, with the quick workload: what runs on any file system runs
 * and passes, what needs PMEM or NVMe is skipped with a reason, nothing is left behind, and bad
 * input is exit code 3 with a sentence.
 */
class HwCheckCommandTest {

    /**
     * The data directory is made under the module's target directory, on the checkout's file
     * system, rather than in java.io.tmpdir: a tmpfs /tmp would rightly fail the file system check.
     */
    private Path data;

    @TempDir
    Path etc;

    @BeforeEach
    void makeDataDirectory() throws IOException {
        data = Files.createTempDirectory(Files.createDirectories(Path.of("target", "hw-check-test")), "data-")
                .toAbsolutePath();
    }

    @AfterEach
    void removeDataDirectory() throws IOException {
        try (Stream<Path> files = Files.walk(data)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = new CommandLine(new HwCheckCommand(Workload.quick()));
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        int exit = commandLine.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    /** Thresholds no working disk misses, so that the exit code depends on the checks' logic, not on this disk's speed today. */
    private Path lenient() throws IOException {
        return Files.writeString(etc.resolve("lenient.properties"), """
                warn.fio_fdatasync_p50_us_max = 1000000
                fail.fio_fdatasync_p50_us_max = 1000000
                warn.fio_fdatasync_p99_us_max = 1000000
                fail.fio_fdatasync_p99_us_max = 1000000
                warn.fio_write_mib_s_min = 0
                fail.fio_write_mib_s_min = 0
                warn.wal_commit_p50_us_max = 1000000
                fail.wal_commit_p50_us_max = 1000000
                warn.wal_commit_p99_us_max = 1000000
                fail.wal_commit_p99_us_max = 1000000
                warn.wal_write_mib_s_min = 0
                fail.wal_write_mib_s_min = 0
                warn.free_space_gib_min = 0
                fail.free_space_gib_min = 0
                """);
    }

    private static List<String> leftovers(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).toList();
        }
    }

    @Test
    void theJsonReportHasEveryCheckAndTheRunLeavesNothingBehind() throws Exception {
        // A work directory of a run that was killed: the next run removes it.
        Process dead = new ProcessBuilder("true").start();
        dead.waitFor();
        Path stale = Files.createDirectory(data.resolve(WorkDirectory.PREFIX + dead.pid() + "-1"));
        Files.writeString(stale.resolve("crash-wal.pool"), "left by a killed run");

        Run run = run("--data-dir", data.toString(), "--json", "--thresholds", lenient().toString());
        JsonNode report = JsonMapper.builder().build().readTree(run.out());
        List<String> failures = new ArrayList<>();
        for (JsonNode check : report.get("checks")) {
            if (check.get("status").asString().equals("FAIL")) {
                failures.add(check.get("id").asString() + ": " + check.get("why").asString());
            }
        }
        assertEquals(List.of(), failures, run.out());
        assertEquals(report.get("summary").get("exitCode").asInt(), run.exit());
        assertTrue(run.exit() == ExitCode.PASSED || run.exit() == ExitCode.WARNINGS, run.out());
        assertEquals(data.toString(), report.get("dataDirectories").get(0).asString());

        List<String> passed = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (JsonNode check : report.get("checks")) {
            if (check.get("subject").asString().equals(data.toString())) {
                String status = check.get("status").asString();
                (status.equals("SKIPPED") ? skipped : passed).add(check.get("id").asString());
            }
        }
        for (String id : List.of("dir.filesystem", "dir.mount-options", "dir.free-space", "wal.commit.p50",
                "wal.commit.p99", "wal.write.bandwidth", "vos.crash.wal", "vos.crash.pmem", "rdb.commits.wal",
                "rdb.commits.pmem", "dir.cleanup")) {
            assertTrue(passed.contains(id), id + " ran on any file system: " + run.out());
        }
        assertTrue(skipped.contains("dir.dax") && skipped.contains("pmem.persist"), "no DAX here: " + skipped);
        if (Files.isExecutable(Path.of("/usr/bin/fio"))) {
            assertTrue(passed.contains("fio.fdatasync.p99") && passed.contains("fio.write.bandwidth"), passed.toString());
        }
        if ("1".equals(System.getenv("PMEM_IS_PMEM_FORCE"))) {
            assertEquals(ExitCode.WARNINGS, run.exit(), "surefire sets PMEM_IS_PMEM_FORCE=1, which the node check warns of");
        }

        assertEquals(List.of(), leftovers(data), "the run and the stale directory are gone");
        assertEquals(0, Children.tracked(), "no child process is left");
    }

    @Test
    void badInputIsExitCodeThreeWithASentence() throws Exception {
        Run missing = run("--data-dir", data.resolve("absent").toString());
        assertEquals(ExitCode.COULD_NOT_RUN, missing.exit());
        assertTrue(missing.err().contains("--data-dir " + data.resolve("absent") + " does not exist"), missing.err());
        assertEquals("", missing.out());

        Path file = Files.writeString(data.resolve("a-file"), "x");
        assertEquals(ExitCode.COULD_NOT_RUN, run("--data-dir", file.toString()).exit());

        Path thresholds = Files.writeString(etc.resolve("bad.properties"), "warn.fio_latency = 3\n");
        Run bad = run("--data-dir", data.toString(), "--thresholds", thresholds.toString());
        assertEquals(ExitCode.COULD_NOT_RUN, bad.exit());
        assertTrue(bad.err().contains("unknown key warn.fio_latency"), bad.err());

        Run unknown = run("--fast");
        assertEquals(ExitCode.COULD_NOT_RUN, unknown.exit());
        assertTrue(unknown.err().contains("Unknown option: '--fast'"), unknown.err());
        assertFalse(leftovers(data).stream().anyMatch(n -> n.startsWith(WorkDirectory.PREFIX)));
    }

    @Test
    void helpListsTheOptionsAndTheExitCodes() {
        Run help = run("--help");
        assertEquals(0, help.exit());
        for (String text : List.of("--data-dir=DIR", "--json", "--thresholds=FILE", "Exit codes:", "3   could not run")) {
            assertTrue(help.out().contains(text), text + " in:\n" + help.out());
        }
    }
}
