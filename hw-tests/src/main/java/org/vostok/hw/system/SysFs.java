package org.vostok.hw.system;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeSet;

/**
 * What the checks read from sysfs: NUMA nodes, the NVMe controllers and PMEM regions the kernel
 * found (whether or not their tools are installed), and the disks under a file system with
 * their write cache, FUA and NUMA node. The root is a parameter so that the layouts of hardware
 * this machine lacks can be built in a test directory.
 *
 * <p>Thread-safety: immutable; every call reads sysfs afresh.
 */
public final class SysFs {
    /** How deep device-mapper and md stacks are followed to their disks. */
    private static final int STACK_DEPTH_MAX = 8;

    private final Path root;

    public SysFs(Path root) {
        this.root = root;
    }

    /** The machine's own {@code /sys}. */
    public static SysFs system() {
        return new SysFs(Path.of("/sys"));
    }

    public Path root() {
        return root;
    }

    /** The NUMA nodes the kernel knows: {@code devices/system/node/node<N>}; 1 when it lists none. */
    public int numaNodes() {
        return Math.max(1, names(root.resolve("devices/system/node"), "node[0-9]+").size());
    }

    /** The NVMe controllers the kernel bound ({@code class/nvme}). */
    public List<String> nvmeControllers() {
        return names(root.resolve("class/nvme"), "nvme[0-9]+");
    }

    /** The NVDIMM regions the kernel found ({@code bus/nd/devices/region<N>}). */
    public List<String> pmemRegions() {
        return names(root.resolve("bus/nd/devices"), "region[0-9]+");
    }

    /**
     * The whole disks behind the block device {@code major:minor}: the disk itself (not a
     * partition of it), or the disks under a device-mapper or md device. Empty when the number
     * is no block device's (tmpfs, overlay, NFS).
     */
    public List<BlockDevice> disksOf(int major, int minor) {
        Path link = root.resolve("dev/block/" + major + ":" + minor);
        Map<String, BlockDevice> disks = new LinkedHashMap<>();
        if (Files.exists(link)) {
            collect(link, disks, 0);
        }
        return List.copyOf(disks.values());
    }

    /** The disk named {@code name} in {@code block/}, if there is one. */
    public Optional<BlockDevice> blockDevice(String name) {
        Path link = root.resolve("block").resolve(name);
        Map<String, BlockDevice> disks = new LinkedHashMap<>();
        if (Files.exists(link)) {
            collect(link, disks, STACK_DEPTH_MAX);
        }
        return disks.values().stream().findFirst();
    }

    /** The major and minor numbers of a Linux {@code dev_t} (glibc's encoding, as {@code stat} gives it). */
    public static int[] majorMinor(long dev) {
        int major = (int) (((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL));
        int minor = (int) ((dev & 0xff) | ((dev >>> 12) & ~0xffL));
        return new int[] {major, minor};
    }

    private void collect(Path device, Map<String, BlockDevice> disks, int depth) {
        Path dir;
        try {
            dir = device.toRealPath();
        } catch (IOException e) {
            return;
        }
        if (Files.exists(dir.resolve("partition"))) {
            dir = dir.getParent();
        }
        List<String> slaves = names(dir.resolve("slaves"), ".+");
        if (!slaves.isEmpty() && depth < STACK_DEPTH_MAX) {
            for (String slave : slaves) {
                collect(dir.resolve("slaves").resolve(slave), disks, depth + 1);
            }
            return;
        }
        String name = dir.getFileName().toString();
        disks.putIfAbsent(name, new BlockDevice(name, read(dir.resolve("queue/write_cache")),
                read(dir.resolve("queue/fua")).map("1"::equals), numaNode(dir),
                read(dir.resolve("queue/dax")).map("1"::equals)));
    }

    /** The first {@code numa_node} found walking up from the device (the disk has none; its PCI function does). */
    private OptionalInt numaNode(Path dir) {
        Path devices = root.toAbsolutePath().normalize();
        for (Path p = dir; p != null && p.getNameCount() > 0; p = p.getParent()) {
            Optional<String> node = read(p.resolve("numa_node"));
            if (node.isPresent()) {
                try {
                    return OptionalInt.of(Integer.parseInt(node.get()));
                } catch (NumberFormatException e) {
                    return OptionalInt.empty();
                }
            }
            if (p.equals(devices)) {
                break;
            }
        }
        return OptionalInt.empty();
    }

    private static Optional<String> read(Path file) {
        try {
            return Files.isRegularFile(file) ? Optional.of(Files.readString(file, StandardCharsets.UTF_8).strip())
                    : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static List<String> names(Path dir, String pattern) {
        TreeSet<String> names = new TreeSet<>();
        if (!Files.isDirectory(dir)) {
            return new ArrayList<>();
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (name.matches(pattern)) {
                    names.add(name);
                }
            }
        } catch (IOException e) {
            return new ArrayList<>();
        }
        return new ArrayList<>(names);
    }
}
