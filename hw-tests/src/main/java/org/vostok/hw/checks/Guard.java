package org.vostok.hw.checks;

import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.vostok.hw.probe.ProbeException;
import org.vostok.hw.report.Check;
import org.vostok.hw.report.Status;
import org.vostok.hw.tools.ToolOutputException;
import org.vostok.rdb.model.RdbException;
import org.vostok.vos.VosException;

/**
 * Runs a check so that whatever goes wrong inside it becomes a FAIL line with a sentence, never
 * a stack trace on the user's screen, and the checks after it still run. The stack trace goes to
 * the debug log ({@code -Dorg.slf4j.simpleLogger.defaultLogLevel=debug}).
 */
final class Guard {
    private static final Logger LOG = LoggerFactory.getLogger(Guard.class);

    private Guard() {
    }

    static List<Check> each(String id, String subject, Supplier<List<Check>> check) {
        try {
            return check.get();
        } catch (ToolOutputException | ProbeException | VosException | RdbException e) {
            LOG.debug("check {} on {} failed", id, subject, e);
            return List.of(Check.of(id, id, subject, Status.FAIL, e.getMessage()));
        } catch (RuntimeException e) {
            LOG.debug("check {} on {} failed", id, subject, e);
            return List.of(Check.of(id, id, subject, Status.FAIL, "the check itself failed: "
                    + (e.getMessage() == null ? e.toString() : e.getClass().getSimpleName() + ": " + e.getMessage())));
        }
    }
}
