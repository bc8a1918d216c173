package org.vostok.hw.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The native probes through FFM, on the test's temporary directory (an ordinary file system
 * here, so no MAP_SYNC; surefire sets PMEM_IS_PMEM_FORCE=1, so libpmem persists with flushes).
 */
class PersistProbeTest {
    private static PersistProbe probe;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() {
        probe = PersistProbe.load();
    }

    @AfterAll
    static void unload() {
        probe.close();
    }

    @Test
    void mapSyncIsRefusedOffDaxAndTheProbeFileIsRemoved() {
        Path file = dir.resolve("map-sync.probe");
        boolean dax = probe.mapSync(file, 2L << 20);
        assertFalse(Files.exists(file), "the probe removes its file");
        // /proc/mounts says whether the test directory could be DAX; on this project's machines it never is.
        assertFalse(dax, "MAP_SYNC on a file system without DAX");
    }

    @Test
    void everyPersistIsTimedAndTheDataReadsBack() throws Exception {
        Path file = dir.resolve("persist.probe");
        PersistRun run = probe.persist(file, 1L << 20, 4096, 300);
        long[] latencies = run.latencies();
        assertEquals(300, latencies.length);
        assertTrue(Arrays.stream(latencies).allMatch(l -> l > 0), "every sample took some time");
        assertTrue(run.elapsedNanos() >= Arrays.stream(latencies).sum(), "the loop holds its samples");
        assertEquals("1".equals(System.getenv("PMEM_IS_PMEM_FORCE")), run.pmem());
        assertTrue(run.mibPerSecond() > 0);
        assertEquals(1L << 20, Files.size(file), "the mapped file is left for the caller");
    }

    @Test
    void badArgumentsAndAnExistingFileAreClearFailures() throws Exception {
        ProbeException e = assertThrows(ProbeException.class, () -> probe.persist(dir.resolve("a"), 1L << 20, 12, 10));
        assertTrue(e.getMessage().contains("write_bytes must be 8 .. 1048576 and a multiple of 8, not 12"), e.getMessage());
        Path existing = Files.writeString(dir.resolve("taken"), "x");
        e = assertThrows(ProbeException.class, () -> probe.persist(existing, 1L << 20, 64, 10));
        assertTrue(e.getMessage().contains("code -4") && e.getMessage().contains("taken"), e.getMessage());
        e = assertThrows(ProbeException.class, () -> probe.mapSync(existing, 4096));
        assertTrue(e.getMessage().contains("cannot create " + existing), e.getMessage());
        assertEquals("x", Files.readString(existing), "a file that was there is left alone");
        e = assertThrows(ProbeException.class, () -> probe.mapSync(dir.resolve("b"), 100));
        assertTrue(e.getMessage().contains("4096 .. 1 GiB"), e.getMessage());
    }
}
