package org.vostok.hw.tools;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * Reads {@code ndctl list --regions --namespaces} (ndctl's documented JSON). ndctl prints
 * nothing when there is no region, one object for one region, an array for several, and wraps
 * them as {@code {"regions": [...]}} when buses or DIMMs are listed as well; each region carries
 * its namespaces in {@code "namespaces"}.
 */
public final class NdctlParser {
    private static final String TOOL = "ndctl";

    private NdctlParser() {
    }

    /** The regions in the output; an empty list when there are none. */
    public static List<PmemRegion> regions(String stdout) {
        Optional<JsonNode> root = ToolJson.parse(TOOL, stdout);
        if (root.isEmpty()) {
            return List.of();
        }
        JsonNode top = root.get();
        List<JsonNode> nodes = new ArrayList<>();
        if (top.isObject() && top.has("regions")) {
            nodes.addAll(ToolJson.objects(top.get("regions")));
        } else {
            nodes.addAll(ToolJson.objects(top));
        }
        List<PmemRegion> regions = new ArrayList<>();
        for (JsonNode node : nodes) {
            String dev = ToolJson.requiredText(TOOL, node, "dev");
            if (!dev.startsWith("region")) {
                throw new ToolOutputException("ndctl listed " + dev + " where a region was expected: run it as "
                        + "`ndctl list --regions --namespaces`");
            }
            List<PmemNamespace> namespaces = new ArrayList<>();
            JsonNode list = node.get("namespaces");
            if (list != null) {
                for (JsonNode ns : ToolJson.objects(list)) {
                    namespaces.add(namespace(ns));
                }
            }
            regions.add(new PmemRegion(dev, ToolJson.number(node, "size").orElse(0),
                    ToolJson.text(node, "type").orElse("pmem"), ToolJson.text(node, "persistence_domain"),
                    ToolJson.smallNumber(node, "numa_node"), namespaces));
        }
        return regions;
    }

    private static PmemNamespace namespace(JsonNode node) {
        String mode = ToolJson.text(node, "mode").orElse("raw");
        mode = switch (mode) {
            case "memory" -> "fsdax";
            case "dax" -> "devdax";
            case "safe" -> "sector";
            default -> mode;
        };
        Optional<String> chardev = ToolJson.text(node, "chardev");
        JsonNode daxregion = node.get("daxregion");
        if (chardev.isEmpty() && daxregion != null && daxregion.has("devices")) {
            for (JsonNode device : ToolJson.objects(daxregion.get("devices"))) {
                chardev = ToolJson.text(device, "chardev");
                break;
            }
        }
        return new PmemNamespace(ToolJson.requiredText(TOOL, node, "dev"), mode,
                ToolJson.number(node, "size").orElse(0), ToolJson.text(node, "blockdev"), chardev,
                ToolJson.smallNumber(node, "numa_node"), ToolJson.smallNumber(node, "target_node"));
    }
}
