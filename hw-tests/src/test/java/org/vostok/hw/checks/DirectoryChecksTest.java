package org.vostok.hw.checks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vostok.hw.FakeTools;
import org.vostok.hw.Machine;
import org.vostok.hw.Workload;
import org.vostok.hw.probe.PersistProbe;
import org.vostok.hw.report.Check;
import org.vostok.hw.report.Status;
import org.vostok.hw.system.SysFs;
import org.vostok.hw.thresholds.Thresholds;

/** A data directory's configuration, with the mount table written to say what this machine's is not. */
class DirectoryChecksTest {

    @TempDir
    Path dir;

    @TempDir
    Path etc;

    private List<Check> run(String mountLine) throws Exception {
        Path real = dir.toRealPath();
        Path mounts = Files.writeString(etc.resolve("mounts"), "/dev/vda / ext4 rw,relatime 0 0\n"
                + mountLine.replace("DIR", real.toString()) + "\n");
        Machine machine = new Machine(new FakeTools(), new SysFs(etc.resolve("no-sysfs")), mounts, Map.of(),
                Thresholds.defaults(), Workload.quick());
        try (PersistProbe probe = PersistProbe.load(); WorkDirectory work = WorkDirectory.create(dir)) {
            return new DirectoryChecks(machine, new NodeChecks(machine), Optional.of(probe), "", dir, work).run();
        }
    }

    private static Check find(List<Check> checks, String id) {
        return checks.stream().filter(c -> c.id().equals(id)).findFirst()
                .orElseThrow(() -> new AssertionError("no check " + id + " in " + checks));
    }

    @Test
    void memoryNobarrierAndAFalseDaxMountFail() throws Exception {
        List<Check> checks = run("tmpfs DIR tmpfs rw,nobarrier,dax=always 0 0");
        Check fs = find(checks, "dir.filesystem");
        assertEquals(Status.FAIL, fs.status());
        assertTrue(fs.why().contains("lost at reboot"), fs.why());
        Check options = find(checks, "dir.mount-options");
        assertEquals(Status.FAIL, options.status());
        assertTrue(options.why().startsWith("nobarrier turns off write barriers"), options.why());
        Check dax = find(checks, "dir.dax");
        assertEquals(Status.FAIL, dax.status(), "dax in the options but MAP_SYNC refused: " + dax.why());
        assertEquals(Status.SKIPPED, find(checks, "dir.write-cache").status(), "this sysfs has no such device");
    }

    @Test
    void aLocalFileSystemPassesAndANetworkOneWarns() throws Exception {
        List<Check> local = run("/dev/nvme0n1p1 DIR xfs rw,noatime 0 0");
        assertEquals(Status.PASS, find(local, "dir.filesystem").status());
        assertEquals(Status.PASS, find(local, "dir.mount-options").status());
        assertEquals(Status.SKIPPED, find(local, "dir.dax").status());
        assertTrue(find(local, "dir.free-space").measured().isPresent());
        List<Check> nfs = run("server:/export DIR nfs4 rw,relatime 0 0");
        assertEquals(Status.WARN, find(nfs, "dir.filesystem").status());
    }
}
