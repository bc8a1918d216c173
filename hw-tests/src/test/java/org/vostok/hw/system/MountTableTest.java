package org.vostok.hw.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MountTableTest {
    private static final String MOUNTS = """
            /dev/vda / ext4 rw,relatime,discard 0 0
            tmpfs /dev/shm tmpfs rw,relatime,size=24683748k 0 0
            /dev/pmem0 /mnt/pmem0 ext4 rw,relatime,dax=always 0 0
            /dev/pmem1 /mnt/pmem1 xfs rw,noatime,dax 0 0
            /dev/nvme0n1p1 /data ext4 rw,noatime,nobarrier 0 0
            /dev/nvme1n1 /data/with\\040space xfs rw,relatime,dax=inode 0 0
            /dev/sdb1 /data ext4 ro,relatime 0 0
            """;

    @Test
    void theDeepestMountHoldsAPathAndALaterOneHidesAnEarlier() {
        MountTable table = MountTable.parse(MOUNTS);
        assertEquals("/dev/vda", table.containing(Path.of("/var/lib/vostok")).orElseThrow().device());
        assertEquals("/dev/pmem0", table.containing(Path.of("/mnt/pmem0/pools")).orElseThrow().device());
        assertEquals("/dev/vda", table.containing(Path.of("/mnt/pmem00")).orElseThrow().device(),
                "a mount point is matched by whole names, not by a string prefix");
        MountEntry data = table.containing(Path.of("/data/replica-1")).orElseThrow();
        assertEquals("/dev/sdb1", data.device(), "the later mount on /data hides the earlier");
        assertTrue(data.readOnly());
    }

    @Test
    void escapedSpacesAndDaxOptionsAreRead() {
        MountTable table = MountTable.parse(MOUNTS);
        MountEntry spaced = table.containing(Path.of("/data/with space/x")).orElseThrow();
        assertEquals(Path.of("/data/with space"), spaced.mountPoint());
        assertTrue(spaced.daxPerInode());
        assertFalse(spaced.daxAlways());
        assertTrue(table.containing(Path.of("/mnt/pmem0")).orElseThrow().daxAlways());
        assertTrue(table.containing(Path.of("/mnt/pmem1")).orElseThrow().daxAlways(), "plain 'dax' is dax=always");
        assertEquals(Optional.of("always"), table.containing(Path.of("/mnt/pmem0")).orElseThrow().value("dax"));
        assertTrue(table.entries().get(4).has("nobarrier"));
    }

    @Test
    void thisMachinesMountTableHoldsTheRoot() {
        MountTable table = MountTable.read(MountTable.PROC_MOUNTS);
        assertTrue(table.containing(Path.of("/")).isPresent());
    }
}
