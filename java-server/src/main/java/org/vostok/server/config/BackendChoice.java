package org.vostok.server.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import org.vostok.server.config.Mounts.Mount;
import org.vostok.vos.PoolBackend;

/**
 * The pool backend a node's new replicas get, from the {@code backend} setting and the mount
 * that holds the data directory: PMDK pools need a DAX mount to be what they are for (persistent
 * memory mapped into the process; elsewhere PMDK emulates persistence with msync, about twenty
 * per transaction), and the WAL backend is the one for NVMe/SSD.
 *
 * @param backend the backend chosen
 * @param reason why, in words for the log
 */
public record BackendChoice(PoolBackend backend, String reason) {

    public BackendChoice {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(reason, "reason");
    }

    /**
     * Chooses for {@code config}. {@link ConfigException} when {@code backend: pmem} names a
     * data directory that is not on a DAX mount.
     */
    public static BackendChoice choose(ServerConfig config, Mounts mounts) {
        Path dir = config.dataDirectory();
        Optional<Mount> mount = mounts.holding(dir);
        boolean dax = mount.map(Mount::dax).orElse(false);
        String where = mount.map(m -> dir + " is on " + m.mountPoint() + " (" + m.fsType() + " on " + m.device()
                + (dax ? ", mounted with dax)" : ", without the dax option)")).orElse(dir + " is on no mount listed in "
                + Mounts.PROC_MOUNTS);
        return switch (config.backend()) {
            case WAL -> new BackendChoice(PoolBackend.WAL, "backend: wal (" + where + ")");
            case PMEM -> {
                if (!dax) {
                    throw new ConfigException(config.where("backend"), "backend", "pmem", "needs the data directory on"
                            + " a DAX mount, but " + where, "mount the persistent memory with -o dax and point"
                            + " data_dir there, or use backend: wal (NVMe/SSD) or auto");
                }
                yield new BackendChoice(PoolBackend.PMEM, "backend: pmem (" + where + ")");
            }
            case AUTO -> dax ? new BackendChoice(PoolBackend.PMEM, "backend: auto chose pmem, as " + where)
                    : new BackendChoice(PoolBackend.WAL, "backend: auto chose wal, as " + where);
        };
    }
}
