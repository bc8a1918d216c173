package org.vostok.vos;

import java.util.List;
import java.util.Objects;

/**
 * Where a scrub pass stands: what it has checked so far and the damage it has found. Counts are
 * of the whole pass, over all its slices.
 *
 * @param containers container records checked
 * @param objects object records checked
 * @param keys keys checked (entries of the objects' key trees)
 * @param versions versions checked, header and value
 * @param nodes index nodes checked (those on the path to where a slice resumes are checked again,
 *     and counted again)
 * @param blocks allocator blocks checked (the WAL backend's heap; 0 on PMDK)
 * @param bytes bytes checksummed
 * @param slices slices run
 * @param problems damaged or inconsistent structures found; more than {@code damage.size()} when
 *     the pass found more than it describes ({@link Scrub#DAMAGE_DESCRIBED_MAX})
 * @param done the pass has checked the whole pool
 * @param damage the first problems found, described, in the order they were found
 */
public record ScrubProgress(long containers, long objects, long keys, long versions, long nodes, long blocks,
                            long bytes, long slices, long problems, boolean done, List<ScrubDamage> damage) {

    /** A pass that has not run a slice yet. */
    public static final ScrubProgress NOT_STARTED = new ScrubProgress(0, 0, 0, 0, 0, 0, 0, 0, 0, false, List.of());

    public ScrubProgress {
        damage = List.copyOf(Objects.requireNonNull(damage, "damage"));
        if (problems < damage.size()) {
            throw new IllegalArgumentException("a scrub cannot describe " + damage.size() + " problems and count "
                    + problems);
        }
    }

    /** Whether the pass has found nothing wrong so far (when {@link #done}: in the whole pool). */
    public boolean isSound() {
        return problems == 0;
    }

    /** Problems counted but not described ({@link Scrub#DAMAGE_DESCRIBED_MAX} were described already). */
    public long undescribedProblems() {
        return problems - damage.size();
    }
}
