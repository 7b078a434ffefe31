package dev.dxfs.nativetests;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A process started in the background, so that several run at once. Its output goes to files
 * (no reader threads to keep up with it); {@link #await} turns it into a {@link Run}.
 */
final class Spawned {
    private final List<String> command;
    private final Process process;
    private final Path out;
    private final Path err;

    private Spawned(List<String> command, Process process, Path out, Path err) {
        this.command = command;
        this.process = process;
        this.out = out;
        this.err = err;
    }

    /** Starts {@code command}; its stdout and stderr go to {@code logs/<name>.out} and {@code .err}. */
    static Spawned start(Path logs, String name, List<String> command) {
        return start(logs, name, command, null);
    }

    /** As {@link #start(Path, String, List)}, working in {@code cwd} (null: this process's directory). */
    static Spawned start(Path logs, String name, List<String> command, Path cwd) {
        Path out = logs.resolve(name + ".out");
        Path err = logs.resolve(name + ".err");
        return Unchecked.call(() -> {
            Files.createDirectories(logs);
            Process process = new ProcessBuilder(command)
                    .directory(cwd == null ? null : cwd.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            return new Spawned(command, process, out, err);
        });
    }

    long pid() {
        return process.pid();
    }

    /** Waits for the process to end; a process still running after {@code timeout} is killed and fails. */
    Run await(Duration timeout) {
        try {
            return Unchecked.call(() -> {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly().waitFor();
                    throw new AssertionError("still running after " + timeout + ", killed: " + command);
                }
                return new Run(command, process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
            });
        } finally {
            // A wait that was interrupted leaves no process behind either; an ended one is not touched.
            process.destroyForcibly();
        }
    }

    /** Kills a process that is still running, and the processes it started (cleanup, or a workload's end). */
    void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        destroy(process);
    }

    /** Kills {@code process} if it still runs, and waits up to 10 s for it to end. */
    static void destroy(Process process) {
        end(process, Duration.ZERO);
    }

    /**
     * Gives {@code process} {@code grace} to end by itself, then kills it and waits up to 10 s.
     * This is cleanup, which must not hide why a test failed: an interrupt ends the waits, is
     * kept for the caller, and is not thrown.
     */
    static void end(Process process, Duration grace) {
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
