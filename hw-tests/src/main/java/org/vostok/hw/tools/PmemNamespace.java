package org.vostok.hw.tools;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A namespace of a PMEM region as {@code ndctl list --namespaces} describes it.
 *
 * <p>Thread-safety: an immutable value.
 *
 * @param dev        {@code namespace0.0}
 * @param mode       {@code fsdax}, {@code devdax}, {@code sector} or {@code raw} (the older
 *                   names {@code memory} and {@code dax} are read as fsdax and devdax)
 * @param sizeBytes  its usable size
 * @param blockdev   the block device of an fsdax or sector namespace: {@code pmem0}
 * @param chardev    the character device of a devdax namespace: {@code dax0.0}
 * @param numaNode   the NUMA node of the CPUs nearest to it, when the platform says
 * @param targetNode the NUMA node of the memory itself, when the platform says
 */
public record PmemNamespace(String dev, String mode, long sizeBytes, Optional<String> blockdev,
                            Optional<String> chardev, OptionalInt numaNode, OptionalInt targetNode) {
    public PmemNamespace {
        Objects.requireNonNull(dev, "dev");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(blockdev, "blockdev");
        Objects.requireNonNull(chardev, "chardev");
        Objects.requireNonNull(numaNode, "numaNode");
        Objects.requireNonNull(targetNode, "targetNode");
    }

    /** Whether a DAX file system can be put on it, which is what PMDK pool files need. */
    public boolean isFsdax() {
        return mode.equals("fsdax");
    }
}
