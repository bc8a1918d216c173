/**
 * Child JVMs for multi-process tests: {@link org.vostok.testing.process.ChildProcess} starts one
 * from a {@link org.vostok.testing.process.JvmSpec} (the running JVM's {@code java}, a class path
 * and main class, properties, arguments), sends its output to log files, waits until it says it
 * is ready, and kills (SIGKILL), pauses (SIGSTOP), resumes (SIGCONT) and restarts it, always by
 * PID, never by name; {@link org.vostok.testing.process.ProcessCluster} holds them by node id and
 * ends them all on close. A shutdown hook kills what a test left running; a child that calls
 * {@link org.vostok.testing.process.ParentWatch#exitWhenParentDies()} ends even when the test JVM
 * was killed.
 */
package org.vostok.testing.process;
