package org.vostok.server.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The benchmark's warm-up used to be 5 s, fixed: the levels after it were measured while the
 * four JVMs' JIT compilers still used most of a core (writes at 1 in flight at 2.8 ms at the
 * median instead of 1.2 ms). It now goes on until {@link JitActivity} finds the compilers quiet;
 * these tests hold what that reading rests on: it finds a JVM's compiler threads in /proc and
 * counts their CPU time.
 */
class JitActivityTest {

    @Test
    void findsThisJvmsCompilerThreadsAndCountsTheirWork() throws Exception {
        long self = ProcessHandle.current().pid();
        assumeTrue(Files.isDirectory(Path.of("/proc", Long.toString(self), "task")), "needs Linux /proc");
        assertTrue(JitActivity.compilerThreads(self) >= 1, "no C1 or C2 compiler thread found in /proc");
        JitActivity jit = JitActivity.of(List.of(self)).orElseThrow();
        // Enough distinct work that the compilers have methods to compile meanwhile.
        long sum = 0;
        for (int round = 0; round < 200; round++) {
            sum += Map.of("k" + round, round).hashCode() + String.valueOf(round * 31L).hashCode();
            Thread.sleep(1);
        }
        Map<Long, Double> shares = jit.sample();
        assertEquals(List.of(self), List.copyOf(shares.keySet()), "sum " + sum);
        double share = shares.get(self);
        assertTrue(share >= 0 && share <= Runtime.getRuntime().availableProcessors(),
                "a share of the cores between 0 and their number, not " + share);
    }

    @Test
    void aProcessThatIsGoneMakesNoReader() {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "needs Linux /proc");
        long gone = Long.MAX_VALUE;
        assertTrue(JitActivity.of(List.of(ProcessHandle.current().pid(), gone)).isEmpty());
    }
}
