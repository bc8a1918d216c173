package org.vostok.rdb;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole replica under deterministic simulation ({@link ReplicaSimulation}): a few hundred
 * seeds in CI, each a cluster of 3, 5 or 7 replicas on real pool files under network faults,
 * crashes and restarts, full pools, compaction and snapshots, leadership transfers and a voter
 * replaced, its history checked for linearizability and its trees compared. A failing seed prints
 * a one-line replay command and replays exactly.
 *
 * <pre>
 *   -Dvostok.sim.seeds=N         seeds to run (200 by default)
 *   -Dvostok.sim.firstSeed=S     the first of them (1 by default): a campaign by hand runs others
 *   -Dvostok.sim.seed=S          with -Dtest=ReplicaSimulationTest#replay: that one seed, reported
 * </pre>
 */
class ReplicaSimulationTest {

    private static final Logger LOG = LoggerFactory.getLogger(ReplicaSimulationTest.class);
    private static final int SEEDS_DEFAULT = 200;

    private static final AtomicLong RUNS = new AtomicLong();
    private static final AtomicLong OPERATIONS = new AtomicLong();
    private static final AtomicLong AMBIGUOUS = new AtomicLong();
    private static final AtomicLong NOSPACE = new AtomicLong();
    private static final AtomicLong PAUSES = new AtomicLong();
    private static final AtomicLong REPLACEMENTS = new AtomicLong();
    private static final AtomicLong REPLICAS = new AtomicLong();
    private static final AtomicLong CRASHES = new AtomicLong();
    private static final AtomicLong POWER_CUTS = new AtomicLong();
    private static final AtomicLong LOSSY_POWER_CUTS = new AtomicLong();
    private static final AtomicLong SNAPSHOT_CHUNKS = new AtomicLong();
    private static final AtomicLong FULL_POOL_WRITES = new AtomicLong();
    private static final AtomicLong SCRUB_PASSES = new AtomicLong();
    private static final AtomicLong LOCAL_READS = new AtomicLong();
    private static final AtomicLong SIMULATED_MILLIS = new AtomicLong();

    @TempDir
    Path dir;

    @TestFactory
    Stream<DynamicTest> seeds() {
        long first = Long.getLong("vostok.sim.firstSeed", 1);
        int count = Integer.getInteger("vostok.sim.seeds", SEEDS_DEFAULT);
        return LongStream.range(first, first + count).mapToObj(seed -> DynamicTest.dynamicTest("seed " + seed,
                () -> record(runIn(dir.resolve("seed-" + seed), seed))));
    }

    /**
     * With -Dvostok.sim.seed, runs that seed and reports what it did. Without, checks that a run
     * replays exactly: the same seed twice does the same (the same fingerprint of every round's
     * state, the history and the final tree).
     */
    @Test
    void replay() {
        Long seed = Long.getLong("vostok.sim.seed");
        if (seed != null) {
            ReplicaSimulation.Outcome o = runIn(dir.resolve("replay"), seed);
            LOG.warn("seed {} passed: {}", seed, o);
            return;
        }
        // One seed on PMDK pools and one with full pools on WAL pools, whose checkpoints run on
        // a thread of the native library's own and whose crashes are power losses: neither may
        // change what a seed does.
        long pmem = 4242;
        while (ReplicaSimulation.Options.of(pmem).walPools()) {
            pmem++;
        }
        long fullPools = 4242;
        while (!ReplicaSimulation.Options.of(fullPools).fullPools() || !ReplicaSimulation.Options.of(fullPools)
                .walPools()) {
            fullPools++;
        }
        for (long s : new long[] {pmem, fullPools}) {
            ReplicaSimulation.Outcome a = runIn(dir.resolve("a-" + s), s);
            ReplicaSimulation.Outcome b = runIn(dir.resolve("b-" + s), s);
            assertEquals(a.replayable(), b.replayable(), "seed " + s + " ran twice did not do the same");
        }
    }

    private static ReplicaSimulation.Outcome runIn(Path seedDir, long seed) {
        try {
            Files.createDirectories(seedDir);
            return ReplicaSimulation.run(seed, seedDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteQuietly(seedDir);
        }
    }

    private static void record(ReplicaSimulation.Outcome o) {
        RUNS.incrementAndGet();
        OPERATIONS.addAndGet(o.operations());
        AMBIGUOUS.addAndGet(o.ambiguous());
        NOSPACE.addAndGet(o.nospace());
        PAUSES.addAndGet(o.pauses());
        REPLACEMENTS.addAndGet(o.voterReplaced() ? 1 : 0);
        REPLICAS.addAndGet(o.options().replicas());
        CRASHES.addAndGet(o.crashes());
        POWER_CUTS.addAndGet(o.powerCuts());
        LOSSY_POWER_CUTS.addAndGet(o.lossyPowerCuts());
        SNAPSHOT_CHUNKS.addAndGet(o.snapshotChunks());
        FULL_POOL_WRITES.addAndGet(o.fullPoolWrites());
        SCRUB_PASSES.addAndGet(o.scrubPasses());
        LOCAL_READS.addAndGet(o.localReads());
        SIMULATED_MILLIS.addAndGet(o.simulatedMillis());
    }

    @AfterAll
    static void report() {
        if (RUNS.get() > 0) {
            LOG.warn("{} seeds passed ({} replicas in all): {} operations, {} ambiguous commits (settled or left"
                    + " unknown), {} commits refused for want of space, {} crash-restarts ({} of them power losses on"
                    + " WAL pools, {} of which lost unsynced writes), {} pauses, {} voters"
                    + " replaced, {} snapshot chunks delivered, {} writes that met a full pool, {} scrub passes"
                    + " that found nothing (on the replicas running at the end), {} read epochs from the lease"
                    + " without the owner thread, {} s of simulated time", RUNS.get(),
                    REPLICAS.get(), OPERATIONS.get(), AMBIGUOUS.get(), NOSPACE.get(), CRASHES.get(), POWER_CUTS.get(),
                    LOSSY_POWER_CUTS.get(), PAUSES.get(),
                    REPLACEMENTS.get(), SNAPSHOT_CHUNKS.get(), FULL_POOL_WRITES.get(), SCRUB_PASSES.get(), LOCAL_READS.get(),
                    SIMULATED_MILLIS.get() / 1000);
        }
    }

    private static void deleteQuietly(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> files = Files.walk(p)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException e) {
                    // the temporary directory's own cleanup tries again
                }
            });
        } catch (IOException e) {
            // as above
        }
    }
}
