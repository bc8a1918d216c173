package org.vostok.hw.system;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One line of {@code /proc/mounts}.
 *
 * <p>Thread-safety: an immutable value.
 *
 * @param device     what is mounted: {@code /dev/nvme0n1p1}, {@code tmpfs}
 * @param mountPoint where
 * @param fsType     {@code ext4}, {@code xfs}, {@code tmpfs}, ...
 * @param options    the mount options in order, e.g. {@code rw}, {@code relatime}, {@code dax=always}
 */
public record MountEntry(String device, Path mountPoint, String fsType, List<String> options) {
    public MountEntry {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(mountPoint, "mountPoint");
        Objects.requireNonNull(fsType, "fsType");
        options = List.copyOf(options);
    }

    /** Whether the options hold {@code name} alone or as {@code name=...}. */
    public boolean has(String name) {
        return value(name).isPresent() || options.contains(name);
    }

    /** The value of {@code name=value}, if that option is present. */
    public Optional<String> value(String name) {
        for (String option : options) {
            if (option.startsWith(name + "=")) {
                return Optional.of(option.substring(name.length() + 1));
            }
        }
        return Optional.empty();
    }

    /** Whether every file is mapped directly ({@code dax} or {@code dax=always}). */
    public boolean daxAlways() {
        return options.contains("dax") || value("dax").map("always"::equals).orElse(false);
    }

    /** Whether DAX is chosen per file ({@code dax=inode}), so a directory's flag decides. */
    public boolean daxPerInode() {
        return value("dax").map("inode"::equals).orElse(false);
    }

    public boolean readOnly() {
        return options.contains("ro");
    }

    /** The options as one comma-separated string, as /proc/mounts prints them. */
    public String optionText() {
        return String.join(",", options);
    }
}
