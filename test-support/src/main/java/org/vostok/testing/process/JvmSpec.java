package org.vostok.testing.process;

import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * How to start a child JVM: the {@code java} of the running JVM ({@code java.home}), a class
 * path and a main class, JVM options, system properties, arguments, a working directory, extra
 * environment variables, and how it says it is ready. Each start of a {@link ChildProcess} ({@link
 * ChildProcess#restart()} included) runs the same command.
 *
 * @param name             names the process in messages and its log files: letters, digits,
 *                         '.', '-' and '_'
 * @param mainClass        the fully qualified main class
 * @param classPath        the class path, in order
 * @param jvmOptions       options before the system properties, e.g. {@code -Xmx128m}
 * @param systemProperties passed as {@code -Dkey=value}, in the order given
 * @param args             the main method's arguments
 * @param workingDirectory where it runs; empty: the directory its logs are in
 * @param environment      variables added to the inherited environment
 * @param readiness        what the harness waits for after each start
 * @param readyTimeout     how long it waits for that before it kills the process and fails
 */
public record JvmSpec(String name, String mainClass, List<Path> classPath, List<String> jvmOptions,
                      Map<String, String> systemProperties, List<String> args, Optional<Path> workingDirectory,
                      Map<String, String> environment, Readiness readiness, Duration readyTimeout) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    /** The default readiness deadline: generous, since JVMs start slowly on a loaded machine. */
    public static final Duration READY_TIMEOUT_DEFAULT = Duration.ofSeconds(60);

    public JvmSpec {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a child process's name must be 1 to 64 letters, digits, '.', '-' or "
                    + "'_' (it names its log files), got " + name);
        }
        if (mainClass == null || mainClass.isBlank()) {
            throw new IllegalArgumentException("child process " + name + " needs a main class");
        }
        classPath = List.copyOf(classPath);
        if (classPath.isEmpty()) {
            throw new IllegalArgumentException("child process " + name + " needs a class path");
        }
        jvmOptions = List.copyOf(jvmOptions);
        // Kept in the order given: a later -D of the same key would win on the command line.
        systemProperties = Collections.unmodifiableMap(new LinkedHashMap<>(systemProperties));
        args = List.copyOf(args);
        environment = Map.copyOf(environment);
        if (workingDirectory == null || readiness == null) {
            throw new IllegalArgumentException("child process " + name + " needs a working directory (or empty) and a "
                    + "readiness");
        }
        if (readyTimeout == null || readyTimeout.isNegative() || readyTimeout.isZero()) {
            throw new IllegalArgumentException("child process " + name + " needs a positive ready timeout, got "
                    + readyTimeout);
        }
    }

    /** Runs {@code mainClass} on this JVM's class path, ready once started. */
    public static JvmSpec of(String name, Class<?> mainClass) {
        return of(name, mainClass.getName(), currentClassPath());
    }

    public static JvmSpec of(String name, String mainClass, List<Path> classPath) {
        return new JvmSpec(name, mainClass, classPath, List.of(), Map.of(), List.of(), Optional.empty(), Map.of(),
                Readiness.started(), READY_TIMEOUT_DEFAULT);
    }

    /** The running JVM's class path ({@code java.class.path}). */
    public static List<Path> currentClassPath() {
        String classPath = System.getProperty("java.class.path", "");
        return Arrays.stream(classPath.split(Pattern.quote(File.pathSeparator)))
                .filter(entry -> !entry.isEmpty())
                .map(Path::of)
                .toList();
    }

    public JvmSpec withJvmOptions(String... options) {
        return new JvmSpec(name, mainClass, classPath, List.of(options), systemProperties, args, workingDirectory,
                environment, readiness, readyTimeout);
    }

    public JvmSpec withSystemProperty(String key, String value) {
        if (key == null || key.isEmpty() || key.contains("=") || value == null) {
            throw new IllegalArgumentException("a system property needs a key without '=' and a value, got " + key
                    + "=" + value);
        }
        Map<String, String> properties = new LinkedHashMap<>(systemProperties);
        properties.put(key, value);
        return new JvmSpec(name, mainClass, classPath, jvmOptions, properties, args, workingDirectory, environment,
                readiness, readyTimeout);
    }

    public JvmSpec withArgs(String... args) {
        return new JvmSpec(name, mainClass, classPath, jvmOptions, systemProperties, List.of(args), workingDirectory,
                environment, readiness, readyTimeout);
    }

    public JvmSpec withWorkingDirectory(Path directory) {
        return new JvmSpec(name, mainClass, classPath, jvmOptions, systemProperties, args, Optional.of(directory),
                environment, readiness, readyTimeout);
    }

    public JvmSpec withEnvironment(String key, String value) {
        Map<String, String> env = new LinkedHashMap<>(environment);
        env.put(key, value);
        return new JvmSpec(name, mainClass, classPath, jvmOptions, systemProperties, args, workingDirectory, env,
                readiness, readyTimeout);
    }

    public JvmSpec withReadiness(Readiness readiness) {
        return new JvmSpec(name, mainClass, classPath, jvmOptions, systemProperties, args, workingDirectory,
                environment, readiness, readyTimeout);
    }

    /** Ready once a line of its stdout contains a match of {@code regex}. */
    public JvmSpec withReadyLine(String regex) {
        return withReadiness(Readiness.line(regex));
    }

    /** Ready once {@code file} exists and ends with a newline. */
    public JvmSpec withReadyFile(Path file) {
        return withReadiness(Readiness.file(file));
    }

    public JvmSpec withReadyTimeout(Duration timeout) {
        return new JvmSpec(name, mainClass, classPath, jvmOptions, systemProperties, args, workingDirectory,
                environment, readiness, timeout);
    }

    /** The {@code java} of the running JVM. */
    public static Path javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /** The command line each start runs. */
    public List<String> command() {
        List<String> command = new ArrayList<>();
        command.add(javaExecutable().toString());
        command.addAll(jvmOptions);
        systemProperties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add("-cp");
        command.add(classPath.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator)));
        command.add(mainClass);
        command.addAll(args);
        return command;
    }
}
