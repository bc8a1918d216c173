package org.vostok.hw.tools;

import java.time.Duration;
import java.util.Objects;

/**
 * What running an external tool gave. Only {@link Finished} carries output; the others say why
 * there is none, in words a report can show.
 *
 * <p>Thread-safety: immutable values.
 */
public sealed interface ToolResult {

    /** The tool is not installed: none of the searched directories has it. */
    record Missing(String tool, String searched) implements ToolResult {
        public Missing {
            Objects.requireNonNull(tool, "tool");
            Objects.requireNonNull(searched, "searched");
        }
    }

    /** The tool ran to its end. */
    record Finished(String commandLine, int exitCode, String stdout, String stderr) implements ToolResult {
        public Finished {
            Objects.requireNonNull(commandLine, "commandLine");
            Objects.requireNonNull(stdout, "stdout");
            Objects.requireNonNull(stderr, "stderr");
        }

        public boolean succeeded() {
            return exitCode == 0;
        }

        /** The first line of stderr, else of stdout, to quote in a reason; {@code "no output"} when both are empty. */
        public String firstLine() {
            String text = stderr.isBlank() ? stdout : stderr;
            String line = text.strip().lines().findFirst().orElse("");
            return line.isEmpty() ? "no output" : line;
        }
    }

    /** The tool did not finish in time and was killed. */
    record TimedOut(String commandLine, Duration timeout) implements ToolResult {
        public TimedOut {
            Objects.requireNonNull(commandLine, "commandLine");
            Objects.requireNonNull(timeout, "timeout");
        }
    }

    /** The tool was found but could not be started. */
    record NotStarted(String commandLine, String reason) implements ToolResult {
        public NotStarted {
            Objects.requireNonNull(commandLine, "commandLine");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** Why there is no usable output, for a reason column: the tool's own words where it gave any. */
    default String failure() {
        return switch (this) {
            case Missing m -> m.tool() + " is not installed (looked in " + m.searched() + ")";
            case Finished f -> "`" + f.commandLine() + "` exited with " + f.exitCode() + ": " + f.firstLine();
            case TimedOut t -> "`" + t.commandLine() + "` did not finish in " + t.timeout().toSeconds() + " s and was killed";
            case NotStarted n -> "`" + n.commandLine() + "` could not start: " + n.reason();
        };
    }
}
