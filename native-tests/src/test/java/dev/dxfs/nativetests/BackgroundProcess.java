package dev.dxfs.nativetests;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A process that a test starts and talks to while it runs: it waits for a line the process
 * prints, closes its standard input to let it finish, and collects what it printed. {@link
 * #close()} kills it if the test did not let it finish, so a failing test leaves no process that
 * keeps a mount busy.
 */
final class BackgroundProcess implements AutoCloseable {
    private static final Duration WAIT = Duration.ofMinutes(2);

    private final List<String> command;
    private final Process process;
    private final StringBuffer out = new StringBuffer();
    private final StringBuffer err = new StringBuffer();
    private final Thread outReader;
    private final Thread errReader;

    private BackgroundProcess(List<String> command, Process process) {
        this.command = command;
        this.process = process;
        this.outReader = drain(process.getInputStream(), out);
        this.errReader = drain(process.getErrorStream(), err);
    }

    static BackgroundProcess start(List<String> command) {
        return start(command, null, Map.of());
    }

    static BackgroundProcess start(List<String> command, Path cwd, Map<String, String> env) {
        ProcessBuilder builder = new ProcessBuilder(command);
        if (cwd != null) {
            builder.directory(cwd.toFile());
        }
        builder.environment().putAll(env);
        return new BackgroundProcess(command, Unchecked.call(builder::start));
    }

    long pid() {
        return process.pid();
    }

    /** Waits until the process has printed {@code line} as a whole line on its standard output. */
    BackgroundProcess awaitLine(String line) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            String text = out.toString();
            if (("\n" + text).contains("\n" + line + "\n")) {
                return this;
            }
            if (!process.isAlive() && !outReader.isAlive()) {
                throw new AssertionError("exited before printing '" + line + "': " + finish());
            }
            Pause.of(5);
        }
        throw new AssertionError("did not print '" + line + "' within " + WAIT + ": " + command + "\nstdout: " + out
                + "\nstderr: " + err);
    }

    /** Closes the process's standard input (end of file) and waits for it to exit. */
    Run finish() {
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // It may have exited already: its result says how.
        }
        Unchecked.run(() -> {
            if (!process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("did not exit within " + WAIT + ": " + command);
            }
            outReader.join(WAIT.toMillis());
            errReader.join(WAIT.toMillis());
        });
        return new Run(command, process.exitValue(), out.toString(), err.toString());
    }

    @Override
    public void close() {
        Spawned.destroy(process);
    }

    private static Thread drain(InputStream stream, StringBuffer into) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try {
                int n;
                while ((n = stream.read(buffer)) > 0) {
                    into.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                }
            } catch (IOException ignored) {
                // The process is gone; what it printed so far is kept.
            }
        }, "drain");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }
}
