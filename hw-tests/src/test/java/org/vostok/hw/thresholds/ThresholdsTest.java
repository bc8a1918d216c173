package org.vostok.hw.thresholds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vostok.hw.report.Status;

class ThresholdsTest {

    @TempDir
    Path dir;

    @Test
    void aMaximumWarnsThenFailsAndAMinimumTheOtherWay() {
        Limit p99 = Thresholds.defaults().get(Thresholds.FIO_FDATASYNC_P99);
        assertEquals(Status.PASS, p99.judge(2000));
        assertEquals(Status.WARN, p99.judge(2001));
        assertEquals(Status.FAIL, p99.judge(20001));
        assertEquals("warn >2,000, fail >20,000 us", p99.text());
        Limit space = Thresholds.defaults().get(Thresholds.FREE_SPACE);
        assertEquals(Status.PASS, space.judge(10));
        assertEquals(Status.WARN, space.judge(9.9));
        assertEquals(Status.FAIL, space.judge(0.5));
    }

    @Test
    void aFileChangesTheLevelsItNamesAndKeepsTheRest() throws IOException {
        Path file = Files.writeString(dir.resolve("t.properties"), """
                # a slower disk is fine here
                warn.fio_fdatasync_p99_us_max = 30000
                fail.fio_fdatasync_p99_us_max = 60000
                fail.free_space_gib_min = 0.5
                """);
        Thresholds thresholds = Thresholds.load(file);
        assertEquals(30000, thresholds.get(Thresholds.FIO_FDATASYNC_P99).warn());
        assertEquals(60000, thresholds.get(Thresholds.FIO_FDATASYNC_P99).fail());
        assertEquals(10, thresholds.get(Thresholds.FREE_SPACE).warn());
        assertEquals(0.5, thresholds.get(Thresholds.FREE_SPACE).fail());
        assertEquals(500, thresholds.get(Thresholds.FIO_FDATASYNC_P50).warn());
        assertEquals(file.toString(), thresholds.source());
    }

    @Test
    void aMistypedKeyABadNumberOrCrossedLevelsAreRefusedWithWhatToWrite() throws IOException {
        Path file = Files.writeString(dir.resolve("bad.properties"), """
                warn.fio_fsync_p99_us_max = 10
                fail.wal_commit_p50_us_max = fast
                warn.free_space_gib_min = 0.1
                """);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Thresholds.load(file));
        String message = e.getMessage();
        assertTrue(message.contains("unknown key warn.fio_fsync_p99_us_max"), message);
        assertTrue(message.contains("fio_fdatasync_p99_us_max"), "the known limits are listed: " + message);
        assertTrue(message.contains("fail.wal_commit_p50_us_max = fast is not a number (write it in us, e.g. "
                + "fail.wal_commit_p50_us_max = 10000)"), message);
        assertTrue(message.contains("free_space_gib_min: the warning level (0.1) must not be beyond the failure level (1)"),
                message);
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> Thresholds.load(dir.resolve("absent.properties")));
        assertTrue(missing.getMessage().startsWith("cannot read the thresholds file"), missing.getMessage());
    }
}
