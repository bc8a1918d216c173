package org.vostok.hw;

import java.time.Duration;
import java.util.Objects;

/**
 * How much each measurement and run does: sizes, counts and time bounds. {@link #standard()}
 * is what {@code vostok hw-check} runs (tens of seconds a data directory); {@link #quick()}
 * is the same work in miniature, for the module's tests.
 *
 * <p>Thread-safety: an immutable value.
 *
 * @param toolTimeout           the longest a discovery tool (ndctl, nvme, ...) may run
 * @param fioLatencySeconds     how long fio measures 4 KiB O_DIRECT writes with fdatasync
 * @param fioLatencyFileBytes   the file those writes cycle through
 * @param fioBandwidthBytes     how much fio writes in 1 MiB O_DIRECT writes
 * @param fioTimeout            the longest one fio run may take
 * @param walCommitsMax         one-update transactions timed on a WAL pool, at most ...
 * @param walCommitTime         ... and for at most this long
 * @param walBandwidthBytes     bytes committed in 1 MiB transactions to measure the WAL's bandwidth
 * @param walPoolBytes          the size of the measured WAL pool (its heap lives in DRAM)
 * @param pmemSamples64         64-byte persists timed on persistent memory
 * @param pmemSamples4k         4 KiB persists timed on persistent memory
 * @param pmemFileBytes         the file the persists cycle through
 * @param crashRounds           child processes killed in the VOS crash smoke, per backend
 * @param crashKillAfterMin     a child is killed after at least this many acknowledged commits ...
 * @param crashKillAfterMax     ... and at most this many
 * @param crashChildTimeout     the longest a child may go without reporting a commit
 * @param smokePoolBytes        the size of the crash smoke's and the rdb loop's pools
 * @param rdbCommits            transactions the rdb loop commits, at most ...
 * @param rdbTime               ... and for at most this long (past its first few)
 * @param rdbTimeout            the longest the rdb loop may wait for an election or a commit
 */
public record Workload(Duration toolTimeout, int fioLatencySeconds, long fioLatencyFileBytes, long fioBandwidthBytes,
                       Duration fioTimeout, int walCommitsMax, Duration walCommitTime, long walBandwidthBytes,
                       long walPoolBytes, int pmemSamples64, int pmemSamples4k, long pmemFileBytes, int crashRounds,
                       int crashKillAfterMin, int crashKillAfterMax, Duration crashChildTimeout, long smokePoolBytes,
                       int rdbCommits, Duration rdbTime, Duration rdbTimeout) {
    /** The smallest pool the store accepts (VOS_POOL_BYTES_MIN). */
    private static final long POOL_BYTES_MIN = 16L << 20;

    public Workload {
        Objects.requireNonNull(toolTimeout, "toolTimeout");
        Objects.requireNonNull(fioTimeout, "fioTimeout");
        Objects.requireNonNull(walCommitTime, "walCommitTime");
        Objects.requireNonNull(crashChildTimeout, "crashChildTimeout");
        Objects.requireNonNull(rdbTime, "rdbTime");
        Objects.requireNonNull(rdbTimeout, "rdbTimeout");
        if (fioLatencySeconds < 1 || fioLatencyFileBytes < (1 << 20) || fioBandwidthBytes < (1 << 20)) {
            throw new IllegalArgumentException("fio needs at least 1 s and 1 MiB files");
        }
        if (walCommitsMax < 10 || walBandwidthBytes < (1 << 20) || walPoolBytes < POOL_BYTES_MIN
                || walBandwidthBytes > walPoolBytes / 2) {
            throw new IllegalArgumentException("the WAL measurement needs at least 10 commits, 1 MiB of bandwidth "
                    + "writes, a pool of at least 16 MiB and room in it for twice the bytes written");
        }
        if (pmemSamples64 < 100 || pmemSamples4k < 100 || pmemFileBytes < (1 << 20)) {
            throw new IllegalArgumentException("the persist probe needs at least 100 samples a size and a 1 MiB file");
        }
        if (crashRounds < 1 || crashKillAfterMin < 1 || crashKillAfterMax < crashKillAfterMin
                || smokePoolBytes < POOL_BYTES_MIN || rdbCommits < 1) {
            throw new IllegalArgumentException("the smoke runs need a round, a kill point 1 <= min <= max, "
                    + "pools of at least 16 MiB and a commit");
        }
    }

    /** What {@code vostok hw-check} runs. */
    public static Workload standard() {
        return new Workload(Duration.ofSeconds(30), 3, 64L << 20, 256L << 20, Duration.ofSeconds(60), 2000,
                Duration.ofSeconds(3), 32L << 20, 128L << 20, 100_000, 20_000, 64L << 20, 3, 20, 100,
                Duration.ofSeconds(60), 64L << 20, 300, Duration.ofSeconds(3), Duration.ofSeconds(30));
    }

    /** The same work in miniature: a few seconds a directory on a busy 2-core machine. */
    public static Workload quick() {
        return new Workload(Duration.ofSeconds(30), 1, 4L << 20, 8L << 20, Duration.ofSeconds(60), 100,
                Duration.ofSeconds(1), 2L << 20, 16L << 20, 2_000, 500, 4L << 20, 2, 3, 10,
                Duration.ofSeconds(60), 16L << 20, 20, Duration.ofSeconds(1), Duration.ofSeconds(30));
    }
}
