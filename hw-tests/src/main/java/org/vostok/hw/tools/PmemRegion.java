package org.vostok.hw.tools;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A PMEM region (an interleave set) as {@code ndctl list --regions --namespaces} describes it.
 *
 * <p>Thread-safety: an immutable value.
 *
 * @param dev               {@code region0}
 * @param sizeBytes         its capacity
 * @param type              {@code pmem} (or {@code blk} on old platforms)
 * @param persistenceDomain {@code cpu_cache} (eADR: stores are durable once globally visible),
 *                          {@code memory_controller} (ADR: durable once flushed from the CPU
 *                          caches), {@code none}, or absent when the platform does not say
 * @param numaNode          the region's NUMA node, when listed
 * @param namespaces        its namespaces
 */
public record PmemRegion(String dev, long sizeBytes, String type, Optional<String> persistenceDomain,
                         OptionalInt numaNode, List<PmemNamespace> namespaces) {
    public PmemRegion {
        Objects.requireNonNull(dev, "dev");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(persistenceDomain, "persistenceDomain");
        Objects.requireNonNull(numaNode, "numaNode");
        namespaces = List.copyOf(namespaces);
    }
}
