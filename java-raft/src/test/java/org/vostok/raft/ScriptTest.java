package org.vostok.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs every scripted scenario under {@code src/test/resources/scripts}: each line {@code > cmd}
 * is run on a fresh {@link ScriptCluster} per file and its output compared with the lines below
 * it. With {@code -Draft.rewrite=true} the expected output is rewritten from the actual one
 * instead (then review the diff before committing it). Each script opens with a paragraph of
 * {@code #} lines saying what it tests and why.
 */
class ScriptTest {

    static Path scriptsDir() {
        String dir = System.getProperty("raft.scripts");
        return dir != null ? Path.of(dir) : Path.of("src/test/resources/scripts");
    }

    @TestFactory
    Stream<DynamicTest> scripts() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(scriptsDir())) {
            files = s.filter(p -> p.toString().endsWith(".txt")).sorted().toList();
        }
        assertTrue(files.size() > 0, "no scripts found in " + scriptsDir());
        boolean rewrite = Boolean.getBoolean("raft.rewrite");
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> runScript(f, rewrite)));
    }

    static void runScript(Path file, boolean rewrite) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertTrue(!lines.isEmpty() && lines.get(0).startsWith("#"),
                file + " must open with a paragraph of # lines on what it tests and why");
        ScriptCluster cluster = new ScriptCluster();
        StringBuilder rewritten = new StringBuilder();
        int i = 0;
        while (i < lines.size()) {
            String line = lines.get(i);
            if (!line.startsWith("> ")) {
                rewritten.append(line).append('\n');
                i++;
                continue;
            }
            int commandLine = i + 1;
            String command = line.substring(2);
            i++;
            List<String> expected = new ArrayList<>();
            while (i < lines.size() && !lines.get(i).startsWith("> ") && !lines.get(i).startsWith("#")) {
                expected.add(lines.get(i));
                i++;
            }
            while (!expected.isEmpty() && expected.get(expected.size() - 1).isBlank()) {
                expected.remove(expected.size() - 1);
            }
            String actual = runCommand(cluster, command);
            rewritten.append(line).append('\n').append(actual).append(actual.isEmpty() ? "" : "\n").append('\n');
            if (!rewrite) {
                assertEquals(String.join("\n", expected), actual,
                        file.getFileName() + ":" + commandLine + ": output of '" + command + "' differs");
            }
        }
        if (rewrite) {
            String text = rewritten.toString().replaceAll("\n+$", "\n");
            Files.writeString(file, text, StandardCharsets.UTF_8);
        }
    }

    private static String runCommand(ScriptCluster cluster, String command) {
        String out;
        try {
            out = cluster.run(command);
        } catch (IllegalArgumentException | IllegalStateException e) {
            if (e instanceof RaftInvariantViolation) {
                throw e;
            }
            out = "error: " + e.getMessage() + "\n";
        }
        return out.endsWith("\n") ? out.substring(0, out.length() - 1) : out;
    }
}
