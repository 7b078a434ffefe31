package dev.dxfs.mount;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.rolling.FixedWindowRollingPolicy;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy;
import ch.qos.logback.core.util.Duration;
import ch.qos.logback.core.util.FileSize;
import dev.dxfs.fuse.Credentials;
import java.io.IOException;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;

/**
 * Where the daemon's log goes: stderr in the foreground ({@link StderrLogging}), or a file under the
 * user's state directory that is rolled over at a size cap, so a mount that lives for months
 * with {@code -d} never fills the disk.
 */
final class DaemonLog {
    static final String DEFAULT_CAP = "10MB";
    /** Rolled-over files kept beside the current one: {@code NAME.1} (newest) to {@code NAME.3}. */
    static final int KEPT = 3;
    private static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSS} %-5level %logger{0} - %msg%n";

    private DaemonLog() {}

    /**
     * The smallest cap: a few dozen lines. Below it the log would be rolled over at nearly every
     * line, and the three old files kept would hold too little to tell what happened.
     */
    static final String SMALLEST_CAP = "4KB";

    /** Fails with the fix when {@code cap} is not a size such as 10MB or 512KB, or is below {@link #SMALLEST_CAP}. */
    static FileSize cap(String cap) throws CliException {
        FileSize size;
        try {
            size = FileSize.valueOf(cap);
        } catch (IllegalArgumentException e) {
            throw new CliException("--log-max-size " + cap + " is not a size: write it as 10MB, 512KB or 4096");
        }
        if (size.getSize() < FileSize.valueOf(SMALLEST_CAP).getSize()) {
            throw new CliException("--log-max-size " + cap + " is too small: the log would be rolled over at nearly "
                    + "every line; give at least " + SMALLEST_CAP + " (the default is " + DEFAULT_CAP + ")");
        }
        return size;
    }

    static void debug(boolean debug) {
        context().getLogger("dev.dxfs").setLevel(debug ? Level.DEBUG : Level.INFO);
    }

    static void toFile(Path file, FileSize cap) {
        LoggerContext context = context();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.detachAndStopAllAppenders();

        RollingFileAppender<ILoggingEvent> appender = new PrivateRollingFileAppender();
        appender.setContext(context);
        appender.setName("file");
        appender.setFile(file.toString());
        appender.setEncoder(encoder(context));

        FixedWindowRollingPolicy rolling = new FixedWindowRollingPolicy();
        rolling.setContext(context);
        rolling.setParent(appender);
        rolling.setFileNamePattern(file + ".%i");
        rolling.setMinIndex(1);
        rolling.setMaxIndex(KEPT);
        rolling.start();

        SizeBasedTriggeringPolicy<ILoggingEvent> trigger = new SizeBasedTriggeringPolicy<>();
        trigger.setContext(context);
        trigger.setMaxFileSize(cap);
        // Logback looks at the size once a minute by default; a debug log can grow far past the
        // cap in a minute, and a stat per line costs nothing next to the line itself.
        trigger.setCheckIncrement(Duration.buildByMilliseconds(0));
        trigger.start();

        appender.setRollingPolicy(rolling);
        appender.setTriggeringPolicy(trigger);
        appender.start();
        root.addAppender(appender);
    }

    /** Each line: its time, level and logger, then the message. */
    static PatternLayoutEncoder encoder(LoggerContext context) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        return encoder;
    }

    /**
     * Opens the log, at start and after each rollover, as a file readable by the daemon's user
     * only, and writes it with the daemon's rights.
     */
    private static final class PrivateRollingFileAppender extends RollingFileAppender<ILoggingEvent> {
        @Override
        public void openFile(String fileName) throws IOException {
            RuntimePaths.createPrivate(Path.of(fileName));
            super.openFile(fileName);
        }

        /**
         * A line logged while a request thread acts for a caller may roll the log over (renames
         * and a new file in the daemon's own directory): the daemon's rights.
         */
        @Override
        protected void subAppend(ILoggingEvent event) {
            try (Credentials.Scope daemon = Credentials.asDaemon()) {
                super.subAppend(event);
            }
        }
    }

    private static LoggerContext context() {
        return (LoggerContext) LoggerFactory.getILoggerFactory();
    }
}
