package org.vostok.hw.system;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vostok.hw.FakeSysfs;

/**
 * sysfs layouts of hardware this machine lacks, built in a directory: an NVMe namespace with a
 * partition on a PCI function of NUMA node 1, and a device-mapper volume over two disks.
 */
class SysFsTest {

    @TempDir
    Path root;

    @Test
    void aPartitionLeadsToItsDiskAndItsNumaNode() throws IOException {
        FakeSysfs.nvme(root, 0, "write back", 1);
        FakeSysfs.numaNodes(root, 2);
        SysFs sysfs = new SysFs(root);
        List<BlockDevice> disks = sysfs.disksOf(259, 1);
        assertEquals(1, disks.size());
        BlockDevice disk = disks.get(0);
        assertEquals("nvme0n1", disk.name());
        assertTrue(disk.nvme());
        assertEquals(Optional.of("nvme0"), disk.nvmeController());
        assertEquals(Optional.of("write back"), disk.writeCache());
        assertEquals(Optional.of(true), disk.fua());
        assertEquals(OptionalInt.of(1), disk.numaNode());
        assertEquals(2, sysfs.numaNodes());
        assertEquals(List.of("nvme0"), sysfs.nvmeControllers());
        assertEquals(Optional.of("write back"), sysfs.blockDevice("nvme0n1").flatMap(BlockDevice::writeCache));
    }

    @Test
    void aDeviceMapperVolumeLeadsToTheDisksUnderIt() throws IOException {
        Path sda = root.resolve("devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda");
        Path sdb = root.resolve("devices/pci0000:00/0000:00:17.0/ata2/host1/target1:0:0/1:0:0:0/block/sdb");
        FakeSysfs.write(sda.resolve("queue/write_cache"), "write through");
        FakeSysfs.write(sdb.resolve("queue/write_cache"), "write back");
        Path dm = root.resolve("devices/virtual/block/dm-0");
        FakeSysfs.link(dm.resolve("slaves/sda"), sda);
        FakeSysfs.link(dm.resolve("slaves/sdb"), sdb);
        FakeSysfs.link(root.resolve("dev/block/254:0"), dm);
        List<BlockDevice> disks = new SysFs(root).disksOf(254, 0);
        assertEquals(List.of("sda", "sdb"), disks.stream().map(BlockDevice::name).toList());
        assertEquals(OptionalInt.empty(), disks.get(0).numaNode());
        assertEquals(1, new SysFs(root).numaNodes(), "no node directories: one node");
    }

    @Test
    void aNumberOfNoBlockDeviceHasNoDisks() {
        assertEquals(List.of(), new SysFs(root).disksOf(0, 52));
    }

    @Test
    void devTIsDecodedAsGlibcEncodesIt() {
        assertArrayEquals(new int[] {254, 0}, SysFs.majorMinor(0xfe00));
        assertArrayEquals(new int[] {259, 1}, SysFs.majorMinor((259L << 8) | 1));
        assertArrayEquals(new int[] {8, 300}, SysFs.majorMinor((8L << 8) | (300 & 0xff) | ((300L & ~0xffL) << 12)));
    }
}
