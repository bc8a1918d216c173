package org.vostok.server.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The mounted file systems as {@code /proc/mounts} lists them, to tell whether a directory is
 * on a DAX mount (persistent memory mapped straight into the process, {@code mount -o dax}).
 */
public record Mounts(List<Mount> mounts) {

    /** The kernel's list of mounts. */
    public static final Path PROC_MOUNTS = Path.of("/proc/mounts");

    public Mounts {
        mounts = List.copyOf(mounts);
    }

    /**
     * One mount.
     *
     * @param device what is mounted (e.g. /dev/pmem0)
     * @param mountPoint where
     * @param fsType its file system (ext4, xfs)
     * @param options its mount options
     */
    public record Mount(String device, Path mountPoint, String fsType, Set<String> options) {
        public Mount {
            Objects.requireNonNull(device, "device");
            Objects.requireNonNull(mountPoint, "mountPoint");
            Objects.requireNonNull(fsType, "fsType");
            options = Set.copyOf(options);
        }

        /**
         * True when files here are mapped as DAX: {@code dax} (ext4, xfs before 5.8) or
         * {@code dax=always}. {@code dax=inode} leaves it to each file's flag, which Vostok does
         * not set, so it does not count.
         */
        public boolean dax() {
            return options.contains("dax") || options.contains("dax=always");
        }

        @Override
        public String toString() {
            return device + " on " + mountPoint + " (" + fsType + ", " + String.join(",", options) + ")";
        }
    }

    /** Reads {@code file} in the format of {@code /proc/mounts}. */
    public static Mounts read(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Parses {@code /proc/mounts} text: device, mount point, type, options, dump, pass; spaces escaped as \040. */
    public static Mounts parse(String text) {
        List<Mount> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 4 || !f[1].startsWith("/")) {
                continue;
            }
            out.add(new Mount(unescape(f[0]), Path.of(unescape(f[1])), f[2], Set.of(f[3].split(","))));
        }
        return new Mounts(out);
    }

    private static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /**
     * The mount that holds {@code directory}: the one with the longest mount point above its
     * real path (the nearest existing ancestor's, when it does not exist yet). The last mount
     * listed wins a tie, as the kernel stacks mounts.
     */
    public Optional<Mount> holding(Path directory) {
        Path p = existingAncestor(directory.toAbsolutePath().normalize());
        Mount best = null;
        for (Mount m : mounts) {
            if (p.startsWith(m.mountPoint())
                    && (best == null || m.mountPoint().getNameCount() >= best.mountPoint().getNameCount())) {
                best = m;
            }
        }
        return Optional.ofNullable(best);
    }

    private static Path existingAncestor(Path p) {
        Path q = p;
        while (q != null && !Files.exists(q)) {
            q = q.getParent();
        }
        if (q == null) {
            return p;
        }
        try {
            return q.toRealPath().resolve(q.relativize(p));
        } catch (IOException e) {
            return p;
        }
    }
}
