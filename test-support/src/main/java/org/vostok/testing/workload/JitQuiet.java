package org.vostok.testing.workload;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Optional;

/**
 * Whether this JVM's JIT compilers have gone quiet, for benchmarks that warm up until they have:
 * levels measured while C2 still compiles measure the compilers too, and on a 2-core machine a
 * JVM running three replicas keeps them busy for 10 to 20 s of load (measured: 10 s in-process, 20 s
 * with the Netty nodes and a client). The share is the
 * compilers' accumulated compilation time over the wall time since the last {@link #mark()};
 * {@link #warmUp} runs a benchmark's load until it is quiet.
 *
 * <p>Thread-safety: one thread.
 */
public final class JitQuiet {

    /** The compilers count as quiet below this share of one core (as `vostok bench` counts them). */
    public static final double QUIET_SHARE = 0.05;

    private final CompilationMXBean compiler;
    private long markedCompileMillis;
    private long markedNanos;

    private JitQuiet(CompilationMXBean compiler) {
        this.compiler = compiler;
        mark();
    }

    /** A watch on this JVM's compilers, or empty when the JVM does not report their time. */
    public static Optional<JitQuiet> of() {
        CompilationMXBean c = ManagementFactory.getCompilationMXBean();
        return c != null && c.isCompilationTimeMonitoringSupported() ? Optional.of(new JitQuiet(c))
                : Optional.empty();
    }

    /** Starts a new span: {@link #share()} counts from here. */
    public void mark() {
        markedCompileMillis = compiler.getTotalCompilationTime();
        markedNanos = System.nanoTime();
    }

    /** The compilers' time since the last {@link #mark()}, as a share of one core over that span. */
    public double share() {
        long wallNanos = Math.max(1, System.nanoTime() - markedNanos);
        return (compiler.getTotalCompilationTime() - markedCompileMillis) * 1e6 / wallNanos;
    }

    /** Whether {@link #share()} is below {@link #QUIET_SHARE}. */
    public boolean quiet() {
        return share() < QUIET_SHARE;
    }

    /** Load run for a while: the operations it completed and the seconds it took. */
    public record Span(long operations, double seconds) {
    }

    /** Runs load for about the seconds given. */
    @FunctionalInterface
    public interface Load {
        Span run(double seconds) throws InterruptedException;
    }

    /**
     * A warm-up: {@code load} for {@code minSeconds}, then on in steps of {@code stepSeconds}
     * while this JVM's compilers used {@link #QUIET_SHARE} of a core or more in the last one, up to
     * {@code maxSeconds} in all. Returns what it did, for the benchmark's output: "N operations in
     * S s, R/s, until the JIT compilers were quiet (...)", or that they were still busy at its end.
     */
    public static String warmUp(double minSeconds, double maxSeconds, double stepSeconds, Load load)
            throws InterruptedException {
        Optional<JitQuiet> jit = of();
        Span first = load.run(minSeconds);
        long operations = first.operations();
        double seconds = first.seconds();
        double share = jit.map(JitQuiet::share).orElse(0.0);
        while (jit.isPresent() && share >= QUIET_SHARE && seconds < maxSeconds) {
            jit.get().mark();
            Span step = load.run(Math.min(stepSeconds, maxSeconds - seconds));
            operations += step.operations();
            seconds += step.seconds();
            share = jit.get().share();
        }
        String why = jit.isEmpty() ? "the JVM does not report its compilers' time"
                : share < QUIET_SHARE
                ? String.format(Locale.ROOT, "until the JIT compilers were quiet (%.3f of a core in the last span)",
                        share)
                : String.format(Locale.ROOT, "the JIT compilers were STILL BUSY (%.3f of a core): the first level"
                        + " measures them too (a longer --warmup-seconds-max helps)", share);
        return String.format(Locale.ROOT, "%d operations in %.0f s, %.0f/s, %s", operations, seconds,
                operations / Math.max(seconds, 1e-9), why);
    }
}
