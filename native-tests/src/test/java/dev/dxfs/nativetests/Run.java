package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** One finished process: its exit status and what it printed. */
record Run(List<String> command, int exit, String out, String err) {
    static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(3);

    static Run of(List<String> command) {
        return of(command, null, Map.of(), DEFAULT_TIMEOUT);
    }

    static Run of(List<String> command, Path cwd, Map<String, String> env, Duration timeout) {
        ProcessBuilder builder = new ProcessBuilder(command);
        if (cwd != null) {
            builder.directory(cwd.toFile());
        }
        builder.environment().putAll(env);
        return Unchecked.call(() -> {
            Process process = builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            CompletableFuture<String> out = drain(process.getInputStream());
            CompletableFuture<String> err = drain(process.getErrorStream());
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("timed out after " + timeout + ": " + command);
            }
            return new Run(command, process.exitValue(), out.join(), err.join());
        });
    }

    private static CompletableFuture<String> drain(InputStream stream) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
    }

    /** Fails with everything the process printed unless it exited 0. */
    Run ok() {
        if (exit != 0) {
            throw new AssertionError(command + " exited " + exit + "\nstdout: " + out + "\nstderr: " + err);
        }
        return this;
    }

    /**
     * Fails unless the process failed with one line on stderr, a dxfs error that contains {@code
     * says}.
     */
    Run failsWithOneLine(String says) {
        assertThat(exit).as(toString()).isNotZero();
        assertThat(err.strip().lines().toList()).as(toString()).hasSize(1);
        assertThat(err).as(toString()).startsWith("dxfs: ").contains(says);
        return this;
    }

    @Override
    public String toString() {
        return command + " -> " + exit + "\nstdout: " + out + "\nstderr: " + err;
    }
}
