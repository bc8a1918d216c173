package org.vostok.hw.checks;

import java.util.Optional;
import org.vostok.hw.report.Check;
import org.vostok.hw.report.Figure;
import org.vostok.hw.report.Status;
import org.vostok.hw.thresholds.Limit;

/** A figure held to a {@link Limit}: the check's outcome, figure, threshold text and reason in one place. */
final class Measured {
    private Measured() {
    }

    static Check check(String id, String title, String subject, Limit limit, double value, String how) {
        Status status = limit.judge(value);
        Figure figure = new Figure(value, limit.unit());
        String why = switch (status) {
            case PASS -> how;
            case WARN -> how + "; " + figure.text() + " is beyond the warning level (" + limit.name() + ")";
            case FAIL -> how + "; " + figure.text() + " is beyond the failure level (" + limit.name() + ")";
            case SKIPPED -> throw new IllegalStateException("a limit never skips");
        };
        return new Check(id, title, subject, status, Optional.of(figure), limit.text(), why);
    }
}
