package dev.dxfs.mount;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** The daemon process that {@code dxfs mount} starts; not for direct use. */
@Command(name = "daemon", hidden = true)
final class DaemonCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR")
    Path directory;

    @Mixin
    MountOptions options;

    @Override
    public Integer call() {
        // Standard output is the pipe to the mounting command: it carries one answer only.
        PrintStream answer = System.out;
        System.setOut(System.err);
        configureLogging();
        try {
            new Daemon(directory, options, answer).run();
            return 0;
        } catch (CliException | IOException | RuntimeException e) {
            answer.println(Daemon.ERROR + describe(e));
            answer.close();
            System.err.println("dxfs daemon: " + describe(e));
            return 1;
        }
    }

    private static String describe(Exception e) {
        Throwable cause = e;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause == e ? String.valueOf(e.getMessage()) : e.getMessage() + ": " + cause.getMessage();
    }

    private void configureLogging() {
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSS");
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", options.debug ? "debug" : "info");
    }
}
