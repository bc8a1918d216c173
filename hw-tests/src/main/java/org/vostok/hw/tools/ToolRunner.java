package org.vostok.hw.tools;

import java.time.Duration;
import java.util.List;

/**
 * Runs the node's tools (ndctl, daxctl, ipmctl, nvme, fio). The checks reach the tools only
 * through this, so that their logic can also be exercised with the documented outputs of
 * hardware this machine does not have.
 */
public interface ToolRunner {

    /**
     * Runs {@code tool} with {@code args}, with no input, and waits at most {@code timeout}.
     * Never throws for a missing, failing or hanging tool: the result says what happened.
     */
    ToolResult run(String tool, List<String> args, Duration timeout);

    /** Whether the tool is installed. */
    boolean installed(String tool);
}
