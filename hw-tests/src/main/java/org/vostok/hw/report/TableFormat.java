package org.vostok.hw.report;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The report as a person reads it: a header, one table per subject (the node, then each data
 * directory), and a summary line with the exit code.
 */
public final class TableFormat {
    private static final String[] HEADINGS = {"CHECK", "RESULT", "MEASURED", "THRESHOLD", "WHY"};
    private static final String NONE = "-";
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z");

    private TableFormat() {
    }

    public static String format(Report report) {
        StringBuilder out = new StringBuilder();
        out.append("vostok hw-check on ").append(report.host()).append(", ")
                .append(WHEN.format(report.started().atZone(ZoneId.systemDefault()))).append('\n');
        out.append("data directories: ").append(String.join(", ", report.dataDirectories()));
        if (report.defaultDirectory()) {
            out.append(" (none given: checking the temporary directory; pass --data-dir for each directory that will hold pools)");
        }
        out.append('\n').append("thresholds: ").append(report.thresholds()).append("\n");

        Map<String, List<Check>> bySubject = new LinkedHashMap<>();
        for (Check check : report.checks()) {
            bySubject.computeIfAbsent(check.subject(), s -> new ArrayList<>()).add(check);
        }
        int[] widths = widths(report.checks());
        for (Map.Entry<String, List<Check>> subject : bySubject.entrySet()) {
            out.append('\n').append(subject.getKey()).append('\n');
            row(out, widths, HEADINGS);
            for (Check check : subject.getValue()) {
                row(out, widths, cells(check));
            }
        }
        Map<Status, Integer> counts = report.counts();
        int exit = report.exitCode();
        out.append('\n').append(String.format("summary: %d PASS, %d WARN, %d FAIL, %d SKIPPED; exit code %d (%s)%n",
                counts.get(Status.PASS), counts.get(Status.WARN), counts.get(Status.FAIL), counts.get(Status.SKIPPED),
                exit, ExitCode.meaning(exit)));
        return out.toString();
    }

    private static String[] cells(Check check) {
        return new String[] {check.title(), check.status().name(),
            check.measured().map(Figure::text).orElse(NONE), check.threshold().isEmpty() ? NONE : check.threshold(),
            check.why()};
    }

    /** Column widths that fit every cell but the last, which is left to run on. */
    private static int[] widths(List<Check> checks) {
        int[] widths = new int[HEADINGS.length];
        for (int i = 0; i < HEADINGS.length; i++) {
            widths[i] = HEADINGS[i].length();
        }
        for (Check check : checks) {
            String[] cells = cells(check);
            for (int i = 0; i < cells.length - 1; i++) {
                widths[i] = Math.max(widths[i], cells[i].length());
            }
        }
        return widths;
    }

    private static void row(StringBuilder out, int[] widths, String[] cells) {
        out.append("  ");
        for (int i = 0; i < cells.length - 1; i++) {
            out.append(cells[i]).append(" ".repeat(widths[i] - cells[i].length() + 2));
        }
        out.append(cells[cells.length - 1]).append('\n');
    }
}
