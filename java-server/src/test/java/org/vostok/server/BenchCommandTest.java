package org.vostok.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import picocli.CommandLine;

/**
 * {@code vostok bench} as CI runs it, on a tiny setting (a second per level, two failover runs of
 * each fault): three real node processes, a real kill -9 and SIGSTOP of the leader. It checks
 * what a person and a script read: the table, the RESULT lines in the peers' format (as
 * {@code summarize.py} parses them), the HTML report's structure (parsed as XML: the charts,
 * the fault marks, the tables, nothing fetched from elsewhere), and that no process and no file
 * of the run is left behind.
 */
class BenchCommandTest {

    /** summarize.py's pattern for a RESULT line's fields. */
    private static final Pattern FIELD = Pattern.compile("(\\w+)=(\\[[^\\]]*\\]|\\S+)");

    @Test
    void aTinyRunPrintsTheTableAndResultLinesWritesTheReportAndLeavesNothing(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("data");
        Path out = tmp.resolve("out");
        StringWriter text = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = Main.commandLine();
        commandLine.setOut(new PrintWriter(text, true));
        commandLine.setErr(new PrintWriter(err, true));

        int exit = commandLine.execute("bench", "--levels=1,16", "--seconds=1", "--warmup-seconds=0",
                "--failover-runs=2", "--keys=1000", "--pool-mib=64", "--progress=lines",
                "--node-jvm-options=-Xmx256m -XX:+UseSerialGC", "--dir=" + data, "--out=" + out);

        String printed = text.toString();
        assertEquals(0, exit, printed + err);

        // The table.
        for (String op : List.of("write", "read")) {
            for (int conc : List.of(1, 16)) {
                assertTrue(Pattern.compile("(?m)^" + op + "\\s+" + conc + "\\s+[\\d,]+\\s+\\d+\\.\\d\\d\\s+\\d+\\.\\d\\d"
                        + "\\s+\\d+\\.\\d\\d\\s+\\d+\\.\\d\\d\\s+0$").matcher(printed).find(), op + " " + conc + ":\n"
                        + printed);
            }
        }
        assertTrue(Pattern.compile("(?m)^kill -9 of the leader\\s+2\\s+\\d+\\s+\\d+\\s+\\d+ \\d+$").matcher(printed)
                .find(), printed);
        assertTrue(Pattern.compile("(?m)^SIGSTOP of the leader\\s+2\\s+\\d+\\s+\\d+\\s+\\d+ \\d+$").matcher(printed)
                .find(), printed);
        assertTrue(printed.contains("every one in a failover run"), printed);

        // The RESULT lines, on the output and in results.txt, as summarize.py reads them.
        List<String> results = Files.readAllLines(out.resolve("results.txt"), StandardCharsets.UTF_8);
        assertEquals(6, results.size(), String.join("\n", results));
        for (String line : results) {
            assertTrue(printed.contains(line), line);
        }
        List<Map<String, String>> parsed = results.stream().map(BenchCommandTest::fields).toList();
        for (String op : List.of("write", "read")) {
            for (String conc : List.of("1", "16")) {
                Map<String, String> r = find(parsed, "vostok-e2e-wal", op, conc);
                assertTrue(Long.parseLong(r.get("ops")) > 0, r.toString());
                assertEquals("0", r.get("failed"), r.toString());
                long p50 = Long.parseLong(r.get("p50_us"));
                long p99 = Long.parseLong(r.get("p99_us"));
                long p999 = Long.parseLong(r.get("p999_us"));
                assertTrue(p50 > 0 && p50 <= p99 && p99 <= p999, r.toString());
                assertTrue(Double.parseDouble(r.get("ops_per_s")) > 0, r.toString());
            }
        }
        for (String fault : List.of("kill9", "sigstop")) {
            Map<String, String> r = find(parsed, "vostok-failover-" + fault, "failover_" + fault, null);
            assertEquals("2", r.get("rounds"), r.toString());
            List<Long> each = Stream.of(r.get("write_ok_ms").replaceAll("[\\[\\] ]", "").split(","))
                    .map(Long::parseLong).toList();
            assertEquals(2, each.size(), r.toString());
            assertEquals(each.stream().max(Long::compare).orElseThrow(), Long.parseLong(r.get("max_write_ok_ms")));
            assertTrue(each.contains(Long.parseLong(r.get("median_write_ok_ms"))), r.toString());
        }

        // The report: well-formed, self-contained, with its charts and the faults marked.
        Path html = out.resolve("report.html");
        String page = Files.readString(html, StandardCharsets.UTF_8);
        assertTrue(page.startsWith("<!DOCTYPE html>"), page.substring(0, 40));
        for (String external : List.of("http:", "https:", "<script", "<link", "<img", "@import", "url(")) {
            assertFalse(page.contains(external), "the report must fetch nothing: found " + external);
        }
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(page.getBytes(StandardCharsets.UTF_8)));
        Map<String, Element> svgs = new HashMap<>();
        NodeList list = doc.getElementsByTagName("svg");
        for (int i = 0; i < list.getLength(); i++) {
            Element e = (Element) list.item(i);
            svgs.put(e.getAttribute("id"), e);
        }
        assertEquals(Set.of("chart-throughput", "chart-failover-timeline", "chart-latency", "chart-failover"),
                svgs.keySet());
        Element throughput = svgs.get("chart-throughput");
        assertEquals(1, byClass(throughput, "polyline", "throughput").size());
        assertEquals(2, byClass(throughput, "line", "kill").size(), "a mark per kill -9");
        assertEquals(2, byClass(throughput, "line", "pause").size(), "a mark per SIGSTOP");
        assertEquals(2, byClass(throughput, "line", "resume").size(), "a mark per SIGCONT");
        assertEquals(2, byClass(throughput, "line", "restart").size(), "a mark per restart");
        assertEquals(4, byClass(throughput, "circle", "recovered").size(), "a mark per first write after a fault");
        assertTrue(byClass(throughput, "path", "leader-change").size() >= 4, "a mark per leader change");
        assertTrue(byClass(throughput, "rect", "phase").size() >= 6, "a band per level and failover phase");
        // three percentiles per level
        assertEquals(4, byClass(svgs.get("chart-latency"), "rect", "p50").size());
        assertEquals(4, byClass(svgs.get("chart-latency"), "rect", "p99").size());
        assertEquals(4, byClass(svgs.get("chart-latency"), "rect", "p99_9").size());
        assertEquals(2, byClass(svgs.get("chart-failover"), "rect", "kill9").size());
        assertEquals(2, byClass(svgs.get("chart-failover"), "rect", "sigstop").size());
        assertEquals(1 + 4, rows(doc, "levels"), "a header and a row per level");
        assertEquals(1 + 2 * (2 + 1), rows(doc, "failover"), "a header, a row per run and one per fault");
        Element pre = byId(doc, "pre", "results");
        assertEquals(String.join("\n", results), pre.getTextContent().trim());

        // Nothing left: the data directory, every process started (restarts included), their files.
        Matcher ended = Pattern.compile("ended every node process \\(([\\d, ]+)\\) and removed").matcher(printed);
        assertTrue(ended.find(), printed);
        List<Long> pids = Stream.of(ended.group(1).split(", ")).map(Long::parseLong).toList();
        assertEquals(5, pids.size(), "three nodes and two restarts: " + pids);
        for (long pid : pids) {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "process " + pid + " left");
        }
        assertFalse(Files.exists(data), "the data directory is removed unless --keep");
        Path systemTmp = Path.of(System.getProperty("java.io.tmpdir"));
        try (DirectoryStream<Path> s = Files.newDirectoryStream(systemTmp, "vostok-vos-*")) {
            for (Path p : s) {
                for (long pid : pids) {
                    assertFalse(p.getFileName().toString().startsWith("vostok-vos-" + pid + "-"),
                            "a node's library extraction was left: " + p);
                }
            }
        }
        for (long pid : pids) {
            assertFalse(Files.exists(systemTmp.resolve("hsperfdata_" + System.getProperty("user.name"))
                    .resolve(Long.toString(pid))), "a node's performance data file was left");
        }
        try (Stream<Path> s = Files.list(out)) {
            assertEquals(new TreeSet<>(List.of("report.html", "results.txt", "summary.txt")),
                    s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new)));
        }
    }

    @Test
    void wrongOptionsAreRefusedWithTheirNameBeforeAnythingStarts(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("precious"), "x");
        String[][] cases = {
            {"--levels=0", "--levels takes 1 .. 4096 operations in flight, not 0"},
            {"--seconds=0", "--seconds must be above 0"},
            {"--ops=scan", "an operation is write or read, not 'scan'"},
            {"--faults=reboot", "a fault is kill9 or sigstop, not 'reboot'"},
            {"--duration=soon", "a duration is a number with ms, s, m, h or d"},
            {"--pool-mib=8", "--pool-mib must be 64 .. "},
            {"--progress=fancy", "--progress is auto, bar, lines or none, not 'fancy'"},
            {"--dir=" + tmp, "is not empty, and the benchmark removes the directory at the end"},
        };
        for (String[] c : cases) {
            StringWriter err = new StringWriter();
            CommandLine commandLine = Main.commandLine();
            commandLine.setOut(new PrintWriter(new StringWriter(), true));
            commandLine.setErr(new PrintWriter(err, true));
            assertEquals(2, commandLine.execute("bench", c[0], "--out=" + tmp.resolve("out")), c[0] + ": " + err);
            assertTrue(err.toString().contains(c[1]), c[0] + ": " + err);
        }
        assertTrue(Files.exists(tmp.resolve("precious")), "a refused --dir is left as it was");
        assertFalse(Files.exists(tmp.resolve("out")), "nothing is written for a refused command line");
    }

    private static Map<String, String> fields(String line) {
        assertTrue(line.startsWith("RESULT "), line);
        Map<String, String> kv = new HashMap<>();
        Matcher m = FIELD.matcher(line);
        while (m.find()) {
            kv.put(m.group(1), m.group(2));
        }
        return kv;
    }

    private static Map<String, String> find(List<Map<String, String>> rows, String system, String test, String conc) {
        return rows.stream().filter(r -> system.equals(r.get("system")) && test.equals(r.get("test"))
                && (conc == null || conc.equals(r.get("conc")))).findFirst().orElseThrow(() ->
                new AssertionError("no RESULT line for " + system + " " + test + " " + conc + " in " + rows));
    }

    private static List<Element> byClass(Element root, String tag, String cls) {
        List<Element> out = new ArrayList<>();
        NodeList list = root.getElementsByTagName(tag);
        for (int i = 0; i < list.getLength(); i++) {
            Element e = (Element) list.item(i);
            if (List.of(e.getAttribute("class").split(" ")).contains(cls)) {
                out.add(e);
            }
        }
        return out;
    }

    private static Element byId(Document doc, String tag, String id) {
        NodeList list = doc.getElementsByTagName(tag);
        for (int i = 0; i < list.getLength(); i++) {
            Element e = (Element) list.item(i);
            if (id.equals(e.getAttribute("id"))) {
                return e;
            }
        }
        throw new AssertionError("no <" + tag + " id=\"" + id + "\">");
    }

    private static int rows(Document doc, String tableId) {
        return byId(doc, "table", tableId).getElementsByTagName("tr").getLength();
    }
}
