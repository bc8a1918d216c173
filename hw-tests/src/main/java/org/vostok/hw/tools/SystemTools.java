package org.vostok.hw.tools;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the tools installed on this machine: found on {@code PATH} and in the sbin directories
 * (nvme-cli installs to /usr/sbin, which a user's PATH often lacks), run with {@code LC_ALL=C}
 * so their messages do not depend on the locale, killed by their process handle when they
 * overrun. Their output is read to at most {@link #OUTPUT_BYTES_MAX} a stream.
 *
 * <p>Thread-safety: safe for concurrent use (it holds no state but the search path).
 */
public final class SystemTools implements ToolRunner {
    /** Output kept of each stream of a tool; the rest is read and dropped. */
    public static final int OUTPUT_BYTES_MAX = 16 << 20;

    private static final Logger LOG = LoggerFactory.getLogger(SystemTools.class);
    private static final List<String> SBIN = List.of("/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/bin", "/bin");

    private final List<Path> searchPath;

    private SystemTools(List<Path> searchPath) {
        this.searchPath = List.copyOf(searchPath);
    }

    /** The tools on {@code PATH} and in the usual sbin and bin directories. */
    public static SystemTools fromEnvironment() {
        Set<String> dirs = new LinkedHashSet<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(":")) {
                if (!dir.isEmpty()) {
                    dirs.add(dir);
                }
            }
        }
        dirs.addAll(SBIN);
        return new SystemTools(dirs.stream().map(Path::of).toList());
    }

    /** Tools found only in these directories (for tests). */
    public static SystemTools searching(List<Path> dirs) {
        return new SystemTools(dirs);
    }

    @Override
    public boolean installed(String tool) {
        return locate(tool).isPresent();
    }

    private Optional<Path> locate(String tool) {
        for (Path dir : searchPath) {
            Path candidate = dir.resolve(tool);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    @Override
    public ToolResult run(String tool, List<String> args, Duration timeout) {
        Optional<Path> executable = locate(tool);
        if (executable.isEmpty()) {
            return new ToolResult.Missing(tool, String.join(":", searchPath.stream().map(Path::toString).toList()));
        }
        List<String> command = new ArrayList<>();
        command.add(executable.get().toString());
        command.addAll(args);
        String commandLine = tool + (args.isEmpty() ? "" : " " + String.join(" ", args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().put("LC_ALL", "C");
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            return new ToolResult.NotStarted(commandLine, e.getMessage() == null ? e.toString() : e.getMessage());
        }
        LOG.debug("running `{}` (pid {})", commandLine, process.pid());
        Drain out = Drain.start(process.getInputStream(), tool + "-stdout");
        Drain err = Drain.start(process.getErrorStream(), tool + "-stderr");
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.toHandle().destroyForcibly();
                process.waitFor();
                return new ToolResult.TimedOut(commandLine, timeout);
            }
            return new ToolResult.Finished(commandLine, process.exitValue(), out.text(), err.text());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ToolResult.NotStarted(commandLine, "interrupted while it ran");
        } finally {
            if (process.isAlive()) {
                process.toHandle().destroyForcibly();
            }
        }
    }

    /** Reads one stream of a child to its end on a thread of its own, keeping the first bytes. */
    private static final class Drain {
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private final Thread thread;

        private Drain(InputStream in, String name) {
            thread = new Thread(() -> copy(in), name);
            thread.setDaemon(true);
        }

        static Drain start(InputStream in, String name) {
            Drain drain = new Drain(in, name);
            drain.thread.start();
            return drain;
        }

        private void copy(InputStream in) {
            byte[] buffer = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    synchronized (kept) {
                        int room = OUTPUT_BYTES_MAX - kept.size();
                        kept.write(buffer, 0, Math.max(0, Math.min(room, n)));
                    }
                }
            } catch (IOException e) {
                // The child was killed or closed its end: what was read so far is what there is.
                LOG.debug("reading a tool's output stopped: {}", e.toString());
            }
        }

        String text() throws InterruptedException {
            thread.join(TimeUnit.SECONDS.toMillis(10));
            synchronized (kept) {
                return kept.toString(StandardCharsets.UTF_8);
            }
        }
    }
}
