package org.vostok.server.cli;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.vostok.client.mgmt.MgmtClient;
import org.vostok.client.proto.mgmt.NodeInfo;
import org.vostok.client.proto.mgmt.PoolEntry;
import org.vostok.client.proto.pool.ContInfo;
import org.vostok.client.proto.pool.PoolInfo;
import org.vostok.client.proto.pool.Snapshot;

/** The JSON forms of what the services return ({@code --json}); the field names are the schema's. */
final class Views {

    private Views() {
    }

    static Map<String, Object> pool(PoolEntry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("uuid", MgmtClient.uuid(e.getUuid()).toString());
        m.put("label", e.getLabel());
        m.put("service_id", e.getServiceId());
        m.put("replica_nodes", new ArrayList<>(e.getReplicaNodesList()));
        m.put("state", enumName(e.getState().name(), "POOL_STATE_"));
        m.put("created_ms", e.getCreatedMs());
        return m;
    }

    static Map<String, Object> pool(PoolEntry e, PoolInfo info) {
        Map<String, Object> m = pool(e);
        m.put("properties", new TreeMap<>(info.getPropertiesMap()));
        m.put("handles", info.getHandles());
        m.put("containers", info.getContainers());
        return m;
    }

    static Map<String, Object> container(ContInfo c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("uuid", MgmtClient.uuid(c.getUuid()).toString());
        m.put("label", c.getLabel());
        m.put("properties", new TreeMap<>(c.getPropertiesMap()));
        m.put("open_handles", c.getOpenHandles());
        m.put("snapshots", c.getSnapshots());
        m.put("created_ms", c.getCreatedMs());
        return m;
    }

    static Map<String, Object> snapshot(Snapshot s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", s.getName());
        m.put("epoch", s.getEpoch());
        m.put("created_ms", s.getCreatedMs());
        return m;
    }

    static Map<String, Object> node(NodeInfo n) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("node_id", n.getNodeId());
        m.put("address", n.getAddress());
        m.put("state", nodeState(n));
        m.put("joined_ms", n.getJoinedMs());
        m.put("incarnation", n.getIncarnation());
        return m;
    }

    static String nodeState(NodeInfo n) {
        return enumName(n.getState().name(), "NODE_STATE_");
    }

    /** An attribute: its value as text when it is UTF-8 (else null), and always as base64. */
    static Map<String, Object> attribute(String name, byte[] value) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("value", text(value));
        m.put("value_base64", Base64.getEncoder().encodeToString(value));
        return m;
    }

    static List<Map<String, Object>> attributes(Map<String, ByteString> attrs) {
        List<Map<String, Object>> out = new ArrayList<>();
        new TreeMap<>(attrs).forEach((k, v) -> out.add(attribute(k, v.toByteArray())));
        return out;
    }

    /** {@code value} decoded as UTF-8, or null when it is not valid UTF-8. */
    static String text(byte[] value) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(value)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** An attribute's value for a terminal: its text, or base64 marked as such. */
    static String printable(byte[] value) {
        String t = text(value);
        return t != null ? t : "(binary, base64) " + Base64.getEncoder().encodeToString(value);
    }

    static String time(long millis) {
        return millis == 0 ? "-" : Instant.ofEpochMilli(millis).truncatedTo(ChronoUnit.SECONDS).toString();
    }

    static String properties(Map<String, String> p) {
        if (p.isEmpty()) {
            return "-";
        }
        StringBuilder b = new StringBuilder();
        new TreeMap<>(p).forEach((k, v) -> b.append(b.isEmpty() ? "" : ", ").append(k).append('=').append(v));
        return b.toString();
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    private static String enumName(String name, String prefix) {
        return (name.startsWith(prefix) ? name.substring(prefix.length()) : name).toLowerCase(Locale.ROOT);
    }
}
