package org.vostok.hw.checks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vostok.hw.FakeSysfs;
import org.vostok.hw.FakeTools;
import org.vostok.hw.Machine;
import org.vostok.hw.Samples;
import org.vostok.hw.Workload;
import org.vostok.hw.report.Check;
import org.vostok.hw.report.Status;
import org.vostok.hw.system.MountTable;
import org.vostok.hw.system.SysFs;
import org.vostok.hw.thresholds.Thresholds;

/**
 * The node checks against the documented outputs of PMEM and NVMe hardware this machine does not
 * have (and a sysfs built to match): what passes, what warns, what fails, and why.
 */
class NodeChecksTest {

    @TempDir
    Path sys;

    private Machine machine(FakeTools tools, Map<String, String> environment) {
        return new Machine(tools, new SysFs(sys), MountTable.PROC_MOUNTS, environment, Thresholds.defaults(),
                Workload.quick());
    }

    private static Check find(List<Check> checks, String title) {
        return checks.stream().filter(c -> c.title().equals(title)).findFirst()
                .orElseThrow(() -> new AssertionError("no check titled " + title + " in " + checks));
    }

    @Test
    void aMachineWithoutToolsOrDevicesSkipsWithReasons() {
        List<Check> checks = new NodeChecks(machine(new FakeTools(), Map.of())).run();
        for (String tool : List.of("ndctl", "daxctl", "ipmctl", "nvme", "fio")) {
            Check check = find(checks, "tool " + tool);
            assertEquals(Status.SKIPPED, check.status());
            assertTrue(check.why().contains("apt-get install " + NodeChecks.packageOf(tool)), check.why());
        }
        assertEquals(Status.SKIPPED, find(checks, "PMEM regions").status());
        assertEquals(Status.SKIPPED, find(checks, "NVMe devices").status());
        assertEquals(Status.PASS, find(checks, "PMEM_IS_PMEM_FORCE").status());
        assertTrue(checks.stream().noneMatch(c -> c.status() == Status.FAIL), checks.toString());
    }

    @Test
    void devicesTheKernelFoundWithoutTheirToolsWarn() throws IOException {
        FakeSysfs.pmemRegions(sys, 2);
        FakeSysfs.nvme(sys, 0, "write back", 0);
        List<Check> checks = new NodeChecks(machine(new FakeTools(), Map.of("PMEM_IS_PMEM_FORCE", "1"))).run();
        Check regions = find(checks, "PMEM regions");
        assertEquals(Status.WARN, regions.status());
        assertTrue(regions.why().contains("region0, region1") && regions.why().contains("apt-get install ndctl"),
                regions.why());
        Check nvme = find(checks, "NVMe devices");
        assertEquals(Status.WARN, nvme.status());
        assertTrue(nvme.why().contains("apt-get install nvme-cli"), nvme.why());
        assertEquals(Status.WARN, find(checks, "PMEM_IS_PMEM_FORCE").status());
    }

    @Test
    void pmemRegionsNamespacesDomainsAndModulesAreJudged() throws IOException {
        FakeSysfs.numaNodes(sys, 2);
        FakeTools tools = new FakeTools().allInstalled()
                .answer("ndctl list --regions --namespaces", Samples.read("ndctl-regions.json"))
                .answer("daxctl list", Samples.read("daxctl-list.json"))
                .answer("ipmctl show -o nvmxml -dimm", Samples.read("ipmctl-dimms.xml"));
        List<Check> checks = new NodeChecks(machine(tools, Map.of())).run();

        Check regions = find(checks, "PMEM regions");
        assertEquals(Status.WARN, regions.status(), "a sector namespace cannot be mapped: " + regions.why());
        assertTrue(regions.why().contains("namespace0.1 is in sector mode"), regions.why());
        assertTrue(regions.why().contains("namespace0.0 fsdax /dev/pmem0"), regions.why());

        assertEquals(Status.PASS, find(checks, "region1 persistence domain").status());
        assertTrue(find(checks, "region1 persistence domain").why().startsWith("cpu_cache (eADR)"));
        assertEquals(Status.WARN, find(checks, "region0 persistence domain").status(), "region0 reports no domain");

        Check numa = find(checks, "namespace1.0 NUMA");
        assertEquals(Status.PASS, numa.status());
        assertTrue(numa.why().contains("numactl --cpunodebind=1 --membind=1"), numa.why());

        assertEquals(Status.PASS, find(checks, "device-DAX").status());
        Check modules = find(checks, "PMem modules");
        assertEquals(Status.WARN, modules.status());
        assertTrue(modules.why().contains("0x0011 is Noncritical failure"), modules.why());
    }

    @Test
    void aRegionWithoutPersistenceDomainOrFsdaxFails() {
        FakeTools tools = new FakeTools()
                .answer("ndctl list --regions --namespaces", Samples.read("ndctl-bus.json"));
        List<Check> checks = new NodeChecks(machine(tools, Map.of())).run();
        assertEquals(Status.FAIL, find(checks, "region0 persistence domain").status());
        Check regions = find(checks, "PMEM regions");
        assertEquals(Status.WARN, regions.status());
        assertTrue(regions.why().contains("no fsdax namespace"), regions.why());
    }

    @Test
    void nvmeHealthFormatAndAnUnflushedVolatileCacheAreJudged() throws IOException {
        FakeSysfs.nvme(sys, 0, "write through", 0);
        FakeSysfs.nvme(sys, 1, "write through", 0);
        FakeTools tools = new FakeTools()
                .answer("nvme list -o json", Samples.read("nvme-list.json"))
                .answer("nvme id-ctrl /dev/nvme0n1 -o json", Samples.read("nvme-id-ctrl-plp.json"))
                .answer("nvme id-ns /dev/nvme0n1 -o json", Samples.read("nvme-id-ns-4k.json"))
                .answer("nvme smart-log /dev/nvme0n1 -o json", Samples.read("nvme-smart-log.json"))
                .answer("nvme id-ctrl /dev/nvme1n1 -o json", Samples.read("nvme-id-ctrl-vwc.json"))
                .answer("nvme id-ns /dev/nvme1n1 -o json", Samples.read("nvme-id-ns-4k.json"))
                .answer("nvme smart-log /dev/nvme1n1 -o json", Samples.read("nvme-smart-log-worn.json"));
        NodeChecks node = new NodeChecks(machine(tools, Map.of()));
        List<Check> checks = node.run();

        Check device = find(checks, "nvme0n1");
        assertEquals(Status.PASS, device.status());
        assertTrue(device.why().contains("SAMSUNG MZWLJ3T8HBLS-00007, firmware EPK9CB5Q, 4096 B blocks"), device.why());
        assertEquals(Status.PASS, find(checks, "nvme0n1 health").status());
        assertEquals(Status.PASS, find(checks, "nvme0n1 write cache").status(), "no volatile cache: write through is right");

        Check worn = find(checks, "nvme1n1 health");
        assertEquals(Status.FAIL, worn.status());
        assertTrue(worn.why().contains("reliability degraded") && worn.why().contains("spare 8% is below its threshold 10%"),
                worn.why());
        Check cache = find(checks, "nvme1n1 write cache");
        assertEquals(Status.FAIL, cache.status());
        assertTrue(cache.why().contains("echo 'write back' > /sys/block/nvme1n1/queue/write_cache"), cache.why());
        assertEquals(Optional.of(true), node.volatileCache("nvme1n1"));
        assertEquals(Optional.of(false), node.volatileCache("nvme0n1"));
    }

    @Test
    void aFailingToolOrOutputThatDoesNotParseIsAFailWithItsWordsNotAStackTrace() throws IOException {
        FakeSysfs.nvme(sys, 0, "write back", 0);
        FakeTools tools = new FakeTools()
                .answer("ndctl list --regions --namespaces", 1, "", "libndctl: ndctl_new: failed to initialize")
                .answer("nvme list -o json", "{\"Devices\":[{\"NameSpace\":1,\"DevicePath\":\"/dev/nvme0n1\"}]}")
                .answer("nvme id-ctrl /dev/nvme0n1 -o json", 1, "", "open: Permission denied");
        List<Check> checks = new NodeChecks(machine(tools, Map.of())).run();
        Check regions = find(checks, "PMEM regions");
        assertEquals(Status.FAIL, regions.status());
        assertEquals("`ndctl list --regions --namespaces` exited with 1: libndctl: ndctl_new: failed to initialize",
                regions.why());
        Check nvme = checks.stream().filter(c -> c.id().equals("nvme.device")).findFirst().orElseThrow();
        assertEquals(Status.FAIL, nvme.status());
        assertTrue(nvme.why().contains("Permission denied") && nvme.why().contains("needs root"), nvme.why());
    }

    @Test
    void ipmctlExitingOneAfterSayingThereAreNoModulesIsSkipped() {
        // Before, ipmctl 3's exit code 1 on a machine without modules (this development machine's)
        // was reported as a FAIL of the tool, so every node without Optane failed the check.
        FakeTools tools = new FakeTools()
                .answer("ipmctl show -o nvmxml -dimm", 1, "Initialization failed. No PMem modules in the system.\n", "");
        Check modules = find(new NodeChecks(machine(tools, Map.of())).run(), "PMem modules");
        assertEquals(Status.SKIPPED, modules.status(), modules.why());
        assertTrue(modules.why().contains("No PMem modules in the system"), modules.why());
        FakeTools broken = new FakeTools().answer("ipmctl show -o nvmxml -dimm", 1, "", "Error: access denied");
        assertEquals(Status.FAIL, find(new NodeChecks(machine(broken, Map.of())).run(), "PMem modules").status());
    }
}
