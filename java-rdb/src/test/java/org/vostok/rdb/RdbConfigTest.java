package org.vostok.rdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vostok.rdb.model.RdbError;
import org.vostok.rdb.model.RdbException;
import org.vostok.rdb.testing.TestPools;
import org.vostok.rdb.transport.LocalNetwork;
import org.vostok.vos.Pool;

/** The limits of space, compaction and snapshots: defaults, and each refused outside its bounds naming itself. */
class RdbConfigTest {

    @TempDir
    Path dir;

    private static void refused(String name, UnaryOperator<RdbConfig.Builder> set) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> set.apply(RdbConfig.builder())
                .build());
        assertTrue(e.getMessage().contains(name), e.getMessage());
    }

    @Test
    void theDefaultsAreValidAndNamed() {
        RdbConfig c = RdbConfig.defaults();
        assertEquals(8L << 20, c.poolFreeBytesMin());
        assertEquals(64L << 10, c.criticalEntryBytesMax());
        assertEquals(8192, c.compactThresholdEntries());
        assertEquals(1024, c.compactRetainEntries());
        assertEquals(100_000, c.requestRetentionEntries());
        assertEquals(256, c.aggregationSliceKeys());
        assertEquals(1000, c.maintenanceRetryMillis());
        assertEquals(4L << 20, c.scrubBytesPerSecond());
        assertEquals(1 << 20, c.snapshotChunkBytesMax());
    }

    @Test
    void everyNewLimitIsCheckedAtConstruction() {
        refused("poolFreeBytesMin", b -> b.poolFreeBytesMin(-1));
        refused("criticalEntryBytesMax", b -> b.criticalEntryBytesMax(0));
        refused("compactThresholdEntries", b -> b.compactThresholdEntries(0));
        refused("compactRetainEntries", b -> b.compactRetainEntries(-1));
        refused("compactRetainEntries", b -> b.compactThresholdEntries(10).compactRetainEntries(10));
        refused("requestRetentionEntries", b -> b.requestRetentionEntries(0));
        refused("aggregationSliceKeys", b -> b.aggregationSliceKeys(0));
        refused("aggregationSliceKeys", b -> b.aggregationSliceKeys(65537));
        refused("maintenanceRetryMillis", b -> b.maintenanceRetryMillis(0));
        refused("scrubBytesPerSecond", b -> b.scrubBytesPerSecond(-1));
        refused("snapshotChunkBytesMax", b -> b.snapshotChunkBytesMax(RdbConfig.SNAPSHOT_CHUNK_BYTES_MIN - 1));
        refused("snapshotChunkBytesMax", b -> b.snapshotChunkBytesMax(RdbConfig.SNAPSHOT_CHUNK_BYTES_MAX + 1));
    }

    @Test
    void theLeaseClockDriftMarginIsChecked() {
        RdbConfig c = RdbConfig.builder().leaseReads(true).build();
        assertEquals(100, c.clockDriftMarginMillis());
        assertEquals((20 - 1) * 50_000_000L - 100_000_000L, c.raftConfig(1).leaseDurationNanos());
        refused("clockDriftMarginMillis", b -> b.clockDriftMarginMillis(-1));
        // 19 ticks of 10 ms leave no lease after a 190 ms margin.
        refused("clockDriftMarginNanos", b -> b.leaseReads(true).tickMillis(10).clockDriftMarginMillis(190));
    }

    @Test
    void aReplicaWhosePoolIsSmallerThanItsFreeSpaceMinimumDoesNotStart() {
        try (Pool pool = TestPools.create(dir.resolve("small.pool"), org.vostok.vos.PoolOptions.pmem(), 16L << 20);
             LocalNetwork net = new LocalNetwork(1)) {
            Replica.bootstrap(pool, 1, List.of(1L));
            RdbConfig config = RdbConfig.builder().poolFreeBytesMin(16L << 20).build();
            RdbException e = assertThrows(RdbException.class,
                    () -> Replica.start(pool, config, net.endpoint(1), LeadershipListener.NONE));
            assertEquals(RdbError.INVAL, e.error());
            assertTrue(e.getMessage().contains("poolFreeBytesMin"), e.getMessage());
        }
    }
}
