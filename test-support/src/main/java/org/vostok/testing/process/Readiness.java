package org.vostok.testing.process;

import java.nio.file.Path;
import java.util.regex.Pattern;

/** How a {@link ChildProcess} says it is ready: the harness waits for it after every start. */
public sealed interface Readiness permits Readiness.Line, Readiness.File, Readiness.Started {

    /** Ready when a line of its standard output contains a match of {@code pattern}. */
    record Line(Pattern pattern) implements Readiness {
        public Line {
            if (pattern == null) {
                throw new IllegalArgumentException("a readiness line needs a pattern");
            }
        }

        @Override
        public String toString() {
            return "a line matching '" + pattern + "' on stdout";
        }
    }

    /**
     * Ready when {@code path} exists and ends with a newline (so that a file still being written
     * is not read half-way), e.g. a port file. The harness deletes it before each start, so a
     * file left by the previous run of the process is not taken for a new one, and when the
     * process is closed.
     */
    record File(Path path) implements Readiness {
        public File {
            if (path == null) {
                throw new IllegalArgumentException("a readiness file needs a path");
            }
        }

        @Override
        public String toString() {
            return "the file " + path;
        }
    }

    /** Ready as soon as it has started. */
    record Started() implements Readiness {
        @Override
        public String toString() {
            return "nothing";
        }
    }

    static Readiness line(String regex) {
        return new Line(Pattern.compile(regex));
    }

    static Readiness file(Path path) {
        return new File(path);
    }

    static Readiness started() {
        return new Started();
    }
}
