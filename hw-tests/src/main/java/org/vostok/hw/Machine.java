package org.vostok.hw;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import org.vostok.hw.system.MountTable;
import org.vostok.hw.system.SysFs;
import org.vostok.hw.thresholds.Thresholds;
import org.vostok.hw.tools.SystemTools;
import org.vostok.hw.tools.ToolRunner;

/**
 * What the checks look at and hold it to: the tools, sysfs, the mount table, the environment,
 * the thresholds and the workload. {@link #local} is this machine; tests build one around the
 * documented outputs and sysfs layouts of hardware this machine does not have.
 *
 * <p>Thread-safety: an immutable value.
 *
 * @param tools       how the discovery tools are run
 * @param sysfs       where sysfs is read
 * @param procMounts  the mount table's file
 * @param environment the environment variables the checks consult
 * @param thresholds  the limits
 * @param workload    how much the measurements do
 */
public record Machine(ToolRunner tools, SysFs sysfs, Path procMounts, Map<String, String> environment,
                      Thresholds thresholds, Workload workload) {
    public Machine {
        Objects.requireNonNull(tools, "tools");
        Objects.requireNonNull(sysfs, "sysfs");
        Objects.requireNonNull(procMounts, "procMounts");
        Objects.requireNonNull(thresholds, "thresholds");
        Objects.requireNonNull(workload, "workload");
        environment = Map.copyOf(environment);
    }

    /** This machine, with the given limits and workload. */
    public static Machine local(Thresholds thresholds, Workload workload) {
        return new Machine(SystemTools.fromEnvironment(), SysFs.system(), MountTable.PROC_MOUNTS, System.getenv(),
                thresholds, workload);
    }

    public Machine withTools(ToolRunner other) {
        return new Machine(other, sysfs, procMounts, environment, thresholds, workload);
    }
}
