package org.vostok.server.bench;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * What the benchmark says while it runs. Every message is a line prefixed with the time since
 * the start. During a phase, on a terminal, a bar on the last line shows how far it got and the
 * throughput of the last second; elsewhere (a pipe, a file, CI) a phase of
 * {@link #LONG_PHASE_SECONDS} or more gets a plain line every {@link #LINE_PERIOD_SECONDS}
 * instead, so a log stays readable.
 */
public final class Progress implements AutoCloseable {

    /** How the progress of a phase is shown. */
    public enum Style {
        /** Decide from whether the output is a terminal. */
        AUTO,
        /** A bar redrawn in place (a terminal). */
        BAR,
        /** Plain lines during long phases. */
        LINES,
        /** Messages only. */
        NONE
    }

    static final double LONG_PHASE_SECONDS = 30;
    static final double LINE_PERIOD_SECONDS = 10;
    private static final long BAR_PERIOD_MILLIS = 250;
    private static final int BAR_WIDTH = 30;

    private final PrintWriter out;
    private final Style style;
    private final long startNanos;
    private final ScheduledExecutorService timer;
    private ScheduledFuture<?> ticking;
    private String phase;
    private double total;
    private String unit;
    private DoubleSupplier done;
    private LongSupplier ops;
    private long lastOps;
    private long lastOpsNanos;
    private double lastRate;
    private double nextLineAt;
    private int barLength;

    Progress(PrintWriter out, Style style, long startNanos) {
        this.out = out;
        this.style = style == Style.AUTO ? (isTerminal() ? Style.BAR : Style.LINES) : style;
        this.startNanos = startNanos;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vostok-bench-progress");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Whether standard output is a terminal: a console exists, and on Java 22 and newer (where
     * a console exists for redirected output too) it says it is a terminal.
     */
    static boolean isTerminal() {
        java.io.Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true; // before Java 22 a console exists only for a terminal
        }
    }

    Style style() {
        return style;
    }

    private double elapsed() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /** A message on its own line (the bar, when shown, is drawn again below it). */
    synchronized void say(String format, Object... args) {
        clearBar();
        out.printf(Locale.ROOT, "[%6.1f s] %s%n", elapsed(), String.format(Locale.ROOT, format, args));
        out.flush();
    }

    /** Text as it is (the final table), with no time prefix. */
    synchronized void print(String text) {
        clearBar();
        out.print(text);
        out.flush();
    }

    /**
     * Shows the progress of a phase until {@link #endPhase}: {@code done} of {@code total}
     * {@code unit}s, and the rate of {@code ops} (operations completed so far).
     */
    synchronized void beginPhase(String label, double totalUnits, String unitName, DoubleSupplier doneUnits,
                                 LongSupplier completedOps) {
        endPhase();
        phase = label;
        total = totalUnits;
        unit = unitName;
        done = doneUnits;
        ops = completedOps;
        lastOps = completedOps.getAsLong();
        lastOpsNanos = System.nanoTime();
        lastRate = 0;
        nextLineAt = elapsed() + LINE_PERIOD_SECONDS;
        boolean longPhase = unitName.equals("s") && totalUnits >= LONG_PHASE_SECONDS;
        if (style == Style.BAR || (style == Style.LINES && longPhase)) {
            long period = style == Style.BAR ? BAR_PERIOD_MILLIS : 1_000;
            ticking = timer.scheduleAtFixedRate(this::tick, period, period, TimeUnit.MILLISECONDS);
        }
    }

    synchronized void endPhase() {
        if (ticking != null) {
            ticking.cancel(false);
            ticking = null;
        }
        clearBar();
        phase = null;
    }

    private synchronized void tick() {
        if (phase == null) {
            return;
        }
        long now = System.nanoTime();
        long n = ops.getAsLong();
        if (now - lastOpsNanos >= TimeUnit.MILLISECONDS.toNanos(900)) {
            lastRate = (n - lastOps) / ((now - lastOpsNanos) / 1e9);
            lastOps = n;
            lastOpsNanos = now;
        }
        double d = Math.min(done.getAsDouble(), total);
        if (style == Style.BAR) {
            int filled = total <= 0 ? 0 : (int) Math.round(BAR_WIDTH * d / total);
            String bar = String.format(Locale.ROOT, "\r[%s%s] %3.0f%%  %s  %s of %s %s  %,.0f ops/s",
                    "#".repeat(filled), ".".repeat(BAR_WIDTH - filled), total <= 0 ? 0 : 100 * d / total, phase,
                    number(d), number(total), unit, lastRate);
            int pad = Math.max(0, barLength - bar.length());
            out.print(bar + " ".repeat(pad));
            barLength = bar.length();
            out.flush();
        } else if (elapsed() >= nextLineAt) {
            nextLineAt += LINE_PERIOD_SECONDS;
            out.printf(Locale.ROOT, "[%6.1f s] %s: %s of %s %s, %,.0f ops/s%n", elapsed(), phase, number(d),
                    number(total), unit, lastRate);
            out.flush();
        }
    }

    private static String number(double v) {
        return v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }

    private void clearBar() {
        if (barLength > 0) {
            out.print("\r" + " ".repeat(barLength) + "\r");
            barLength = 0;
        }
    }

    @Override
    public synchronized void close() {
        endPhase();
        timer.shutdownNow();
        out.flush();
    }
}
