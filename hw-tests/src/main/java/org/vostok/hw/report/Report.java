package org.vostok.hw.report;

import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything one run of the checks found.
 *
 * <p>Thread-safety: an immutable value.
 *
 * @param started          when the run began
 * @param host             the node's name
 * @param dataDirectories  the directories checked, as given (or the default)
 * @param defaultDirectory whether no directory was given and the default was checked
 * @param thresholds       where the thresholds came from: {@code defaults} or a file's path
 * @param checks           the checks in the order they ran
 */
public record Report(Instant started, String host, List<String> dataDirectories, boolean defaultDirectory,
                     String thresholds, List<Check> checks) {
    public Report {
        Objects.requireNonNull(started, "started");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(thresholds, "thresholds");
        dataDirectories = List.copyOf(dataDirectories);
        checks = List.copyOf(checks);
    }

    /** The worst outcome of all checks; {@link Status#PASS} when there are none. */
    public Status worst() {
        Status worst = Status.PASS;
        for (Check check : checks) {
            worst = worst.worse(check.status());
        }
        return worst;
    }

    /** The process exit code of this report ({@link ExitCode}). */
    public int exitCode() {
        return ExitCode.of(worst());
    }

    /** How many checks ended in each outcome (every outcome present, zero when none). */
    public Map<Status, Integer> counts() {
        Map<Status, Integer> counts = new EnumMap<>(Status.class);
        for (Status status : Status.values()) {
            counts.put(status, 0);
        }
        for (Check check : checks) {
            counts.merge(check.status(), 1, Integer::sum);
        }
        return counts;
    }
}
