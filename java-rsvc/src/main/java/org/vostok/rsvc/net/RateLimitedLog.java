package org.vostok.rsvc.net;

import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * Logs a kind of event at most once per interval, saying how many were not logged since: a
 * flood of bad frames must not become a flood of log lines.
 */
final class RateLimitedLog {

    private final Logger log;
    private final long intervalNanos;
    private final AtomicLong nextNanos = new AtomicLong(System.nanoTime());
    private final AtomicLong suppressed = new AtomicLong();

    RateLimitedLog(Logger log, long intervalMillis) {
        this.log = log;
        this.intervalNanos = intervalMillis * 1_000_000L;
    }

    void warn(String format, Object... args) {
        log(true, format, args);
    }

    void info(String format, Object... args) {
        log(false, format, args);
    }

    private void log(boolean warn, String format, Object... args) {
        long now = System.nanoTime();
        long next = nextNanos.get();
        if (now - next >= 0 && nextNanos.compareAndSet(next, now + intervalNanos)) {
            long n = suppressed.getAndSet(0);
            if (n > 0) {
                (warn ? (java.util.function.BiConsumer<String, Object>) log::warn
                        : (java.util.function.BiConsumer<String, Object>) log::info)
                        .accept("({} more like the next were not logged)", n);
            }
            if (warn) {
                log.warn(format, args);
            } else {
                log.info(format, args);
            }
        } else {
            suppressed.incrementAndGet();
        }
    }
}
