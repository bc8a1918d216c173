package org.vostok.hw.tools;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reading the JSON the tools print. The tools are lenient in ways a parser must follow: fio may
 * print notes before its JSON, ndctl and daxctl print one object where there is one device and
 * an array where there are several, nvme-cli prints 128-bit counters as strings.
 */
final class ToolJson {
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private ToolJson() {
    }

    /** The JSON value in {@code text}, after any lines before it; {@code Optional.empty()} when there is only whitespace. */
    static Optional<JsonNode> parse(String tool, String text) {
        int start = firstJson(text);
        if (start < 0) {
            if (text.isBlank()) {
                return Optional.empty();
            }
            throw new ToolOutputException(tool + " printed no JSON: " + firstLine(text));
        }
        try {
            return Optional.of(MAPPER.readTree(text.substring(start)));
        } catch (JacksonException e) {
            throw new ToolOutputException(tool + " printed JSON that does not parse: " + e.getOriginalMessage(), e);
        }
    }

    /** Where the first line that opens a JSON object or array starts, or -1. */
    private static int firstJson(String text) {
        int lineStart = 0;
        while (lineStart < text.length()) {
            int end = text.indexOf('\n', lineStart);
            String line = (end < 0 ? text.substring(lineStart) : text.substring(lineStart, end)).strip();
            if (line.startsWith("{") || line.startsWith("[")) {
                return lineStart;
            }
            if (end < 0) {
                break;
            }
            lineStart = end + 1;
        }
        return -1;
    }

    private static String firstLine(String text) {
        return text.strip().lines().findFirst().orElse("");
    }

    /** The objects of a value that is one object or an array of them. */
    static List<JsonNode> objects(JsonNode node) {
        List<JsonNode> list = new ArrayList<>();
        if (node.isArray()) {
            for (JsonNode element : node.values()) {
                if (element.isObject()) {
                    list.add(element);
                }
            }
        } else if (node.isObject()) {
            list.add(node);
        }
        return list;
    }

    static Optional<String> text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isValueNode() && !value.isNull() ? Optional.of(value.asString().strip())
                : Optional.empty();
    }

    static String requiredText(String tool, JsonNode node, String field) {
        return text(node, field).orElseThrow(() -> new ToolOutputException(tool + ": a record has no \"" + field
                + "\": " + abbreviate(node)));
    }

    /** An integer field, written as a number or as a string of digits (nvme-cli's 128-bit counters); capped at Long.MAX_VALUE. */
    static OptionalLong number(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return OptionalLong.empty();
        }
        try {
            BigInteger big;
            if (value.isIntegralNumber()) {
                big = value.bigIntegerValue();
            } else if (value.isNumber()) {
                big = BigInteger.valueOf((long) value.asDouble());
            } else if (value.isString()) {
                big = new BigInteger(value.asString().strip());
            } else {
                return OptionalLong.empty();
            }
            return OptionalLong.of(big.min(BigInteger.valueOf(Long.MAX_VALUE)).max(BigInteger.valueOf(Long.MIN_VALUE))
                    .longValue());
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    static long requiredNumber(String tool, JsonNode node, String field) {
        return number(node, field).orElseThrow(() -> new ToolOutputException(tool + ": a record has no number \""
                + field + "\": " + abbreviate(node)));
    }

    /** A small integer, such as a NUMA node; ndctl prints -1 for "unknown", which stays -1. */
    static OptionalInt smallNumber(JsonNode node, String field) {
        OptionalLong n = number(node, field);
        return n.isPresent() && n.getAsLong() >= Integer.MIN_VALUE && n.getAsLong() <= Integer.MAX_VALUE
                ? OptionalInt.of((int) n.getAsLong()) : OptionalInt.empty();
    }

    static String abbreviate(JsonNode node) {
        String text = node.toString();
        return text.length() <= 160 ? text : text.substring(0, 160) + "...";
    }
}
