package org.vostok.hw.report;

import java.util.Map;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The report for automation: one JSON object with the run's context, every check (a figure
 * as {@code value} and {@code unit}, omitted when the check measures none) and the summary.
 * Field names are stable; new fields may be added.
 */
public final class JsonFormat {
    private static final JsonMapper MAPPER = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private JsonFormat() {
    }

    public static String format(Report report) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("host", report.host());
        root.put("started", report.started().toString());
        ArrayNode dirs = root.putArray("dataDirectories");
        report.dataDirectories().forEach(dirs::add);
        root.put("defaultDirectory", report.defaultDirectory());
        root.put("thresholds", report.thresholds());
        ArrayNode checks = root.putArray("checks");
        for (Check check : report.checks()) {
            ObjectNode node = checks.addObject();
            node.put("id", check.id());
            node.put("title", check.title());
            node.put("subject", check.subject());
            node.put("status", check.status().name());
            check.measured().ifPresent(figure -> {
                node.put("value", figure.value());
                node.put("unit", figure.unit());
                node.put("measured", figure.text());
            });
            if (!check.threshold().isEmpty()) {
                node.put("threshold", check.threshold());
            }
            node.put("why", check.why());
        }
        ObjectNode summary = root.putObject("summary");
        for (Map.Entry<Status, Integer> count : report.counts().entrySet()) {
            summary.put(count.getKey().name().toLowerCase(java.util.Locale.ROOT), count.getValue());
        }
        summary.put("worst", report.worst().name());
        summary.put("exitCode", report.exitCode());
        summary.put("meaning", ExitCode.meaning(report.exitCode()));
        return MAPPER.writeValueAsString(root) + System.lineSeparator();
    }
}
