package org.vostok.hw.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.vostok.hw.Samples;

class FioParserTest {

    @Test
    void fdatasyncPercentilesComeFromTheSyncSide() {
        FioParser.Job job = FioParser.job(Samples.read("fio-sync-write.json"));
        assertEquals("vostok-sync-write", job.job());
        assertEquals(299, job.syncs());
        assertEquals(1466368, job.syncP50Nanos().getAsLong());
        assertEquals(15532032, job.syncP99Nanos().getAsLong());
        assertEquals(259072, job.writeP50Nanos().getAsLong());
        assertEquals(297.5, job.writeIops(), 0.1);
    }

    @Test
    void bandwidthIsTheWriteSidesBytesPerSecond() {
        FioParser.Job job = FioParser.job(Samples.read("fio-write.json"));
        assertEquals(419430400, job.writeBytesPerSecond());
        assertEquals(8 << 20, job.writeBytes());
        assertEquals(0, job.syncs(), "end_fsync is not counted as a per-write sync");
    }

    @Test
    void aNoteBeforeTheJsonIsSkippedAndAJobErrorIsReported() {
        ToolOutputException e = assertThrows(ToolOutputException.class, () -> FioParser.job(Samples.read("fio-error.json")));
        assertTrue(e.getMessage().contains("failed with error 22"), e.getMessage());
        assertTrue(e.getMessage().contains("O_DIRECT"), e.getMessage());
    }

    @Test
    void outputWithoutJobsIsRefused() {
        assertThrows(ToolOutputException.class, () -> FioParser.job("{\"fio version\":\"fio-3.33\"}"));
        assertThrows(ToolOutputException.class, () -> FioParser.job("fio: unrecognized option '--bogus'"));
    }
}
