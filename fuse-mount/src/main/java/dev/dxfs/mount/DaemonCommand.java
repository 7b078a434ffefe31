package dev.dxfs.mount;

import dev.dxfs.fs.Libc;
import dev.dxfs.fuse.kernel.Sys;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import org.slf4j.LoggerFactory;

/** The daemon process that {@code dxfs mount} starts; not for direct use. */
@Command(name = "daemon", hidden = true)
final class DaemonCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR")
    Path directory;

    @Mixin
    MountOptions options;

    /** The log file, rolled over at the size cap; without it the log goes to stderr (foreground). */
    @Option(names = "--log")
    Path log;

    /** Run once the mount is live: a foreground daemon's command releases its mount lock. */
    Runnable onLive = () -> {};

    /**
     * Loads the native bindings on a thread of their own while the main thread parses the command
     * line and sets up the log: jnr-ffi generates their classes at every start, a fifth of the
     * daemon's start, and on two CPUs the two overlap (see "Start-up" in docs/design.md). The
     * daemon's first system call waits for it, as any use of a class being initialised does; a
     * binding that fails to load fails there, with its reason.
     */
    static void loadBindingsInBackground() {
        Thread loader = new Thread(() -> {
            try {
                Objects.requireNonNull(Libc.C);
                Objects.requireNonNull(Sys.C);
            } catch (LinkageError reportedAtFirstUse) {
                // The main thread meets it again.
            }
        }, "dxfs-bindings");
        loader.setDaemon(true);
        loader.start();
    }

    @Override
    public Integer call() {
        // Standard output carries the one-line answer to the mounting command.
        PrintStream answer = System.out;
        System.setOut(System.err);
        try {
            configureLogging();
            new Daemon(directory, options, log, answer, onLive).run();
            return 0;
        } catch (CliException | IOException | RuntimeException e) {
            answer.println(Daemon.ERROR + describe(e));
            answer.close();
            LoggerFactory.getLogger(DaemonCommand.class).error("dxfs daemon: {}", describe(e));
            return 1;
        }
    }

    static String describe(Exception e) {
        Throwable cause = e;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause == e ? String.valueOf(e.getMessage()) : e.getMessage() + ": " + cause.getMessage();
    }

    private void configureLogging() throws CliException {
        if (log != null) {
            DaemonLog.toFile(log, DaemonLog.cap(options.logMaxSize));
        }
        DaemonLog.debug(options.debug);
    }
}
