package org.vostok.server.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.vostok.server.config.ServerConfig;

/** The daemon's log file: the configured level, lines in words, and rotation by size keeping N files. */
class DaemonLoggingTest {

    @Test
    void theLogFileRotatesBySizeAndKeepsTheConfiguredNumberOfFiles(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("vostok.log");
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter());
        try {
            DaemonLogging.configure(context, new ServerConfig.Logging("info", Optional.of(file), 64L << 10, 3), 0);
            Logger log = context.getLogger("org.vostok.rsvc.Rsvc");
            log.debug("not at info");
            String line = "service 1 (mgmt) on node 1: became leader in term 2 " + "x".repeat(200);
            for (int i = 0; i < 2_000; i++) {
                log.info("{} #{}", line, i);
            }
        } finally {
            context.stop();
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(4, files.count(), "the current file and 3 rotated ones");
        }
        for (int i = 1; i <= 3; i++) {
            Path rotated = dir.resolve("vostok.log." + i);
            assertTrue(Files.size(rotated) >= 64L << 10, rotated + " was rotated at 64 KiB");
            assertTrue(Files.size(rotated) < 128L << 10, rotated + " was rotated near 64 KiB");
        }
        String current = Files.readString(file);
        assertTrue(current.contains(" INFO  Rsvc [main]: service 1 (mgmt) on node 1: became leader in term 2 "),
                current.lines().findFirst().orElse(""));
        assertTrue(current.contains("#1999"), "the last line is in the current file");
        assertFalse(current.contains("not at info"));
    }
}
