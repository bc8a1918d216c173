package org.vostok.hw.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The mounts of {@code /proc/mounts}, and which one a directory lives on.
 *
 * <p>Thread-safety: an immutable value.
 */
public final class MountTable {
    /** Where the kernel lists this process's mounts. */
    public static final Path PROC_MOUNTS = Path.of("/proc/mounts");

    private final List<MountEntry> entries;

    private MountTable(List<MountEntry> entries) {
        this.entries = List.copyOf(entries);
    }

    public static MountTable read(Path procMounts) {
        try {
            return parse(Files.readString(procMounts, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + procMounts + ": " + e.getMessage(), e);
        }
    }

    /** Parses the text of /proc/mounts: six fields a line, spaces in paths written as {@code \040}. */
    public static MountTable parse(String text) {
        List<MountEntry> entries = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length < 4) {
                continue;
            }
            entries.add(new MountEntry(unescape(fields[0]), Path.of(unescape(fields[1])), fields[2],
                    Arrays.asList(fields[3].split(","))));
        }
        return new MountTable(entries);
    }

    public List<MountEntry> entries() {
        return entries;
    }

    /**
     * The mount that holds {@code realPath} (a path with its symbolic links resolved): the one
     * with the longest mount point above it, the last listed of those, since a later mount
     * hides an earlier one on the same point.
     */
    public Optional<MountEntry> containing(Path realPath) {
        MountEntry best = null;
        for (MountEntry entry : entries) {
            if (realPath.startsWith(entry.mountPoint())
                    && (best == null || entry.mountPoint().getNameCount() >= best.mountPoint().getNameCount())) {
                best = entry;
            }
        }
        return Optional.ofNullable(best);
    }

    /** The kernel writes space, tab, newline and backslash in paths as three octal digits after a backslash. */
    static String unescape(String field) {
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && isOctal(field, i + 1) && isOctal(field, i + 2) && isOctal(field, i + 3)) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isOctal(String s, int i) {
        return i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '7';
    }
}
