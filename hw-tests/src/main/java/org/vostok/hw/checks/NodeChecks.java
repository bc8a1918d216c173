package org.vostok.hw.checks;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.vostok.hw.Machine;
import org.vostok.hw.report.Check;
import org.vostok.hw.report.Figure;
import org.vostok.hw.report.Status;
import org.vostok.hw.system.BlockDevice;
import org.vostok.hw.thresholds.Thresholds;
import org.vostok.hw.tools.DaxDevice;
import org.vostok.hw.tools.DaxctlParser;
import org.vostok.hw.tools.IpmctlParser;
import org.vostok.hw.tools.NdctlParser;
import org.vostok.hw.tools.NvmeParser;
import org.vostok.hw.tools.PmemModule;
import org.vostok.hw.tools.PmemNamespace;
import org.vostok.hw.tools.PmemRegion;
import org.vostok.hw.tools.ToolOutputException;
import org.vostok.hw.tools.ToolResult;

/**
 * The checks of the node as a whole: which tools are installed, the PMEM regions, namespaces,
 * device-DAX instances and modules, the NVMe namespaces with their health and write cache, and
 * an environment that would make PMDK's persistence a pretence. What they learn of the NVMe
 * controllers' write caches is kept for the data directories' checks ({@link #volatileCaches}).
 */
public final class NodeChecks {
    /** The subject of node-wide checks in the report. */
    public static final String NODE = "node";

    /** The tools, their Debian packages and how each prints its version. */
    private static final Map<String, List<String>> VERSION_ARGS = new LinkedHashMap<>();
    private static final Map<String, String> PACKAGES = Map.of("ndctl", "ndctl", "daxctl", "daxctl", "ipmctl",
            "ipmctl", "nvme", "nvme-cli", "fio", "fio");

    static {
        VERSION_ARGS.put("ndctl", List.of("--version"));
        VERSION_ARGS.put("daxctl", List.of("--version"));
        VERSION_ARGS.put("ipmctl", List.of("version"));
        VERSION_ARGS.put("nvme", List.of("version"));
        VERSION_ARGS.put("fio", List.of("--version"));
    }

    private final Machine machine;
    /** NVMe namespaces by block device name, with whether their controller has a volatile write cache. */
    private final Map<String, Boolean> volatileCaches = new HashMap<>();

    public NodeChecks(Machine machine) {
        this.machine = machine;
    }

    /** Runs every node check, in the order the report lists them. */
    public List<Check> run() {
        List<Check> checks = new ArrayList<>();
        checks.addAll(Guard.each("tools", NODE, this::tools));
        checks.addAll(Guard.each("env.pmem-force", NODE, this::environment));
        checks.addAll(Guard.each("pmem.regions", NODE, this::pmemRegions));
        checks.addAll(Guard.each("pmem.devdax", NODE, this::daxDevices));
        checks.addAll(Guard.each("pmem.modules", NODE, this::pmemModules));
        checks.addAll(Guard.each("nvme.devices", NODE, this::nvme));
        return checks;
    }

    /** Whether the controller of an NVMe namespace (by block device name) has a volatile write cache, when nvme-cli said. */
    public Optional<Boolean> volatileCache(String blockName) {
        return Optional.ofNullable(volatileCaches.get(blockName));
    }

    /** The Debian package a tool comes in. */
    public static String packageOf(String tool) {
        return PACKAGES.getOrDefault(tool, tool);
    }

    List<Check> tools() {
        List<Check> checks = new ArrayList<>();
        for (Map.Entry<String, List<String>> tool : VERSION_ARGS.entrySet()) {
            String name = tool.getKey();
            ToolResult result = machine.tools().run(name, tool.getValue(), machine.workload().toolTimeout());
            String id = "tool." + name;
            String title = "tool " + name;
            checks.add(switch (result) {
                case ToolResult.Missing missing -> Check.skipped(id, title, NODE, "not installed (apt-get install "
                        + packageOf(name) + "); the checks that need it are skipped");
                case ToolResult.Finished finished when finished.succeeded() -> Check.of(id, title, NODE, Status.PASS,
                        "installed: " + finished.stdout().strip().lines().filter(l -> !l.isBlank()).findFirst()
                                .orElse("(no version printed)"));
                default -> Check.of(id, title, NODE, Status.WARN, "installed, but " + result.failure());
            });
        }
        return checks;
    }

    List<Check> environment() {
        String force = machine.environment().getOrDefault("PMEM_IS_PMEM_FORCE", "");
        if (force.equals("1")) {
            return List.of(Check.of("env.pmem-force", "PMEM_IS_PMEM_FORCE", NODE, Status.WARN,
                    "PMEM_IS_PMEM_FORCE=1 is set: PMDK then treats any file as persistent memory and skips msync, "
                            + "so PMDK pools off DAX survive a process crash but not a power loss; unset it for replicas"));
        }
        return List.of(Check.of("env.pmem-force", "PMEM_IS_PMEM_FORCE", NODE, Status.PASS,
                force.isEmpty() ? "not set: PMDK decides by itself whether a mapping is persistent memory"
                        : "set to " + force + ", which does not force persistence"));
    }

    List<Check> pmemRegions() {
        List<String> kernelRegions = machine.sysfs().pmemRegions();
        ToolResult result = machine.tools().run("ndctl", List.of("list", "--regions", "--namespaces"),
                machine.workload().toolTimeout());
        if (result instanceof ToolResult.Missing) {
            return List.of(kernelRegions.isEmpty()
                    ? Check.skipped("pmem.regions", "PMEM regions", NODE, "no PMEM regions in "
                            + machine.sysfs().root().resolve("bus/nd/devices") + ", and ndctl is not installed")
                    : Check.of("pmem.regions", "PMEM regions", NODE, Status.WARN, "the kernel found "
                            + kernelRegions.size() + " PMEM regions (" + String.join(", ", kernelRegions)
                            + ") but ndctl is not installed to check them: apt-get install ndctl"));
        }
        if (!(result instanceof ToolResult.Finished finished) || !finished.succeeded()) {
            return List.of(Check.of("pmem.regions", "PMEM regions", NODE, Status.FAIL, result.failure()));
        }
        List<PmemRegion> regions = NdctlParser.regions(finished.stdout());
        if (regions.isEmpty()) {
            return List.of(kernelRegions.isEmpty()
                    ? Check.skipped("pmem.regions", "PMEM regions", NODE, "no PMEM regions (ndctl list shows none): "
                            + "the PMEM checks are skipped")
                    : Check.of("pmem.regions", "PMEM regions", NODE, Status.WARN, "the kernel has regions "
                            + String.join(", ", kernelRegions) + " but ndctl lists none: are they disabled? "
                            + "(ndctl list --regions --idle)"));
        }
        List<Check> checks = new ArrayList<>();
        checks.add(regionSummary(regions));
        for (PmemRegion region : regions) {
            checks.add(persistenceDomain(region));
            for (PmemNamespace namespace : region.namespaces()) {
                checks.add(namespaceNuma(namespace));
            }
        }
        return checks;
    }

    private static Check regionSummary(List<PmemRegion> regions) {
        long bytes = 0;
        List<String> described = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        int fsdax = 0;
        for (PmemRegion region : regions) {
            bytes += region.sizeBytes();
            for (PmemNamespace ns : region.namespaces()) {
                described.add(ns.dev() + " " + ns.mode() + ns.blockdev().map(b -> " /dev/" + b).orElse("")
                        + ns.chardev().map(c -> " /dev/" + c).orElse(""));
                if (ns.isFsdax()) {
                    fsdax++;
                } else if (ns.mode().equals("sector") || ns.mode().equals("raw")) {
                    problems.add(ns.dev() + " is in " + ns.mode() + " mode, which cannot be mapped directly");
                }
            }
        }
        String what = regions.size() + " region(s), namespaces: " + (described.isEmpty() ? "none" : String.join(", ", described));
        Optional<Figure> size = Optional.of(new Figure(bytes / (double) (1L << 30), "GiB"));
        if (fsdax == 0) {
            return new Check("pmem.regions", "PMEM regions", NODE, Status.WARN, size, "", what
                    + "; no fsdax namespace, and PMDK pools are files on a DAX file system: "
                    + "ndctl create-namespace --mode=fsdax, then mkfs and mount -o dax");
        }
        if (!problems.isEmpty()) {
            return new Check("pmem.regions", "PMEM regions", NODE, Status.WARN, size, "", what + "; "
                    + String.join("; ", problems) + " (use fsdax for pool files)");
        }
        return new Check("pmem.regions", "PMEM regions", NODE, Status.PASS, size, "", what);
    }

    private static Check persistenceDomain(PmemRegion region) {
        String id = "pmem.persistence-domain";
        String title = region.dev() + " persistence domain";
        Optional<String> domain = region.persistenceDomain();
        if (domain.isEmpty()) {
            return Check.of(id, title, NODE, Status.WARN, "the platform does not report where stores become "
                    + "durable (no persistence_domain): ask the vendor whether it has ADR");
        }
        return switch (domain.get()) {
            case "cpu_cache" -> Check.of(id, title, NODE, Status.PASS, "cpu_cache (eADR): stores are durable once "
                    + "they leave the core; the cache flushes PMDK issues are not needed but harmless");
            case "memory_controller" -> Check.of(id, title, NODE, Status.PASS, "memory_controller (ADR): stores are "
                    + "durable once flushed from the CPU caches, which PMDK does on every persist");
            case "none" -> Check.of(id, title, NODE, Status.FAIL, "none: even flushed stores may be lost on power "
                    + "failure; this region cannot hold pools");
            default -> Check.of(id, title, NODE, Status.WARN, "unknown persistence domain '" + domain.get() + "'");
        };
    }

    private Check namespaceNuma(PmemNamespace namespace) {
        String title = namespace.dev() + " NUMA";
        String where = namespace.blockdev().or(namespace::chardev).map(d -> " (/dev/" + d + ")").orElse("");
        OptionalInt node = namespace.numaNode();
        int nodes = machine.sysfs().numaNodes();
        if (node.isEmpty() || node.getAsInt() < 0) {
            return Check.of("pmem.numa", title, NODE, nodes > 1 ? Status.WARN : Status.PASS, namespace.dev() + where
                    + ": the platform does not say which NUMA node it is on" + (nodes > 1 ? " (" + nodes
                    + " nodes here: place the replica by hand)" : " (one node here: it does not matter)"));
        }
        String target = namespace.targetNode().isPresent() ? ", memory node " + namespace.targetNode().getAsInt() : "";
        return new Check("pmem.numa", title, NODE, Status.PASS, Optional.of(new Figure(node.getAsInt(), "node")), "",
                namespace.dev() + where + " is attached to NUMA node " + node.getAsInt() + target
                        + (nodes > 1 ? ": run its replica there (numactl --cpunodebind=" + node.getAsInt()
                        + " --membind=" + node.getAsInt() + ")" : " (the only node)"));
    }

    List<Check> daxDevices() {
        ToolResult result = machine.tools().run("daxctl", List.of("list"), machine.workload().toolTimeout());
        if (result instanceof ToolResult.Missing) {
            return List.of(Check.skipped("pmem.devdax", "device-DAX", NODE, "daxctl is not installed"));
        }
        if (!(result instanceof ToolResult.Finished finished) || !finished.succeeded()) {
            return List.of(Check.of("pmem.devdax", "device-DAX", NODE, Status.FAIL, result.failure()));
        }
        List<DaxDevice> devices = DaxctlParser.devices(finished.stdout());
        if (devices.isEmpty()) {
            return List.of(Check.skipped("pmem.devdax", "device-DAX", NODE, "no device-DAX instances (daxctl list shows none)"));
        }
        List<String> described = new ArrayList<>();
        for (DaxDevice device : devices) {
            described.add("/dev/" + device.chardev() + " " + device.mode() + " "
                    + Figure.number(device.sizeBytes() / (double) (1L << 30)) + " GiB");
        }
        return List.of(Check.of("pmem.devdax", "device-DAX", NODE, Status.PASS, String.join(", ", described)
                + ": not used by Vostok, whose pools are files on fsdax namespaces"));
    }

    List<Check> pmemModules() {
        ToolResult result = machine.tools().run("ipmctl", List.of("show", "-o", "nvmxml", "-dimm"),
                machine.workload().toolTimeout());
        if (result instanceof ToolResult.Missing) {
            return List.of(Check.skipped("pmem.modules", "PMem modules", NODE,
                    "ipmctl is not installed (Intel Optane modules only)"));
        }
        if (!(result instanceof ToolResult.Finished finished)
                || (!finished.succeeded() && !IpmctlParser.saysNoModules(finished.stdout() + finished.stderr()))) {
            return List.of(Check.of("pmem.modules", "PMem modules", NODE, Status.FAIL, result.failure()));
        }
        // ipmctl 3 exits 1 on a machine without modules, after saying so; earlier versions exit 0.
        List<PmemModule> modules = IpmctlParser.modules(finished.stdout() + finished.stderr());
        if (modules.isEmpty()) {
            return List.of(Check.skipped("pmem.modules", "PMem modules", NODE, "no Optane PMem modules (ipmctl: "
                    + finished.firstLine() + ")"));
        }
        List<String> bad = new ArrayList<>();
        Status status = Status.PASS;
        for (PmemModule module : modules) {
            if (!module.healthy()) {
                status = status.worse(module.degraded() ? Status.WARN : Status.FAIL);
                bad.add(module.dimmId() + " is " + module.healthState());
            }
        }
        String firmware = String.join(", ", modules.stream().map(PmemModule::firmware).distinct().toList());
        return List.of(new Check("pmem.modules", "PMem modules", NODE, status,
                Optional.of(new Figure(modules.size(), "modules")), "", bad.isEmpty()
                        ? "all healthy, firmware " + firmware
                        : String.join("; ", bad) + " (ipmctl show -a -dimm has the details)"));
    }

    List<Check> nvme() {
        List<String> controllers = machine.sysfs().nvmeControllers();
        if (controllers.isEmpty()) {
            return List.of(Check.skipped("nvme.devices", "NVMe devices", NODE, "no NVMe controllers (none in "
                    + machine.sysfs().root().resolve("class/nvme") + "): the NVMe checks are skipped"));
        }
        if (!machine.tools().installed("nvme")) {
            return List.of(Check.of("nvme.devices", "NVMe devices", NODE, Status.WARN, "the kernel found "
                    + String.join(", ", controllers) + " but nvme-cli is not installed to check them: "
                    + "apt-get install nvme-cli"));
        }
        ToolResult result = machine.tools().run("nvme", List.of("list", "-o", "json"), machine.workload().toolTimeout());
        if (!(result instanceof ToolResult.Finished finished) || !finished.succeeded()) {
            return List.of(Check.of("nvme.devices", "NVMe devices", NODE, Status.FAIL, result.failure()));
        }
        List<NvmeParser.Listed> namespaces = NvmeParser.list(finished.stdout());
        if (namespaces.isEmpty()) {
            return List.of(Check.of("nvme.devices", "NVMe devices", NODE, Status.WARN, "controllers "
                    + String.join(", ", controllers) + " have no namespaces nvme-cli can list"));
        }
        List<Check> checks = new ArrayList<>();
        for (NvmeParser.Listed namespace : namespaces) {
            checks.addAll(Guard.each("nvme.device", NODE, () -> nvmeNamespace(namespace)));
        }
        return checks;
    }

    private List<Check> nvmeNamespace(NvmeParser.Listed listed) {
        String device = listed.devicePath();
        String name = listed.blockName();
        List<Check> checks = new ArrayList<>();
        NvmeParser.Controller controller = NvmeParser.controller(runNvme("id-ctrl", device));
        NvmeParser.Format format = NvmeParser.format(runNvme("id-ns", device));
        checks.add(new Check("nvme.device", name, NODE, Status.PASS,
                Optional.of(new Figure(format.sizeBytes() / (double) (1L << 30), "GiB")), "",
                controller.model() + ", firmware " + controller.firmware() + ", " + format.dataBytes() + " B blocks"
                        + (format.metadataBytes() > 0 ? " + " + format.metadataBytes() + " B metadata" : "")
                        + ", namespace " + listed.nsid()));
        checks.add(health(name, NvmeParser.health(runNvme("smart-log", device))));
        volatileCaches.put(name, controller.volatileWriteCache());
        checks.add(writeCache(name, controller));
        return checks;
    }

    private String runNvme(String command, String device) {
        ToolResult result = machine.tools().run("nvme", List.of(command, device, "-o", "json"),
                machine.workload().toolTimeout());
        if (!(result instanceof ToolResult.Finished finished) || !finished.succeeded()) {
            throw new ToolOutputException(result.failure() + (result.failure().contains("ermission")
                    ? " (nvme-cli needs root to read the controller)" : ""));
        }
        return finished.stdout();
    }

    private Check health(String name, NvmeParser.Health health) {
        String title = name + " health";
        List<String> failures = new ArrayList<>();
        if (health.criticalWarning() != 0) {
            failures.add("critical warning 0x" + Integer.toHexString(health.criticalWarning()) + " ("
                    + criticalWarnings(health.criticalWarning()) + ")");
        }
        if (health.availableSparePercent() < health.spareThresholdPercent()) {
            failures.add("spare " + health.availableSparePercent() + "% is below its threshold "
                    + health.spareThresholdPercent() + "%");
        }
        String state = "spare " + health.availableSparePercent() + "%, " + health.temperatureCelsius() + " C, "
                + health.mediaErrors() + " media errors, " + health.unsafeShutdowns() + " unsafe shutdowns";
        if (!failures.isEmpty()) {
            return new Check("nvme.health", title, NODE, Status.FAIL,
                    Optional.of(new Figure(health.percentUsed(), "%")), "", String.join("; ", failures) + "; " + state);
        }
        Check used = Measured.check("nvme.health", title, NODE, machine.thresholds().get(Thresholds.NVME_PERCENT_USED),
                health.percentUsed(), "endurance used; " + state);
        if (used.status() == Status.PASS && health.mediaErrors() > 0) {
            return new Check(used.id(), used.title(), used.subject(), Status.WARN, used.measured(), used.threshold(),
                    used.why() + ": the drive has had unrecoverable media errors; watch it");
        }
        return used;
    }

    private static String criticalWarnings(int bits) {
        List<String> names = new ArrayList<>();
        String[] meaning = {"spare below threshold", "temperature out of range", "reliability degraded",
            "read-only", "volatile memory backup failed", "persistent memory region read-only"};
        for (int bit = 0; bit < meaning.length; bit++) {
            if ((bits & (1 << bit)) != 0) {
                names.add(meaning[bit]);
            }
        }
        return names.isEmpty() ? "reserved bits" : String.join(", ", names);
    }

    private Check writeCache(String name, NvmeParser.Controller controller) {
        String title = name + " write cache";
        if (!controller.volatileWriteCache()) {
            return Check.of("nvme.write-cache", title, NODE, Status.PASS, "no volatile write cache (VWC 0): a completed "
                    + "write is durable (power-loss protected), so fdatasync needs no flush");
        }
        Optional<String> mode = kernelWriteCache(name);
        if (mode.isEmpty()) {
            return Check.of("nvme.write-cache", title, NODE, Status.WARN, "the drive has a volatile write cache and "
                    + "the kernel's mode is unknown (no queue/write_cache in sysfs)");
        }
        if (mode.get().equals("write back")) {
            return Check.of("nvme.write-cache", title, NODE, Status.PASS, "volatile write cache, and the kernel "
                    + "knows it (write back): every fdatasync sends a Flush, so commits reach the media");
        }
        return Check.of("nvme.write-cache", title, NODE, Status.FAIL, "the drive has a volatile write cache but "
                + "the kernel is set to '" + mode.get() + "', so fdatasync sends no Flush and a power loss can "
                + "lose acknowledged commits: echo 'write back' > /sys/block/" + name + "/queue/write_cache");
    }

    private Optional<String> kernelWriteCache(String name) {
        return machine.sysfs().blockDevice(name).flatMap(BlockDevice::writeCache);
    }
}
