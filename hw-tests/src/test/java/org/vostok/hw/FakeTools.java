package org.vostok.hw;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.vostok.hw.tools.ToolResult;
import org.vostok.hw.tools.ToolRunner;

/**
 * Tools that answer with given outputs: how the checks meet ndctl, ipmctl and nvme-cli on
 * hardware this machine does not have. A command nobody scripted is a test error, so a check
 * cannot quietly run something else.
 */
public final class FakeTools implements ToolRunner {
    private static final Map<String, String> VERSIONS = Map.of("ndctl", "ndctl --version", "daxctl",
            "daxctl --version", "ipmctl", "ipmctl version", "nvme", "nvme version", "fio", "fio --version");

    private final Set<String> installed = new HashSet<>();
    private final Map<String, ToolResult> answers = new HashMap<>();

    /** Declares {@code tool} installed, printing {@code stdout} and exiting 0 for {@code command}. */
    public FakeTools answer(String command, String stdout) {
        return answer(command, 0, stdout, "");
    }

    public FakeTools answer(String command, int exitCode, String stdout, String stderr) {
        String tool = command.split(" ")[0];
        if (installed.add(tool) && VERSIONS.containsKey(tool)) {
            // An installed tool answers the version question the tools check asks.
            answers.put(VERSIONS.get(tool), new ToolResult.Finished(VERSIONS.get(tool), 0, tool + " 1.0\n", ""));
        }
        answers.put(command, new ToolResult.Finished(command, exitCode, stdout, stderr));
        return this;
    }

    /** Declares every tool of the checks installed, with a version. */
    public FakeTools allInstalled() {
        answer("ndctl --version", "78\n");
        answer("daxctl --version", "78\n");
        answer("ipmctl version", "Intel(R) Optane(TM) Persistent Memory Command Line Interface Version 03.00.00.0499\n");
        answer("nvme version", "nvme version 2.3 (git 2.3)\nlibnvme version 1.3 (git 1.3)\n");
        answer("fio --version", "fio-3.33\n");
        return this;
    }

    @Override
    public ToolResult run(String tool, List<String> args, Duration timeout) {
        if (!installed.contains(tool)) {
            return new ToolResult.Missing(tool, "/fake/bin");
        }
        String command = tool + (args.isEmpty() ? "" : " " + String.join(" ", args));
        ToolResult answer = answers.get(command);
        if (answer == null) {
            throw new AssertionError("the test scripted no answer to `" + command + "`");
        }
        return answer;
    }

    @Override
    public boolean installed(String tool) {
        return installed.contains(tool);
    }
}
