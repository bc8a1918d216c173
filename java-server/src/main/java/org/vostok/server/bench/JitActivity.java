package org.vostok.server.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How busy the JIT compilers of a set of JVM processes are: the CPU time of their compiler
 * threads (HotSpot names them {@code C1 CompilerThread<n>} and {@code C2 CompilerThread<n>}),
 * read from {@code /proc/<pid>/task/<tid>/stat} between two samples. The benchmark runs four
 * JVMs on the machine's cores; measured while their compilers still work, writes at 1 in flight
 * took 2.5-3.3 ms at the median instead of 1.2 ms, and the machine was far from idle (the compilers
 * alone used 0.6-0.8 of a core): the warm-up goes on until they are quiet, and a level during which
 * they were not says so.
 *
 * <p>Linux only: where {@code /proc} does not list the processes' threads, {@link #of} is empty.
 */
final class JitActivity {

    /**
     * The unit of {@code utime} and {@code stime} in {@code /proc/<pid>/task/<tid>/stat}: the
     * kernel's USER_HZ, which is 100 on every architecture Linux exports it for.
     */
    private static final double CLOCK_TICKS_PER_SECOND = 100;
    /** The first 15 characters of a compiler thread's name, as the kernel keeps it. */
    private static final List<String> COMPILER_THREAD_PREFIXES = List.of("C1 CompilerThre", "C2 CompilerThre");
    /** Fields 14 and 15 of a stat line (utime, stime), counted from the one after the name's ')'. */
    private static final int UTIME_FIELD = 11;
    private static final int STIME_FIELD = 12;

    private final List<Long> pids;
    /** Per process, the CPU ticks each compiler thread had used at the last sample. */
    private final Map<Long, Map<String, Long>> last = new HashMap<>();
    private long lastNanos;

    private JitActivity(List<Long> pids) {
        this.pids = List.copyOf(pids);
        sample();
    }

    /**
     * A reader of the compilers of processes {@code pids}, its first sample taken now; empty
     * when {@code /proc} does not show their threads (not Linux).
     */
    static Optional<JitActivity> of(List<Long> pids) {
        for (long pid : pids) {
            if (!Files.isDirectory(Path.of("/proc", Long.toString(pid), "task"))) {
                return Optional.empty();
            }
        }
        return Optional.of(new JitActivity(pids));
    }

    /**
     * The share of one core that each process's compiler threads used since the last sample
     * (0.25: a quarter of a core), by PID, in the order given. A compiler thread that started
     * between the samples counts from zero; one that ended is not counted (HotSpot ends an idle
     * compiler thread, so its last moments are idle ones). A process that ended counts as 0.
     */
    synchronized Map<Long, Double> sample() {
        long now = System.nanoTime();
        double seconds = Math.max(1e-3, (now - lastNanos) / 1e9);
        Map<Long, Double> shares = new LinkedHashMap<>();
        for (long pid : pids) {
            Map<String, Long> before = last.getOrDefault(pid, Map.of());
            Map<String, Long> current = compilerTicks(pid);
            long used = 0;
            for (Map.Entry<String, Long> t : current.entrySet()) {
                used += t.getValue() - before.getOrDefault(t.getKey(), 0L);
            }
            last.put(pid, current);
            shares.put(pid, lastNanos == 0 ? 0 : used / CLOCK_TICKS_PER_SECOND / seconds);
        }
        lastNanos = now;
        return shares;
    }

    /** How many compiler threads process {@code pid} has now (HotSpot keeps at least one while it compiles). */
    static int compilerThreads(long pid) {
        return compilerTicks(pid).size();
    }

    /** Each compiler thread's CPU ticks (user and system) by thread id; empty when the process is gone. */
    private static Map<String, Long> compilerTicks(long pid) {
        Map<String, Long> ticks = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"), StandardCharsets.US_ASCII);
                } catch (IOException e) {
                    continue; // the thread ended between the listing and the read
                }
                int open = stat.indexOf('(');
                int close = stat.lastIndexOf(')');
                if (open < 0 || close < open) {
                    continue;
                }
                String name = stat.substring(open + 1, close);
                if (COMPILER_THREAD_PREFIXES.stream().noneMatch(name::startsWith)) {
                    continue;
                }
                String[] f = stat.substring(close + 2).split(" ");
                if (f.length > STIME_FIELD) {
                    ticks.put(task.getFileName().toString(), Long.parseLong(f[UTIME_FIELD])
                            + Long.parseLong(f[STIME_FIELD]));
                }
            }
        } catch (IOException | RuntimeException e) {
            // the process ended, or /proc said something unexpected: nothing to count
        }
        return ticks;
    }
}
