package org.vostok.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.rolling.FixedWindowRollingPolicy;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy;
import ch.qos.logback.core.util.Duration;
import ch.qos.logback.core.util.FileSize;
import java.util.Locale;
import org.slf4j.LoggerFactory;
import org.vostok.server.config.ServerConfig;

/**
 * The daemon's log, set up from the {@code logging} settings of its configuration file: the
 * level, and either a file rotated by size (the current file, then {@code FILE.1} the newest
 * rotated one .. {@code FILE.N} the oldest) or standard error when no file is named (the journal,
 * under systemd). A {@code -Dlogback.configurationFile=...} given to the JVM wins over both, for
 * whoever needs what the file's settings cannot say.
 */
public final class DaemonLogging {

    /** Lines as the daemon writes them: time, level, where from, what happened. */
    static final String PATTERN = "%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level %logger{0} [%thread]: %msg%n";
    /** How often the file's size is looked at: a burst may overshoot the rotation size by this much logging. */
    static final long SIZE_CHECK_MILLIS = 1_000;

    private DaemonLogging() {
    }

    /** True when the JVM was given its own Logback configuration, which then stays as it is. */
    public static boolean configuredByProperty() {
        return System.getProperty("logback.configurationFile") != null;
    }

    /** Sets up SLF4J's Logback context for the daemon; see the class comment. */
    public static void configure(ServerConfig.Logging settings) {
        if (configuredByProperty()) {
            return;
        }
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            throw new IllegalStateException("SLF4J is bound to " + LoggerFactory.getILoggerFactory().getClass()
                    + ", not Logback: the daemon's log cannot be set up (is another SLF4J provider on the class path?)");
        }
        configure(context, settings, SIZE_CHECK_MILLIS);
    }

    /** Sets up {@code context} (tests pass their own). */
    public static void configure(LoggerContext context, ServerConfig.Logging settings, long sizeCheckMillis) {
        context.reset();
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();

        OutputStreamAppender<ILoggingEvent> appender;
        if (settings.file().isPresent()) {
            String file = settings.file().get().toString();
            RollingFileAppender<ILoggingEvent> rolling = new RollingFileAppender<>();
            rolling.setContext(context);
            rolling.setName("file");
            rolling.setFile(file);
            rolling.setAppend(true);
            rolling.setEncoder(encoder);

            FixedWindowRollingPolicy window = new FixedWindowRollingPolicy();
            window.setContext(context);
            window.setParent(rolling);
            window.setFileNamePattern(file + ".%i");
            window.setMinIndex(1);
            window.setMaxIndex(settings.rotateFiles());
            window.start();

            SizeBasedTriggeringPolicy<ILoggingEvent> size = new SizeBasedTriggeringPolicy<>();
            size.setContext(context);
            size.setMaxFileSize(new FileSize(settings.rotateBytes()));
            size.setCheckIncrement(Duration.buildByMilliseconds(sizeCheckMillis));
            size.start();

            rolling.setRollingPolicy(window);
            rolling.setTriggeringPolicy(size);
            appender = rolling;
        } else {
            ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
            console.setContext(context);
            console.setName("stderr");
            console.setTarget("System.err");
            console.setEncoder(encoder);
            appender = console;
        }
        appender.start();
        if (!appender.isStarted()) {
            throw new IllegalStateException("the log " + settings.file().map(f -> "file " + f).orElse("on stderr")
                    + " could not be opened: check that its directory exists and the daemon may write there");
        }
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(settings.level().toUpperCase(Locale.ROOT), Level.INFO));
        root.addAppender(appender);
    }

    /** Flushes and closes the log: the last thing the daemon does. */
    public static void stop() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            context.stop();
        }
    }
}
