package org.vostok.hw.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ReportFormatTest {
    private static final Report REPORT = new Report(Instant.parse("2026-12-06T07:00:00Z"), "node7", List.of("/data"),
            false, "defaults", List.of(
                    Check.skipped("tool.ndctl", "tool ndctl", "node", "not installed"),
                    new Check("fio.fdatasync.p99", "fio fdatasync p99", "/data", Status.WARN,
                            Optional.of(new Figure(2500, "us")), "warn >2,000, fail >20,000 us", "slow"),
                    Check.of("dir.cleanup", "cleanup", "/data", Status.PASS, "removed")));

    @Test
    void theWorstOutcomeNotSkippedSetsTheExitCode() {
        assertEquals(Status.WARN, REPORT.worst());
        assertEquals(ExitCode.WARNINGS, REPORT.exitCode());
        assertEquals(ExitCode.PASSED, new Report(Instant.now(), "h", List.of(), true, "defaults",
                List.of(Check.skipped("a", "a", "node", "none here"))).exitCode());
        assertEquals(ExitCode.FAILURES, ExitCode.of(Status.FAIL));
    }

    @Test
    void theTableHasOneSectionPerSubjectAndASummary() {
        String table = TableFormat.format(REPORT);
        assertTrue(table.startsWith("vostok hw-check on node7, "), table);
        assertTrue(table.contains("\nnode\n  CHECK       "), table);
        assertTrue(table.contains("\n/data\n  CHECK "), table);
        assertTrue(table.contains("  fio fdatasync p99  WARN     2,500 us  warn >2,000, fail >20,000 us  slow\n"), table);
        assertTrue(table.endsWith("summary: 1 PASS, 1 WARN, 0 FAIL, 1 SKIPPED; exit code 1 (warnings)\n"), table);
        assertFalse(table.contains("none given"), "the data directory was given");
    }

    @Test
    void theJsonHasFiguresAsNumbersAndTheSummary() {
        JsonNode json = JsonMapper.builder().build().readTree(JsonFormat.format(REPORT));
        JsonNode fio = json.get("checks").get(1);
        assertEquals("fio.fdatasync.p99", fio.get("id").asString());
        assertEquals(2500.0, fio.get("value").asDouble());
        assertEquals("us", fio.get("unit").asString());
        assertFalse(json.get("checks").get(0).has("value"), "a check without a figure has no value");
        assertEquals(1, json.get("summary").get("exitCode").asInt());
        assertEquals("warnings", json.get("summary").get("meaning").asString());
        assertEquals(1, json.get("summary").get("skipped").asInt());
    }
}
