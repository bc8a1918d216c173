package org.vostok.hw.checks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.vostok.hw.Machine;
import org.vostok.hw.probe.PersistProbe;
import org.vostok.hw.report.Check;
import org.vostok.hw.report.Figure;
import org.vostok.hw.report.Status;
import org.vostok.hw.system.BlockDevice;
import org.vostok.hw.system.MountEntry;
import org.vostok.hw.system.MountTable;
import org.vostok.hw.system.SysFs;
import org.vostok.hw.thresholds.Thresholds;

/**
 * How a data directory is set up: its file system and mount options, free space, whether it is
 * DAX (its files map with {@code MAP_SYNC}), the disks under it with their NUMA node and write
 * cache. {@link #dax()} tells the measurements whether persistent-memory figures can be taken
 * there.
 */
public final class DirectoryChecks {
    /** File systems whose contents do not survive a reboot. */
    private static final Set<String> VOLATILE = Set.of("tmpfs", "ramfs", "devtmpfs");
    /** File systems whose fsync is only as good as a server or the layers below. */
    private static final Set<String> INDIRECT = Set.of("nfs", "nfs4", "cifs", "smb3", "ceph", "glusterfs", "9p",
            "overlay", "virtiofs", "afs", "lustre");
    /** Mount options that make fsync return before the data is on stable media. */
    private static final Set<String> UNSAFE_OPTIONS = Set.of("nobarrier", "barrier=0");
    /** The size of the file the MAP_SYNC probe maps: a huge page, the unit DAX mappings prefer. */
    private static final long MAP_SYNC_PROBE_BYTES = 2L << 20;

    private final Machine machine;
    private final NodeChecks node;
    private final Optional<PersistProbe> probe;
    private final String probeUnavailable;
    private final Path directory;
    private final WorkDirectory work;
    private final String subject;
    private Optional<MountEntry> mount = Optional.empty();
    private boolean dax;

    /**
     * @param probe            the persist probe, when the VOS library loaded
     * @param probeUnavailable why there is no probe, when there is none
     */
    public DirectoryChecks(Machine machine, NodeChecks node, Optional<PersistProbe> probe, String probeUnavailable,
                           Path directory, WorkDirectory work) {
        this.machine = machine;
        this.node = node;
        this.probe = probe;
        this.probeUnavailable = probeUnavailable;
        this.directory = directory;
        this.work = work;
        this.subject = directory.toString();
    }

    public List<Check> run() {
        List<Check> checks = new ArrayList<>();
        checks.addAll(Guard.each("dir.filesystem", subject, this::fileSystem));
        checks.addAll(Guard.each("dir.free-space", subject, this::freeSpace));
        checks.addAll(Guard.each("dir.dax", subject, this::mapSync));
        checks.addAll(Guard.each("dir.disks", subject, this::disks));
        return checks;
    }

    /** Whether the directory's files map with MAP_SYNC, known once {@link #run()} has run. */
    public boolean dax() {
        return dax;
    }

    List<Check> fileSystem() {
        MountTable table = MountTable.read(machine.procMounts());
        Path real;
        try {
            real = directory.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot resolve " + directory + ": " + e.getMessage(), e);
        }
        mount = table.containing(real);
        if (mount.isEmpty()) {
            return List.of(Check.of("dir.filesystem", "file system", subject, Status.WARN, "no mount in "
                    + machine.procMounts() + " holds " + real));
        }
        MountEntry entry = mount.get();
        String where = entry.fsType() + " on " + entry.device() + " mounted at " + entry.mountPoint();
        List<Check> checks = new ArrayList<>();
        if (VOLATILE.contains(entry.fsType())) {
            checks.add(Check.of("dir.filesystem", "file system", subject, Status.FAIL, where
                    + ": memory, lost at reboot; put pools on a disk or a DAX file system"));
        } else if (entry.readOnly()) {
            checks.add(Check.of("dir.filesystem", "file system", subject, Status.FAIL, where + ": mounted read-only"));
        } else if (INDIRECT.contains(entry.fsType()) || entry.fsType().startsWith("fuse")) {
            checks.add(Check.of("dir.filesystem", "file system", subject, Status.WARN, where
                    + ": fsync here is only as durable as the layers or server below; use a local file system"));
        } else {
            checks.add(Check.of("dir.filesystem", "file system", subject, Status.PASS, where));
        }
        List<String> unsafe = entry.options().stream().filter(UNSAFE_OPTIONS::contains).toList();
        if (!unsafe.isEmpty()) {
            checks.add(Check.of("dir.mount-options", "mount options", subject, Status.FAIL, String.join(",", unsafe)
                    + " turns off write barriers: fsync may return before data is on stable media; remount without it"));
        } else {
            checks.add(Check.of("dir.mount-options", "mount options", subject, Status.PASS, entry.optionText()
                    + ": nothing that weakens fsync"));
        }
        return checks;
    }

    List<Check> freeSpace() {
        long usable;
        try {
            usable = Files.getFileStore(directory).getUsableSpace();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the free space under " + directory + ": " + e.getMessage(), e);
        }
        return List.of(Measured.check("dir.free-space", "free space", subject,
                machine.thresholds().get(Thresholds.FREE_SPACE), usable / (double) (1L << 30),
                "space an unprivileged writer can use (statfs f_bavail)"));
    }

    List<Check> mapSync() {
        boolean daxMount = mount.map(MountEntry::daxAlways).orElse(false);
        boolean perInode = mount.map(MountEntry::daxPerInode).orElse(false);
        String title = "DAX / MAP_SYNC";
        if (probe.isEmpty()) {
            return List.of(daxMount ? Check.of("dir.dax", title, subject, Status.FAIL, "mounted with dax, but the "
                    + "MAP_SYNC probe cannot run: " + probeUnavailable)
                    : Check.skipped("dir.dax", title, subject, "not mounted with dax, and the MAP_SYNC probe cannot "
                    + "run: " + probeUnavailable));
        }
        dax = probe.get().mapSync(work.resolve("map-sync.probe"), MAP_SYNC_PROBE_BYTES);
        if (dax) {
            return List.of(Check.of("dir.dax", title, subject, Status.PASS, "files here map with MAP_SYNC: PMDK "
                    + "persists with cache flushes, no msync" + (perInode ? " (dax=inode: the directory's DAX flag is set)" : "")));
        }
        if (daxMount) {
            return List.of(Check.of("dir.dax", title, subject, Status.FAIL, "mounted with dax, but MAP_SYNC is "
                    + "refused: the device is not an fsdax namespace or the file system cannot do DAX here, so "
                    + "PMDK would fall back to msync"));
        }
        return List.of(Check.skipped("dir.dax", title, subject, "not a DAX file system (MAP_SYNC refused"
                + (perInode ? "; dax=inode but this directory's files are not DAX: chattr +x it" : "")
                + "): the persistent-memory checks are skipped; the WAL backend is the one for this media"));
    }

    List<Check> disks() {
        long dev;
        try {
            dev = ((Number) Files.getAttribute(directory, "unix:dev")).longValue();
        } catch (IOException | UnsupportedOperationException e) {
            return List.of(Check.skipped("dir.disks", "disks", subject, "cannot tell the device under it: " + e));
        }
        int[] mm = SysFs.majorMinor(dev);
        List<BlockDevice> disks = machine.sysfs().disksOf(mm[0], mm[1]);
        if (disks.isEmpty()) {
            String fs = mount.map(MountEntry::fsType).orElse("unknown");
            return List.of(Check.skipped("dir.numa", "NUMA placement", subject, "no block device under it (device "
                    + mm[0] + ":" + mm[1] + ", " + fs + ")"),
                    Check.skipped("dir.write-cache", "write cache", subject, "no block device under it (" + fs + ")"));
        }
        return List.of(numa(disks), writeCache(disks));
    }

    private Check numa(List<BlockDevice> disks) {
        int nodes = machine.sysfs().numaNodes();
        List<String> placed = new ArrayList<>();
        boolean unknown = false;
        int first = -1;
        for (BlockDevice disk : disks) {
            int n = disk.numaNode().orElse(-1);
            unknown |= n < 0;
            first = first < 0 ? n : first;
            placed.add(disk.name() + (n < 0 ? " (node not reported)" : " on node " + n));
        }
        String what = String.join(", ", placed);
        if (nodes == 1) {
            return Check.of("dir.numa", "NUMA placement", subject, Status.PASS, what + "; one NUMA node on this "
                    + "machine, so placement does not matter");
        }
        if (unknown) {
            return Check.of("dir.numa", "NUMA placement", subject, Status.WARN, what + "; " + nodes + " NUMA nodes and "
                    + "the firmware does not say where a disk is: place the replica by hand");
        }
        return new Check("dir.numa", "NUMA placement", subject, Status.PASS, Optional.of(new Figure(first, "node")), "",
                what + "; run the replica of this directory on that node (numactl --cpunodebind=" + first
                        + " --membind=" + first + ")");
    }

    private Check writeCache(List<BlockDevice> disks) {
        List<String> described = new ArrayList<>();
        Status status = Status.PASS;
        for (BlockDevice disk : disks) {
            String mode = disk.writeCache().orElse("unknown");
            Optional<Boolean> volatileCache = node.volatileCache(disk.name());
            String fua = disk.fua().map(f -> f ? ", FUA" : ", no FUA").orElse("");
            if (mode.equals("write through") && volatileCache.orElse(false)) {
                status = Status.FAIL;
                described.add(disk.name() + ": the drive has a volatile write cache but the kernel is set to write "
                        + "through, so fdatasync sends no Flush (echo 'write back' > /sys/block/" + disk.name()
                        + "/queue/write_cache)");
            } else if (mode.equals("write back")) {
                described.add(disk.name() + ": write back" + fua + ", so every fdatasync sends a Flush");
            } else if (mode.equals("write through")) {
                described.add(disk.name() + ": write through" + fua + volatileCache.map(v -> ", no volatile cache (VWC 0)")
                        .orElse(", the kernel sees no volatile cache"));
            } else {
                status = status.worse(Status.WARN);
                described.add(disk.name() + ": the kernel does not report its write cache");
            }
        }
        return Check.of("dir.write-cache", "write cache", subject, status, String.join("; ", described));
    }
}
