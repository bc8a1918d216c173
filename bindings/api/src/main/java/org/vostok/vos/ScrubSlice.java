package org.vostok.vos;

import java.util.List;
import java.util.Objects;

/**
 * What one slice of a scrub pass did ({@link Scrub#slice}).
 *
 * @param bytes bytes this slice checksummed (about the budget it was given; at least one
 *     structure's, so a slice always moves the pass on)
 * @param problems problems this slice found, described or not
 * @param found the damage first described in this slice, in the order found (fewer than
 *     {@code problems} once the pass has described {@link Scrub#DAMAGE_DESCRIBED_MAX})
 * @param pass where the whole pass stands after this slice
 */
public record ScrubSlice(long bytes, long problems, List<ScrubDamage> found, ScrubProgress pass) {

    public ScrubSlice {
        found = List.copyOf(Objects.requireNonNull(found, "found"));
        Objects.requireNonNull(pass, "pass");
    }
}
