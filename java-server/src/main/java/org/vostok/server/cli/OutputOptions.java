package org.vostok.server.cli;

import java.io.PrintWriter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Where a command's output goes, and whether as JSON. */
public final class OutputOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--json", description = "Print one JSON document (field names are stable, for scripts)"
            + " instead of text.")
    boolean json;

    PrintWriter out() {
        return mixee.commandLine().getOut();
    }

    /** Prints {@code value} as JSON with --json, else runs {@code text}. */
    void print(Object value, Runnable text) {
        if (json) {
            out().println(Json.write(value));
        } else {
            text.run();
        }
        out().flush();
    }

    /** Prints a line of text, or {@code value} as JSON with --json. */
    void done(Object value, String line) {
        print(value, () -> out().println(line));
    }
}
