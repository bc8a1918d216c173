package org.vostok.hw.tools;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * Reads nvme-cli's JSON ({@code -o json}): {@code nvme list}, {@code nvme id-ctrl},
 * {@code nvme id-ns} and {@code nvme smart-log}. Field names are those nvme-cli has printed
 * since 1.x and still prints in 2.x; its 128-bit counters come as strings of digits, and
 * {@code critical_warning} is an object with a {@code value} under {@code --verbose}.
 */
public final class NvmeParser {
    private static final String TOOL = "nvme";

    private NvmeParser() {
    }

    /** A namespace in {@code nvme list -o json}. */
    public record Listed(String devicePath, long nsid, String model, String serial, String firmware,
                         long physicalSizeBytes, long sectorBytes) {
        public Listed {
            Objects.requireNonNull(devicePath, "devicePath");
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(serial, "serial");
            Objects.requireNonNull(firmware, "firmware");
        }

        /** The block device's name: {@code nvme0n1}. */
        public String blockName() {
            int slash = devicePath.lastIndexOf('/');
            return devicePath.substring(slash + 1);
        }
    }

    /** What {@code nvme id-ctrl -o json} says that the checks use. */
    public record Controller(String model, String serial, String firmware, int vwc) {
        public Controller {
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(serial, "serial");
            Objects.requireNonNull(firmware, "firmware");
        }

        /** VWC bit 0: the controller has a volatile write cache, which only a Flush makes durable. */
        public boolean volatileWriteCache() {
            return (vwc & 1) != 0;
        }
    }

    /** The formatted LBA of {@code nvme id-ns -o json}. */
    public record Format(long blocks, long dataBytes, long metadataBytes) {
        public long sizeBytes() {
            return blocks * dataBytes;
        }
    }

    /** The SMART / health log of {@code nvme smart-log -o json}. */
    public record Health(int criticalWarning, int temperatureKelvin, int availableSparePercent,
                         int spareThresholdPercent, int percentUsed, long mediaErrors, long errorLogEntries,
                         long unsafeShutdowns) {
        public int temperatureCelsius() {
            return temperatureKelvin - 273;
        }
    }

    public static List<Listed> list(String stdout) {
        Optional<JsonNode> root = ToolJson.parse(TOOL, stdout);
        List<Listed> listed = new ArrayList<>();
        if (root.isEmpty()) {
            return listed;
        }
        JsonNode devices = root.get().get("Devices");
        if (devices == null || !devices.isArray()) {
            throw new ToolOutputException("nvme list printed JSON without a \"Devices\" array: "
                    + ToolJson.abbreviate(root.get()));
        }
        for (JsonNode device : ToolJson.objects(devices)) {
            listed.add(new Listed(ToolJson.requiredText(TOOL, device, "DevicePath"),
                    ToolJson.number(device, "NameSpace").orElse(0), ToolJson.text(device, "ModelNumber").orElse("unknown"),
                    ToolJson.text(device, "SerialNumber").orElse("unknown"), ToolJson.text(device, "Firmware").orElse("unknown"),
                    ToolJson.number(device, "PhysicalSize").orElse(0), ToolJson.number(device, "SectorSize").orElse(0)));
        }
        return listed;
    }

    public static Controller controller(String stdout) {
        JsonNode root = ToolJson.parse(TOOL, stdout)
                .orElseThrow(() -> new ToolOutputException("nvme id-ctrl printed nothing"));
        return new Controller(ToolJson.requiredText(TOOL, root, "mn"), ToolJson.text(root, "sn").orElse("unknown"),
                ToolJson.requiredText(TOOL, root, "fr"), (int) ToolJson.requiredNumber(TOOL, root, "vwc"));
    }

    public static Format format(String stdout) {
        JsonNode root = ToolJson.parse(TOOL, stdout)
                .orElseThrow(() -> new ToolOutputException("nvme id-ns printed nothing"));
        int flbas = (int) ToolJson.requiredNumber(TOOL, root, "flbas");
        // FLBAS bits 3:0 pick the format; bits 6:5 are its upper bits when there are more than 16.
        int index = (flbas & 0xf) | ((flbas >> 5) & 0x3) << 4;
        JsonNode lbafs = root.get("lbafs");
        if (lbafs == null || !lbafs.isArray() || index >= lbafs.size()) {
            throw new ToolOutputException("nvme id-ns: flbas " + flbas + " names LBA format " + index
                    + ", which \"lbafs\" does not have");
        }
        JsonNode lbaf = lbafs.get(index);
        long ds = ToolJson.requiredNumber(TOOL, lbaf, "ds");
        if (ds < 9 || ds > 20) {
            throw new ToolOutputException("nvme id-ns: LBA format " + index + " has ds " + ds
                    + ", not a block size of 512 B .. 1 MiB");
        }
        return new Format(ToolJson.requiredNumber(TOOL, root, "nsze"), 1L << ds, ToolJson.number(lbaf, "ms").orElse(0));
    }

    public static Health health(String stdout) {
        JsonNode root = ToolJson.parse(TOOL, stdout)
                .orElseThrow(() -> new ToolOutputException("nvme smart-log printed nothing"));
        JsonNode warning = root.get("critical_warning");
        long critical = warning != null && warning.isObject() ? ToolJson.requiredNumber(TOOL, warning, "value")
                : ToolJson.requiredNumber(TOOL, root, "critical_warning");
        return new Health((int) critical, (int) ToolJson.requiredNumber(TOOL, root, "temperature"),
                (int) ToolJson.requiredNumber(TOOL, root, "avail_spare"),
                (int) ToolJson.requiredNumber(TOOL, root, "spare_thresh"),
                (int) ToolJson.requiredNumber(TOOL, root, "percent_used"),
                ToolJson.number(root, "media_errors").orElse(0),
                ToolJson.number(root, "num_err_log_entries").orElse(0),
                ToolJson.number(root, "unsafe_shutdowns").orElse(0));
    }
}
