package org.vostok.hw.tools;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * Reads {@code daxctl list} (daxctl's documented JSON): nothing when there is no device, one
 * object for one, an array for several; with {@code --regions}, devices sit in each region's
 * {@code "devices"}.
 */
public final class DaxctlParser {
    private static final String TOOL = "daxctl";

    private DaxctlParser() {
    }

    public static List<DaxDevice> devices(String stdout) {
        Optional<JsonNode> root = ToolJson.parse(TOOL, stdout);
        List<DaxDevice> devices = new ArrayList<>();
        if (root.isEmpty()) {
            return devices;
        }
        for (JsonNode node : ToolJson.objects(root.get())) {
            if (node.has("devices")) {
                for (JsonNode device : ToolJson.objects(node.get("devices"))) {
                    devices.add(device(device));
                }
            } else {
                devices.add(device(node));
            }
        }
        return devices;
    }

    private static DaxDevice device(JsonNode node) {
        return new DaxDevice(ToolJson.requiredText(TOOL, node, "chardev"), ToolJson.number(node, "size").orElse(0),
                ToolJson.text(node, "mode").orElse("devdax"), ToolJson.smallNumber(node, "target_node"));
    }
}
