package org.vostok.hw;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** sysfs layouts of hardware this machine lacks, built under a test directory. */
public final class FakeSysfs {
    private FakeSysfs() {
    }

    public static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text + "\n");
    }

    public static void link(Path link, Path target) throws IOException {
        Files.createDirectories(link.getParent());
        Files.createSymbolicLink(link, link.getParent().relativize(target));
    }

    /**
     * NVMe controller {@code nvme<n>} with namespace {@code nvme<n>n1} (block 259:{@code 2n}) and
     * its partition (259:{@code 2n+1}) on a PCI function of NUMA node {@code node}, the kernel's
     * write cache mode {@code cache}.
     */
    public static void nvme(Path root, int n, String cache, int node) throws IOException {
        Path pci = root.resolve("devices/pci0000:80/0000:80:0" + n + ".0");
        write(pci.resolve("numa_node"), Integer.toString(node));
        String name = "nvme" + n + "n1";
        Path ns = pci.resolve("nvme/nvme" + n + "/" + name);
        write(ns.resolve("queue/write_cache"), cache);
        write(ns.resolve("queue/fua"), "1");
        write(ns.resolve(name + "p1/partition"), "1");
        link(root.resolve("dev/block/259:" + (2 * n)), ns);
        link(root.resolve("dev/block/259:" + (2 * n + 1)), ns.resolve(name + "p1"));
        link(root.resolve("block/" + name), ns);
        Files.createDirectories(root.resolve("class/nvme/nvme" + n));
    }

    /** NUMA nodes 0 .. count-1. */
    public static void numaNodes(Path root, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            write(root.resolve("devices/system/node/node" + i + "/cpulist"), (16 * i) + "-" + (16 * i + 15));
        }
    }

    /** PMEM region directories the kernel would list. */
    public static void pmemRegions(Path root, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            Files.createDirectories(root.resolve("bus/nd/devices/region" + i));
        }
    }
}
