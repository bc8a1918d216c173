package org.vostok.hw.system;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A whole disk under a data directory, as sysfs describes it.
 *
 * <p>Thread-safety: an immutable value.
 *
 * @param name       {@code nvme0n1}, {@code pmem0}, {@code vda}
 * @param writeCache {@code queue/write_cache}: {@code write back} (the kernel sends flushes, so
 *                   fsync reaches the media) or {@code write through} (it sends none)
 * @param fua        {@code queue/fua}: whether writes can be forced to the media one by one
 * @param numaNode   the NUMA node of the device, from the nearest {@code numa_node} above it;
 *                   -1 where the firmware does not say
 * @param dax        {@code queue/dax}: whether the device can be mapped directly (PMEM)
 */
public record BlockDevice(String name, Optional<String> writeCache, Optional<Boolean> fua, OptionalInt numaNode,
                          Optional<Boolean> dax) {
    public BlockDevice {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(writeCache, "writeCache");
        Objects.requireNonNull(fua, "fua");
        Objects.requireNonNull(numaNode, "numaNode");
        Objects.requireNonNull(dax, "dax");
    }

    /** An NVMe namespace: {@code nvme<controller>n<namespace>}. */
    public boolean nvme() {
        return name.matches("nvme\\d+(c\\d+)?n\\d+");
    }

    /** The controller's name of an NVMe namespace: {@code nvme0} for {@code nvme0n1}. */
    public Optional<String> nvmeController() {
        if (!nvme()) {
            return Optional.empty();
        }
        return Optional.of(name.substring(0, name.indexOf('n', 4)).replaceAll("c\\d+$", ""));
    }
}
