package org.vostok.rsvc.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * Watches a closed loop for stalls: spans of at least {@code stallMillis} in which writes were in
 * flight and none completed. A closed loop always has writes in flight, so a span without a
 * completion is the whole pipeline held up, not one slow write. At the moment a stall is first
 * seen it prints every thread's state and, for those running or blocked, their top frames, with
 * the collections the JVM ran since the last completion, so the stall's cause can be read off.
 */
final class StallWatch {

    static final int DUMPS_MAX = 20;
    private static final long POLL_NANOS = TimeUnit.MICROSECONDS.toNanos(500);
    private static final int FRAMES_MAX = 14;
    private static final int KERNEL_FRAMES_MAX = 6;

    record Summary(long count, long totalMillis, long longestMillis) {
    }

    private final long stallNanos;
    private final String label;
    private final AtomicLong lastCompletion = new AtomicLong();
    private volatile boolean running;
    private Thread thread;
    private long count;
    private long totalNanos;
    private long longestNanos;

    StallWatch(long stallMillis, String label) {
        this.stallNanos = TimeUnit.MILLISECONDS.toNanos(stallMillis);
        this.label = label;
    }

    void completed(long nanos) {
        lastCompletion.set(nanos);
    }

    void start() {
        lastCompletion.set(System.nanoTime());
        if (stallNanos == 0) {
            return;
        }
        running = true;
        thread = new Thread(this::watch, "stall-watch");
        thread.setDaemon(true);
        thread.start();
    }

    Summary stop() {
        if (thread != null) {
            running = false;
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return new Summary(count, TimeUnit.NANOSECONDS.toMillis(totalNanos),
                TimeUnit.NANOSECONDS.toMillis(longestNanos));
    }

    private void watch() {
        long stallFrom = 0; // the last completion before the stall in progress, or 0
        long gcAtLast = gcMillis();
        long gcCountAtLast = gcCount();
        long seen = lastCompletion.get();
        int dumps = 0;
        while (running) {
            LockSupport.parkNanos(POLL_NANOS);
            long last = lastCompletion.get();
            long now = System.nanoTime();
            if (last != seen) {
                if (stallFrom != 0) {
                    long span = last - stallFrom;
                    count++;
                    totalNanos += span;
                    longestNanos = Math.max(longestNanos, span);
                    if (dumps <= DUMPS_MAX) {
                        System.err.printf(Locale.ROOT, "# stall %s ended after %.1f ms%n", label, span / 1e6);
                    }
                    stallFrom = 0;
                }
                seen = last;
                gcAtLast = gcMillis();
                gcCountAtLast = gcCount();
            } else if (stallFrom == 0 && now - last >= stallNanos) {
                stallFrom = last;
                if (dumps++ < DUMPS_MAX) {
                    dump(label, (now - last) / 1e6, gcCount() - gcCountAtLast, gcMillis() - gcAtLast);
                }
            }
        }
    }

    private static void dump(String label, double sinceMillis, long collections, long gcMillis) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        StringBuilder b = new StringBuilder(16 * 1024);
        b.append(String.format(Locale.ROOT, "# stall %s: no completion for %.1f ms; %d collections (%d ms) since the"
                + " last one%n", label, sinceMillis, collections, gcMillis));
        for (ThreadInfo t : mx.dumpAllThreads(false, false, FRAMES_MAX)) {
            StackTraceElement[] st = t.getStackTrace();
            Thread.State state = t.getThreadState();
            boolean active = state == Thread.State.RUNNABLE || state == Thread.State.BLOCKED;
            b.append("#   ").append(t.getThreadName()).append(' ').append(state);
            if (t.getLockName() != null) {
                b.append(" on ").append(t.getLockName());
                if (t.getLockOwnerName() != null) {
                    b.append(" held by ").append(t.getLockOwnerName());
                }
            }
            if (st.length > 0) {
                b.append(" at ").append(st[0]);
            }
            b.append('\n');
            if (active) {
                for (int i = 1; i < st.length; i++) {
                    b.append("#       ").append(st[i]).append('\n');
                }
            }
        }
        appendKernelView(b);
        System.err.print(b);
    }

    /**
     * The kernel's view of the busy threads (Linux only; the kernel stacks need root): the state
     * (R running or runnable, S sleeping, D waiting on the disk), where a sleeper waits, and its
     * kernel stack. A Java thread inside native code is RUNNABLE to Java whatever it does there;
     * this tells a lock wait from an fdatasync from a thread that waits for a CPU.
     */
    private static void appendKernelView(StringBuilder b) {
        Path tasks = Path.of("/proc/self/task");
        if (!Files.isDirectory(tasks)) {
            return;
        }
        try (Stream<Path> list = Files.list(tasks)) {
            for (Path t : list.sorted().toList()) {
                String comm = read(t.resolve("comm")).strip();
                if (!comm.startsWith("rdb-") && !comm.startsWith("vostok-")) {
                    continue;
                }
                String stat = read(t.resolve("stat"));
                int close = stat.lastIndexOf(')');
                String state = close > 0 && close + 2 < stat.length() ? stat.substring(close + 2, close + 3) : "?";
                b.append("#   [kernel] ").append(comm).append(' ').append(state);
                if (!state.equals("R")) {
                    b.append(" wchan=").append(read(t.resolve("wchan")).strip());
                    String stack = read(t.resolve("stack"));
                    stack.lines().limit(KERNEL_FRAMES_MAX)
                            .forEach(l -> b.append(" | ").append(l.replaceFirst("^\\[<[0-9a-f]+>\\] ", "")));
                }
                b.append('\n');
            }
        } catch (IOException | UncheckedIOException e) {
            b.append("#   [kernel] unreadable: ").append(e.getMessage()).append('\n');
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }

    private static long gcMillis() {
        long sum = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            sum += Math.max(0, gc.getCollectionTime());
        }
        return sum;
    }

    private static long gcCount() {
        long sum = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            sum += Math.max(0, gc.getCollectionCount());
        }
        return sum;
    }
}
