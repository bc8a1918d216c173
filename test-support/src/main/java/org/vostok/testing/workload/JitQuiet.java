package org.vostok.testing.workload;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.Optional;

/**
 * Whether this JVM's JIT compilers have gone quiet, for benchmarks that warm up until they have:
 * levels measured while C2 still compiles measure the compilers too, and on a 2-core machine a
 * JVM running three replicas and a client keeps them busy for 20 s or more. The share is the
 * compilers' accumulated compilation time over the wall time since the last {@link #mark()}.
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
}
