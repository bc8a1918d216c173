package org.vostok.hw.tools;

import java.util.Objects;

/**
 * An Optane persistent memory module as {@code ipmctl show -o nvmxml -dimm} describes it.
 *
 * <p>Thread-safety: an immutable value.
 *
 * @param dimmId      {@code 0x0001}
 * @param capacity    as ipmctl prints it: {@code 502.599 GiB}
 * @param healthState {@code Healthy}, {@code Noncritical failure}, {@code Critical failure},
 *                    {@code Fatal failure}, {@code Non-functional}, {@code Unmanageable}, {@code Unknown}
 * @param firmware    {@code 01.02.00.5435}
 */
public record PmemModule(String dimmId, String capacity, String healthState, String firmware) {
    public PmemModule {
        Objects.requireNonNull(dimmId, "dimmId");
        Objects.requireNonNull(capacity, "capacity");
        Objects.requireNonNull(healthState, "healthState");
        Objects.requireNonNull(firmware, "firmware");
    }

    public boolean healthy() {
        return healthState.equalsIgnoreCase("Healthy");
    }

    /** A state that still serves data but should be looked at ({@code Noncritical failure}). */
    public boolean degraded() {
        return healthState.toLowerCase(java.util.Locale.ROOT).startsWith("noncritical");
    }
}
