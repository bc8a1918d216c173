package org.vostok.server.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The run as one self-contained HTML file a person opens in a browser: the charts are inline
 * SVG drawn here (no script, no style sheet, font or image fetched from anywhere), so the file
 * can be mailed or archived and still shows everything. The markup is also well-formed XML,
 * so a test (or a script) can read it with any XML parser.
 *
 * <p>Charts: the throughput over the whole run, each phase shaded and labelled and every kill,
 * pause, resume, restart, first successful write and leader change marked
 * ({@code id="chart-throughput"}); the same zoomed on the failover runs
 * ({@code id="chart-failover-timeline"}); the latency percentiles per level
 * ({@code id="chart-latency"}); and each failover run's time ({@code id="chart-failover"}).
 * Then the tables, the settings and the machine, and the RESULT lines.
 */
public final class HtmlReport {

    private static final int WIDTH = 960;
    private static final int HEIGHT = 300;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TOP = 34;
    private static final int BOTTOM = 44;
    /** Points a throughput line has at most: slots are merged beyond. */
    private static final int POINTS_MAX = 900;
    /** A failover run's bar is at most this wide. */
    private static final double BAR_WIDTH_MAX = 36;
    private static final String MARKS = "Marks: red line, <code>kill -9</code> of the leader's process; orange"
            + " line, SIGSTOP (dashed: SIGCONT); grey dashed line, the killed node started again; green dot, the"
            + " client's first successful write after the fault; teal dot, the old leader caught up; purple"
            + " triangle, a new leader seen; red bars at the bottom, failed operations. Hover for details.";
    private static final String[] PERCENTILE_COLORS = {"#4e79a7", "#f28e2b", "#e15759"};

    private final BenchReport report;
    private final StringBuilder h = new StringBuilder(1 << 16);

    private HtmlReport(BenchReport report) {
        this.report = report;
    }

    /** Writes the report to {@code file} (through a temporary file beside it, so a reader never sees half). */
    public static void write(BenchReport report, Path file) throws IOException {
        String html = render(report);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, html, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public static String render(BenchReport report) {
        return new HtmlReport(report).document();
    }

    // ---------------------------------------------------------------- the document

    private String document() {
        Environment e = report.environment();
        BenchSettings s = report.settings();
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n");
        h.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n");
        h.append("<title>Vostok benchmark, ").append(esc(e.startedAt())).append("</title>\n");
        h.append("<style>\n")
                .append("body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1000px; color: #222; }\n")
                .append("h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; }\n")
                .append("table { border-collapse: collapse; margin: 0.5em 0; }\n")
                .append("th, td { padding: 0.2em 0.7em; border-bottom: 1px solid #ddd; text-align: right; }\n")
                .append("th:first-child, td:first-child { text-align: left; }\n")
                .append("pre { background: #f6f6f6; padding: 0.7em; overflow-x: auto; font-size: 0.85em; }\n")
                .append(".warn { color: #b00; font-weight: bold; }\n")
                .append("svg { display: block; margin: 0.5em 0; font-size: 11px; }\n")
                .append("</style>\n</head>\n<body>\n");
        h.append("<h1>Vostok benchmark</h1>\n");
        h.append("<p>Three node processes on loopback with durable WAL pools, the register service with a replica on"
                + " each, and the client in a fourth process. ").append(esc(summaryLine())).append("</p>\n");
        h.append("<p>Taken ").append(esc(e.startedAt())).append(" on ").append(esc(e.host())).append(" (")
                .append(e.cores()).append(" cores), load average ").append(esc(e.loadBefore())).append(" before and ")
                .append(esc(e.loadAfter())).append(" after. Figures from a busy machine are not the system's.</p>\n");
        if (!report.healthy()) {
            h.append("<p class=\"warn\" id=\"unhealthy\">").append(esc(unhealthyLine())).append("</p>\n");
        }

        h.append("<h2>Throughput over time</h2>\n");
        h.append("<p>Successful operations per second (slots of ").append(Timeline.SLOT_MILLIS)
                .append(" ms, merged on long runs); the shaded bands are the phases, the marks the faults.</p>\n");
        double end = Math.max(report.seconds(), 0.1);
        // From the first phase: the nodes' start-up before it carries no load.
        double begin = report.timeline().phases().stream().mapToDouble(Timeline.Phase::startSeconds).min().orElse(0);
        throughputChart("chart-throughput", Math.max(0, Math.min(begin, end - 0.1)), end);
        h.append("<p>").append(MARKS).append("</p>\n");
        if (!report.failovers().isEmpty()) {
            double from = Double.MAX_VALUE;
            double to = 0;
            for (Timeline.Phase p : report.timeline().phases()) {
                if (p.fault()) {
                    from = Math.min(from, p.startSeconds());
                    to = Math.max(to, p.endSeconds());
                }
            }
            if (to > from) {
                h.append("<h2>Throughput during the failover runs</h2>\n");
                h.append("<p>One write at a time, paused over each fault. ").append(MARKS).append("</p>\n");
                throughputChart("chart-failover-timeline", from, to);
            }
        }
        if (!report.levels().isEmpty() || report.longRun().isPresent()) {
            h.append("<h2>Latency percentiles per level</h2>\n");
            h.append("<p>From the call to the successful reply (a write: committed on a majority and applied on the"
                    + " leader; a read: linearizable, ").append(report.settings().leaseReads()
                    ? "answered by the leader within its lease" : "confirmed by a heartbeat round to a majority")
                    .append("), HdrHistogram, 3 significant digits; log scale.</p>\n");
            latencyChart();
            levelTable();
        }
        if (!report.failovers().isEmpty()) {
            h.append("<h2>Failover</h2>\n");
            h.append("<p>From the fault to the client's first successful write (a write issued right after the"
                    + " fault, retried by the client until it succeeds). Election timeout ")
                    .append(e.electionTimeoutMillis()).append(" ms; the client tries another replica after ")
                    .append(e.attemptTimeoutMillis()).append(" ms without an answer.</p>\n");
            failoverChart();
            failoverTable();
        }
        leaderSection();
        settingsSection(s, e);
        h.append("<h2>RESULT lines</h2>\n<pre id=\"results\">");
        for (String line : report.resultLines()) {
            h.append(esc(line)).append('\n');
        }
        h.append("</pre>\n</body>\n</html>\n");
        return h.toString();
    }

    private String summaryLine() {
        List<String> parts = new ArrayList<>();
        BenchSettings s = report.settings();
        if (s.longRun().isPresent()) {
            parts.add("Long run: writes at " + s.longRunConcurrency() + " in flight for "
                    + BenchSettings.describe(s.longRun().get()) + ", no fault.");
        } else {
            parts.add(String.format(Locale.ROOT, "Levels %s, %.0f s each, of %s.", s.levels(), s.secondsPerLevel(),
                    String.join(" and ", s.operations().stream().map(o -> o.label() + "s").toList())));
            if (s.failoverRuns() > 0) {
                parts.add(s.failoverRuns() + " failover runs of each of "
                        + String.join(", ", s.faults().stream().map(Fault::display).toList()) + ".");
            }
        }
        parts.add(String.format(Locale.ROOT, "Values of %,d bytes over %,d keys.", s.valueBytes(), s.keys()));
        return String.join(" ", parts);
    }

    private String unhealthyLine() {
        List<String> parts = new ArrayList<>();
        if (!report.unexpectedChanges().isEmpty()) {
            parts.add(report.unexpectedChanges().size() + " leader change(s) without a fault");
        }
        if (!report.anomalies().isEmpty()) {
            parts.add(report.anomalies().size() + " term(s) with two leaders");
        }
        if (report.failedOperations() > 0) {
            parts.add(report.failedOperations() + " operation(s) failed with no fault made");
        }
        return "Not healthy: " + String.join("; ", parts) + ".";
    }

    // ---------------------------------------------------------------- throughput

    private void throughputChart(String id, double from, double to) {
        long[] ok = report.timeline().series(true);
        long[] failed = report.timeline().series(false);
        double slot = Timeline.SLOT_MILLIS / 1000.0;
        int first = (int) Math.max(0, Math.floor(from / slot));
        int last = (int) Math.min(ok.length, Math.ceil(to / slot));
        int slots = Math.max(1, last - first);
        int merge = Math.max(1, (slots + POINTS_MAX - 1) / POINTS_MAX);
        List<double[]> points = new ArrayList<>();
        List<double[]> failures = new ArrayList<>();
        double max = 1;
        for (int i = first; i < last; i += merge) {
            long n = 0;
            long f = 0;
            int k;
            for (k = i; k < Math.min(last, i + merge); k++) {
                n += ok[k];
                f += k < failed.length ? failed[k] : 0;
            }
            double width = (k - i) * slot;
            double rate = n / width;
            max = Math.max(max, rate);
            points.add(new double[] {i * slot, rate, (k - i) * slot});
            if (f > 0) {
                failures.add(new double[] {i * slot, f / width, width});
            }
        }
        double yMax = niceCeiling(max * 1.08);
        Scale x = new Scale(from, to, LEFT, WIDTH - RIGHT);
        Scale y = new Scale(0, yMax, HEIGHT - BOTTOM, TOP);
        openSvg(id, "Throughput over time, operations per second");
        // phases
        int band = 0;
        for (Timeline.Phase p : report.timeline().phases()) {
            if (p.endSeconds() < from || p.startSeconds() > to) {
                continue;
            }
            double x0 = x.at(Math.max(from, p.startSeconds()));
            double x1 = x.at(Math.min(to, p.endSeconds()));
            String fill = p.fault() ? "#fbe3e3" : (band++ % 2 == 0 ? "#eef3f8" : "#f7f7f7");
            h.append(String.format(Locale.ROOT, "<rect class=\"phase\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\""
                    + " fill=\"%s\"><title>%s: %.1f s to %.1f s</title></rect>\n", x0, TOP, Math.max(0.5, x1 - x0),
                    HEIGHT - BOTTOM - TOP, fill, esc(p.label()), p.startSeconds(), p.endSeconds()));
            if (x1 - x0 >= p.tag().length() * 6.5 + 4) {
                h.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%s"
                        + "</text>\n", (x0 + x1) / 2, TOP - 6, esc(p.tag())));
            }
        }
        axes(x, y, "seconds since the start", "ops/s");
        // the series
        StringBuilder line = new StringBuilder();
        for (double[] p : points) {
            line.append(String.format(Locale.ROOT, "%.1f,%.1f ", x.at(p[0] + p[2] / 2), y.at(p[1])));
        }
        h.append("<polyline class=\"throughput\" fill=\"none\" stroke=\"#1f5fa0\" stroke-width=\"1.3\" points=\"")
                .append(line.toString().trim()).append("\"/>\n");
        for (double[] f : failures) {
            h.append(String.format(Locale.ROOT, "<rect class=\"failed\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\""
                            + " height=\"%.1f\" fill=\"#d62728\"><title>%.0f failed operations/s at %.1f s</title></rect>\n",
                    x.at(f[0]), y.at(f[1]), Math.max(1, x.at(f[0] + f[2]) - x.at(f[0])), y.at(0) - y.at(f[1]), f[1],
                    f[0]));
        }
        // events
        for (Timeline.Event ev : report.timeline().events()) {
            if (ev.atSeconds() < from || ev.atSeconds() > to) {
                continue;
            }
            double ex = x.at(ev.atSeconds());
            String title = String.format(Locale.ROOT, "<title>%s at %.2f s</title>", esc(ev.label()), ev.atSeconds());
            switch (ev.kind()) {
                case KILL -> vertical("kill", ex, "#d62728", "", title);
                case PAUSE -> vertical("pause", ex, "#ff7f0e", "", title);
                case RESUME -> vertical("resume", ex, "#ff7f0e", "4 3", title);
                case RESTART -> vertical("restart", ex, "#888888", "4 3", title);
                case RECOVERED -> h.append(String.format(Locale.ROOT, "<circle class=\"recovered\" cx=\"%.1f\" cy=\"%d\""
                        + " r=\"3.5\" fill=\"#2ca02c\">%s</circle>\n", ex, TOP + 6, title));
                case CAUGHT_UP -> h.append(String.format(Locale.ROOT, "<circle class=\"caught-up\" cx=\"%.1f\""
                        + " cy=\"%d\" r=\"2.5\" fill=\"#17becf\">%s</circle>\n", ex, TOP + 14, title));
                case LEADER_CHANGE -> h.append(String.format(Locale.ROOT, "<path class=\"leader-change\""
                                + " d=\"M%.1f %d l-4 8 h8 z\" fill=\"#9467bd\">%s</path>\n", ex, HEIGHT - BOTTOM - 8,
                        title));
                default -> throw new IllegalStateException("unknown event " + ev.kind());
            }
        }
        h.append("</svg>\n");
    }

    private void vertical(String cls, double x, String color, String dash, String title) {
        h.append(String.format(Locale.ROOT, "<line class=\"%s\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\""
                        + " stroke=\"%s\" stroke-width=\"1.5\"%s>%s</line>\n", cls, x, TOP, x, HEIGHT - BOTTOM, color,
                dash.isEmpty() ? "" : " stroke-dasharray=\"" + dash + "\"", title));
    }

    // ---------------------------------------------------------------- latency

    private void latencyChart() {
        List<LevelResult> all = new ArrayList<>(report.levels());
        report.longRun().ifPresent(all::add);
        List<LevelResult> measured = all.stream().filter(r -> r.latencies().getTotalCount() > 0).toList();
        if (measured.isEmpty()) {
            h.append("<p>No operation succeeded: no latency to show.</p>\n");
            return;
        }
        double lo = Double.MAX_VALUE;
        double hi = 0;
        for (LevelResult r : measured) {
            lo = Math.min(lo, Math.max(1, r.micros(50)));
            hi = Math.max(hi, Math.max(1, r.micros(99.9)));
        }
        double yLo = Math.pow(10, Math.floor(Math.log10(lo)));
        double yHi = Math.pow(10, Math.ceil(Math.log10(hi * 1.01)));
        LogScale y = new LogScale(yLo, yHi, HEIGHT - BOTTOM, TOP);
        openSvg("chart-latency", "Latency percentiles per level");
        int groups = measured.size();
        double groupWidth = (WIDTH - LEFT - RIGHT) / (double) groups;
        double bar = Math.min(28, groupWidth / 4);
        // the axis: powers of ten, in ms
        for (double v = yLo; v <= yHi * 1.0001; v *= 10) {
            h.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n"
                            + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#444\">%s</text>\n", LEFT, y.at(v),
                    WIDTH - RIGHT, y.at(v), LEFT - 6, y.at(v) + 4, msLabel(v)));
        }
        h.append(String.format(Locale.ROOT, "<text x=\"14\" y=\"%d\" transform=\"rotate(-90 14 %d)\""
                + " text-anchor=\"middle\" fill=\"#444\">ms</text>\n", (TOP + HEIGHT - BOTTOM) / 2, (TOP + HEIGHT - BOTTOM) / 2));
        String[] names = {"p50", "p99", "p99.9"};
        double[] pct = {50, 99, 99.9};
        for (int g = 0; g < groups; g++) {
            LevelResult r = measured.get(g);
            double cx = LEFT + groupWidth * (g + 0.5);
            for (int i = 0; i < 3; i++) {
                double v = Math.max(yLo, r.micros(pct[i]));
                double bx = cx + (i - 1.5) * bar;
                h.append(String.format(Locale.ROOT, "<rect class=\"bar %s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\""
                                + " height=\"%.1f\" fill=\"%s\"><title>%s at %d in flight, %s: %s ms</title></rect>\n",
                        names[i].replace('.', '_'), bx, y.at(v), bar - 2, y.at(yLo) - y.at(v), PERCENTILE_COLORS[i],
                        esc(levelName(r)), r.concurrency(), names[i], BenchReport.millis(r.micros(pct[i]))));
            }
            h.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#444\">%s %d"
                    + "</text>\n", cx, HEIGHT - BOTTOM + 16, esc(levelName(r)), r.concurrency()));
        }
        h.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#444\">operation and"
                + " operations in flight</text>\n", (LEFT + WIDTH - RIGHT) / 2, HEIGHT - 6));
        legend(new String[] {"p50", "p99", "p99.9"}, PERCENTILE_COLORS);
        h.append("</svg>\n");
    }

    private String levelName(LevelResult r) {
        return report.longRun().isPresent() && report.longRun().get() == r ? "long run" : report.test(r.operation());
    }

    private void levelTable() {
        h.append("<table id=\"levels\">\n<tr><th>operation</th><th>in flight</th><th>ops/s</th><th>p50 ms</th>"
                + "<th>p99 ms</th><th>p99.9 ms</th><th>max ms</th><th>failed</th><th>leader changes</th></tr>\n");
        List<LevelResult> all = new ArrayList<>(report.levels());
        report.longRun().ifPresent(all::add);
        for (LevelResult r : all) {
            h.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%d</td><td>%,.0f</td><td>%s</td><td>%s</td>"
                            + "<td>%s</td><td>%s</td><td>%d</td><td>%d</td></tr>\n", esc(levelName(r)), r.concurrency(),
                    r.opsPerSecond(), BenchReport.millis(r.micros(50)), BenchReport.millis(r.micros(99)),
                    BenchReport.millis(r.micros(99.9)), BenchReport.millis(r.maxMicros()), r.failed(),
                    r.leaderChanges()));
        }
        h.append("</table>\n");
    }

    // ---------------------------------------------------------------- failover

    private void failoverChart() {
        long max = 1;
        int runs = 0;
        for (FailoverResult f : report.failovers()) {
            max = Math.max(max, f.maxMillis());
            runs += f.rounds().size();
        }
        double yMax = niceCeiling(max * 1.1);
        Scale y = new Scale(0, yMax, HEIGHT - BOTTOM, TOP);
        openSvg("chart-failover", "Failover time of each run, ms");
        double slotWidth = (WIDTH - LEFT - RIGHT) / (double) Math.max(1, runs + report.failovers().size() - 1);
        axes(new Scale(0, 1, LEFT, WIDTH - RIGHT), y, "", "ms");
        int i = 0;
        String[] colors = {"#d62728", "#ff7f0e"};
        int k = 0;
        for (FailoverResult f : report.failovers()) {
            String color = colors[k++ % colors.length];
            double start = LEFT + i * slotWidth;
            for (FailoverResult.Round r : f.rounds()) {
                double bx = LEFT + i * slotWidth;
                double barWidth = Math.min(BAR_WIDTH_MAX, slotWidth - 2);
                h.append(String.format(Locale.ROOT, "<rect class=\"run %s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\""
                                + " height=\"%.1f\" fill=\"%s\"><title>%s run %d: node %d, first write ok after %d ms"
                                + " (node %d, term %d)</title></rect>\n", f.fault().label(), bx + (slotWidth - barWidth) / 2,
                        y.at(r.writeOkMillis()), Math.max(1, barWidth), y.at(0) - y.at(r.writeOkMillis()), color, esc(f.fault().display()),
                        r.round(), r.node(), r.writeOkMillis(), r.newLeader(), r.newTerm()));
                i++;
            }
            double endX = LEFT + i * slotWidth;
            h.append(String.format(Locale.ROOT, "<line class=\"median\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\""
                            + " stroke=\"#222\" stroke-dasharray=\"5 3\"><title>median %d ms</title></line>\n", start,
                    y.at(f.medianMillis()), endX, y.at(f.medianMillis()), f.medianMillis()));
            h.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#444\">%s:"
                            + " median %d ms, max %d ms</text>\n", (start + endX) / 2, HEIGHT - BOTTOM + 16,
                    esc(f.fault().display()), f.medianMillis(), f.maxMillis()));
            i++; // a gap between the kinds
        }
        h.append("</svg>\n");
    }

    private void failoverTable() {
        h.append("<table id=\"failover\">\n<tr><th>fault</th><th>run</th><th>leader</th><th>process</th>"
                + "<th>first write ok, ms</th><th>new leader seen, ms</th><th>new leader</th><th>term</th>"
                + "<th>caught up, ms</th><th>leader changes</th></tr>\n");
        for (FailoverResult f : report.failovers()) {
            for (FailoverResult.Round r : f.rounds()) {
                h.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%d</td><td>node %d</td><td>%d</td><td>%d</td>"
                                + "<td>%s</td><td>node %d</td><td>%d</td><td>%d</td><td>%d</td></tr>\n",
                        esc(f.fault().display()), r.round(), r.node(), r.pid(), r.writeOkMillis(),
                        r.leaderSeenMillis() < 0 ? "with the write" : String.valueOf(r.leaderSeenMillis()),
                        r.newLeader(), r.newTerm(), r.catchUpMillis(), r.leaderChanges()));
            }
            h.append(String.format(Locale.ROOT, "<tr><th>%s</th><th>%d runs</th><th></th><th></th><th>median %d,"
                    + " max %d</th><th></th><th></th><th></th><th></th><th></th></tr>\n", esc(f.fault().display()),
                    f.rounds().size(), f.medianMillis(), f.maxMillis()));
        }
        h.append("</table>\n");
    }

    // ---------------------------------------------------------------- leaders, settings

    private void leaderSection() {
        h.append("<h2>Leaders</h2>\n<p id=\"terms\">Terms seen: ").append(esc(report.termsSeen().toString()))
                .append("; ").append(report.leaderChanges().size()).append(" leader change(s), ")
                .append(report.unexpectedChanges().size()).append(" of them without a fault.</p>\n");
        if (report.leaderChanges().isEmpty()) {
            return;
        }
        h.append("<table id=\"leader-changes\">\n<tr><th>at, s</th><th>from</th><th>to</th><th>seen in</th>"
                + "<th>during</th></tr>\n");
        for (LeaderLog.Change c : report.leaderChanges()) {
            double at = report.timeline().secondsAt(c.atNanos());
            Optional<Timeline.Phase> p = report.timeline().phaseAt(at);
            h.append(String.format(Locale.ROOT, "<tr><td>%.2f</td><td>node %d, term %d</td><td>node %d, term %d</td>"
                            + "<td>%s</td><td>%s</td></tr>\n", at, c.fromNode(), c.fromTerm(), c.toNode(), c.toTerm(),
                    esc(c.source()), esc(p.map(Timeline.Phase::label).orElse("between phases"))));
        }
        h.append("</table>\n");
    }

    private void settingsSection(BenchSettings s, Environment e) {
        h.append("<h2>Settings and machine</h2>\n<table id=\"settings\">\n");
        row("levels (operations in flight)", s.levels().toString());
        row("seconds per level", String.format(Locale.ROOT, "%.1f", s.secondsPerLevel()));
        String warmup = s.warmupSeconds() == 0 ? "none" : String.format(Locale.ROOT, "writes at %d in flight for at"
                        + " least %.1f s, then until the JIT compilers of the four processes were quiet (at most %.1f s)",
                BenchRun.WARMUP_CONCURRENCY, s.warmupSeconds(), Math.max(s.warmupSeconds(), s.warmupSecondsMax()));
        for (Timeline.Phase p : report.timeline().phases()) {
            if (p.tag().equals("warm-up")) {
                warmup += String.format(Locale.ROOT, ": %.1f s", p.endSeconds() - p.startSeconds());
            }
        }
        row("warm-up", warmup);
        row("operations", s.operations().stream().map(Operation::label).toList().toString());
        row("reads", s.leaseReads() ? "lease reads (the nodes' default)" : "ReadIndex: a heartbeat round per read");
        row("failover runs", s.failoverRuns() + " of each of " + s.faults().stream().map(Fault::display).toList());
        s.longRun().ifPresent(d -> row("long run", BenchSettings.describe(d) + " at " + s.longRunConcurrency()
                + " in flight"));
        row("value, keys", String.format(Locale.ROOT, "%,d bytes, %,d keys", s.valueBytes(), s.keys()));
        row("pools", "WAL, " + s.poolMib() + " MiB per replica, on " + e.dataDirectory() + " (" + e.fileSystem() + ")");
        row("node JVM options", String.join(" ", s.nodeJvmOptions()));
        row("node processes", e.nodePids().toString());
        row("election timeout, heartbeat", e.electionTimeoutMillis() + " ms, " + e.heartbeatMillis() + " ms");
        row("client attempt timeout, call deadline", e.attemptTimeoutMillis() + " ms, " + e.callDeadlineMillis() + " ms");
        row("machine", e.host() + ", " + e.cores() + " cores, " + e.os());
        row("load average before, after", e.loadBefore() + "; " + e.loadAfter());
        row("java", e.javaVersion());
        row("vostok", e.version());
        row("run time", String.format(Locale.ROOT, "%.1f s", report.seconds()));
        h.append("</table>\n");
    }

    private void row(String name, String value) {
        h.append("<tr><td>").append(esc(name)).append("</td><td>").append(esc(value)).append("</td></tr>\n");
    }

    // ---------------------------------------------------------------- drawing

    private record Scale(double from, double to, double pixelFrom, double pixelTo) {
        double at(double v) {
            double span = to - from;
            return span == 0 ? pixelFrom : pixelFrom + (v - from) / span * (pixelTo - pixelFrom);
        }
    }

    private record LogScale(double from, double to, double pixelFrom, double pixelTo) {
        double at(double v) {
            double a = Math.log10(from);
            double b = Math.log10(to);
            return pixelFrom + (Math.log10(Math.max(v, from)) - a) / (b - a) * (pixelTo - pixelFrom);
        }
    }

    private void openSvg(String id, String title) {
        h.append(String.format(Locale.ROOT, "<svg id=\"%s\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
                + " role=\"img\"><title>%s</title>\n", id, WIDTH, HEIGHT, WIDTH, HEIGHT, esc(title)));
        h.append(String.format(Locale.ROOT, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
                WIDTH, HEIGHT));
    }

    /** The y axis with gridlines at round values, and the x axis with round ticks (none when its label is empty). */
    private void axes(Scale x, Scale y, String xLabel, String yLabel) {
        double step = niceStep(y.to() - y.from(), 5);
        for (double v = y.from(); v <= y.to() + step / 1000; v += step) {
            h.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n"
                            + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#444\">%s</text>\n", LEFT, y.at(v),
                    WIDTH - RIGHT, y.at(v), LEFT - 6, y.at(v) + 4, number(v)));
        }
        h.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>\n", LEFT,
                HEIGHT - BOTTOM, WIDTH - RIGHT, HEIGHT - BOTTOM));
        h.append(String.format(Locale.ROOT, "<text x=\"14\" y=\"%d\" transform=\"rotate(-90 14 %d)\""
                + " text-anchor=\"middle\" fill=\"#444\">%s</text>\n", (TOP + HEIGHT - BOTTOM) / 2,
                (TOP + HEIGHT - BOTTOM) / 2, esc(yLabel)));
        if (xLabel.isEmpty()) {
            return;
        }
        double xStep = niceStep(x.to() - x.from(), 10);
        for (double v = Math.ceil(x.from() / xStep) * xStep; v <= x.to() + xStep / 1000; v += xStep) {
            h.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#444\"/>\n"
                            + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#444\">%s</text>\n", x.at(v),
                    HEIGHT - BOTTOM, x.at(v), HEIGHT - BOTTOM + 4, x.at(v), HEIGHT - BOTTOM + 16, number(v)));
        }
        h.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#444\">%s</text>\n",
                (LEFT + WIDTH - RIGHT) / 2, HEIGHT - 8, esc(xLabel)));
    }

    private void legend(String[] names, String[] colors) {
        double x = WIDTH - RIGHT - 70.0 * names.length;
        for (int i = 0; i < names.length; i++) {
            h.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"8\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                    + "<text x=\"%.1f\" y=\"17\" fill=\"#444\">%s</text>\n", x, colors[i], x + 14, esc(names[i])));
            x += 70;
        }
    }

    /** A round step (1, 2 or 5 times a power of ten) giving about {@code count} steps over {@code span}. */
    static double niceStep(double span, int count) {
        if (span <= 0) {
            return 1;
        }
        double raw = span / count;
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / p;
        return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
    }

    static double niceCeiling(double v) {
        if (v <= 0) {
            return 1;
        }
        double step = niceStep(v, 5);
        return Math.ceil(v / step) * step;
    }

    private static String number(double v) {
        if (Math.abs(v) >= 1000 || v == Math.rint(v)) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v).replaceAll("0+$", "").replaceAll("\\.$", "");
    }

    private static String msLabel(double micros) {
        double ms = micros / 1000;
        return ms >= 1 ? String.format(Locale.ROOT, "%,.0f", ms) : number(ms);
    }

    /** Escapes text for HTML and XML alike. */
    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
