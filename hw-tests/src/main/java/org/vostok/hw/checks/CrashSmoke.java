package org.vostok.hw.checks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.vostok.hw.Machine;
import org.vostok.hw.probe.PersistProbe;
import org.vostok.hw.report.Check;
import org.vostok.hw.report.Figure;
import org.vostok.hw.report.Status;
import org.vostok.vos.Container;
import org.vostok.vos.Pool;
import org.vostok.vos.PoolBackend;
import org.vostok.vos.VosLimits;
import org.vostok.vos.VosProvider;

/**
 * A short crash-consistency smoke of VOS on the data directory: a child JVM
 * ({@link CrashSmokeChild}) commits transactions to a pool there and is killed with SIGKILL
 * while it does, at a random point after some acknowledgements; this process then opens the
 * pool and checks that it holds exactly transactions 1 .. L, each whole, with L no less than the
 * last acknowledged and no more than one past it. The next round's child reopens the same pool
 * and goes on from L + 1. The children run without {@code PMEM_IS_PMEM_FORCE}, so a PMDK pool
 * persists the way it would for a replica on this media.
 */
public final class CrashSmoke {
    private static final String EOF = "\u0000eof";

    private final Machine machine;
    private final VosProvider vos;
    private final WorkDirectory work;
    private final String subject;
    private final PoolBackend backend;
    private final boolean dax;

    public CrashSmoke(Machine machine, VosProvider vos, WorkDirectory work, String subject, PoolBackend backend,
                      boolean dax) {
        this.machine = machine;
        this.vos = vos;
        this.work = work;
        this.subject = subject;
        this.backend = backend;
        this.dax = dax;
    }

    public List<Check> run() {
        return Guard.each("vos.crash." + name(), subject, this::smoke);
    }

    private String name() {
        return backend.name().toLowerCase(java.util.Locale.ROOT);
    }

    private List<Check> smoke() {
        Path pool = work.resolve("crash-" + name() + ".pool");
        long seed = System.nanoTime();
        SplittableRandom random = new SplittableRandom(seed);
        int min = machine.workload().crashKillAfterMin();
        int max = machine.workload().crashKillAfterMax();
        long acknowledged = 0;
        List<String> rounds = new ArrayList<>();
        String title = "VOS crash smoke " + backend;
        try {
            for (int round = 1; round <= machine.workload().crashRounds(); round++) {
                int killAfter = min + random.nextInt(max - min + 1);
                long acked = acknowledged + runChild(pool, round, acknowledged + 1, killAfter);
                long found = verify(pool, acked);
                rounds.add(Long.toString(found));
                acknowledged = found;
            }
        } catch (VerificationFailure e) {
            return List.of(Check.of("vos.crash." + name(), title, subject, Status.FAIL, "round " + (rounds.size() + 1)
                    + ": " + e.getMessage()));
        } finally {
            Pools.destroy(vos, pool);
        }
        return List.of(new Check("vos.crash." + name(), title, subject, Status.PASS,
                Optional.of(new Figure(acknowledged, "tx")), "", machine.workload().crashRounds()
                        + " children killed with SIGKILL mid-stream; after each, the reopened pool held every "
                        + "acknowledged transaction whole and nothing after (prefixes " + String.join(", ", rounds)
                        + ")" + (backend == PoolBackend.PMEM && !dax ? "; PMDK persists with msync here (not DAX)" : "")));
    }

    /**
     * Runs one child until it has acknowledged {@code killAfter} commits and kills it; returns
     * how many it acknowledged in all (a few more may arrive between the count and the signal).
     *
     * @throws VerificationFailure when the child could not run or misbehaved
     */
    private long runChild(Path pool, int round, long first, int killAfter) {
        Path log = work.resolve("crash-" + name() + "-" + round + ".log");
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-Xmx128m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1"));
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith("vostok.") || name.equals("java.io.tmpdir")) {
                command.add("-D" + name + "=" + System.getProperty(name));
            }
        }
        if (System.getProperty(PersistProbe.LIBRARY_PROPERTY) == null) {
            // The children load the library from the work directory, so that the copies of killed
            // children do not outlive the run.
            Path library = work.resolve("libvostok-vos.so");
            if (!Files.exists(library)) {
                PersistProbe.copyBundledLibrary(library);
            }
            command.add("-D" + PersistProbe.LIBRARY_PROPERTY + "=" + library);
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), CrashSmokeChild.class.getName(),
                pool.toString(), backend.name(), round == 1 ? "create" : "reopen", Long.toString(first),
                Long.toString(machine.workload().smokePoolBytes())));
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(log.toFile());
        // The media's real persistence: PMDK must not be told that any file is persistent memory.
        builder.environment().remove("PMEM_IS_PMEM_FORCE");
        Process child;
        try {
            child = builder.start();
        } catch (IOException e) {
            throw new VerificationFailure("could not start a child JVM: " + e.getMessage());
        }
        Children.track(child);
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> readLines(child, lines), "crash-smoke-child-" + round);
        reader.setDaemon(true);
        reader.start();
        long timeoutMillis = machine.workload().crashChildTimeout().toMillis();
        int acks = 0;
        boolean killed = false;
        try {
            while (true) {
                String line = lines.poll(timeoutMillis, TimeUnit.MILLISECONDS);
                if (line == null) {
                    throw new VerificationFailure("the child said nothing for " + timeoutMillis + " ms after " + acks
                            + " commits" + tail(log));
                }
                if (line.equals(EOF)) {
                    break;
                }
                if (line.startsWith("committed ")) {
                    long n = Long.parseLong(line.substring("committed ".length()).strip());
                    if (n != first + acks) {
                        throw new VerificationFailure("the child acknowledged " + n + " where " + (first + acks) + " was next");
                    }
                    acks++;
                    if (acks >= killAfter && !killed) {
                        // SIGKILL through the handle: Process.destroyForcibly would also close our end
                        // of the pipe and lose what the child said before it died.
                        child.toHandle().destroyForcibly();
                        killed = true;
                    }
                } else if (line.startsWith("error ")) {
                    throw new VerificationFailure("the child failed: " + line.substring("error ".length()) + tail(log));
                } else if (!line.equals("ready")) {
                    throw new VerificationFailure("the child said: " + line + tail(log));
                }
            }
            int exit = child.waitFor();
            if (!killed) {
                throw new VerificationFailure("the child ended by itself with exit code " + exit + " after " + acks + " commits"
                        + tail(log));
            }
            if (exit != 128 + 9) {
                throw new VerificationFailure("the child ended with exit code " + exit + ", not by SIGKILL (137)" + tail(log));
            }
            return acks;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VerificationFailure("interrupted while the child ran");
        } finally {
            child.toHandle().destroyForcibly();
            try {
                child.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Children.untrack(child);
        }
    }

    /**
     * Opens the pool and checks it holds transactions 1 .. L whole and nothing after, with
     * {@code acked <= L <= acked + 1}; returns L.
     */
    long verify(Path path, long acked) {
        try (Pool pool = vos.openPool(path); Container c = pool.openContainer(CrashSmokeChild.CONTAINER)) {
            long last = c.fetch(CrashSmokeChild.DATA, CrashSmokeChild.LAST_KEY, VosLimits.EPOCH_MAX)
                    .map(v -> Long.parseLong(new String(v, StandardCharsets.UTF_8))).orElse(0L);
            if (last < acked) {
                throw new VerificationFailure("transaction " + acked + " was acknowledged, but the reopened pool "
                        + "ends at " + last + ": acknowledged commits were lost");
            }
            if (last > acked + 1) {
                throw new VerificationFailure("the reopened pool ends at transaction " + last + ", but only "
                        + (acked + 1) + " had been started");
            }
            for (long n = 1; n <= last; n++) {
                expect(c, CrashSmokeChild.DATA, n, CrashSmokeChild.value(n), last);
                expect(c, CrashSmokeChild.MIRROR, n, CrashSmokeChild.mirror(n), last);
            }
            OptionalLong dataMax = c.largestIntegerKey(CrashSmokeChild.DATA, VosLimits.EPOCH_MAX);
            OptionalLong mirrorMax = c.largestIntegerKey(CrashSmokeChild.MIRROR, VosLimits.EPOCH_MAX);
            if (dataMax.orElse(0) != last || mirrorMax.orElse(0) != last) {
                throw new VerificationFailure("the pool ends at transaction " + last + " but holds keys up to "
                        + dataMax.orElse(0) + " and " + mirrorMax.orElse(0) + ": part of a later transaction survived");
            }
            return last;
        }
    }

    private static void expect(Container c, long object, long n, byte[] expected, long last) {
        Optional<byte[]> found = c.fetch(object, n, VosLimits.EPOCH_MAX);
        if (found.isEmpty()) {
            throw new VerificationFailure("the pool ends at transaction " + last + " but key " + n + " of object "
                    + object + " is missing: transaction " + n + " is torn or lost");
        }
        if (!Arrays.equals(found.get(), expected)) {
            throw new VerificationFailure("key " + n + " of object " + object + " holds other bytes than transaction "
                    + n + " wrote");
        }
    }

    private static void readLines(Process child, BlockingQueue<String> lines) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                lines.add(line);
            }
        } catch (IOException e) {
            lines.add("reading the child's output failed: " + e);
        }
        lines.add(EOF);
    }

    private static String tail(Path log) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            if (all.isEmpty()) {
                return "";
            }
            return "; its stderr ends: " + String.join(" | ", all.subList(Math.max(0, all.size() - 5), all.size()));
        } catch (IOException e) {
            return "";
        }
    }

    /** The pool after a kill is not what the acknowledgements promise. */
    private static final class VerificationFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        VerificationFailure(String message) {
            super(message);
        }
    }
}
