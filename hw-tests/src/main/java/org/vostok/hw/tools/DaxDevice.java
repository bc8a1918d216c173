package org.vostok.hw.tools;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * A device-DAX instance as {@code daxctl list} describes it.
 *
 * <p>Thread-safety: an immutable value.
 *
 * @param chardev    {@code dax0.0}
 * @param sizeBytes  its size
 * @param mode       {@code devdax}, or {@code system-ram} when it was handed to the kernel as memory
 * @param targetNode the NUMA node of the memory, when listed
 */
public record DaxDevice(String chardev, long sizeBytes, String mode, OptionalInt targetNode) {
    public DaxDevice {
        Objects.requireNonNull(chardev, "chardev");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(targetNode, "targetNode");
    }
}
