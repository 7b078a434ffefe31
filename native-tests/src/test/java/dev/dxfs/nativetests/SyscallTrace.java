package dev.dxfs.nativetests;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * strace attached to a running process and all its threads, recording some system calls with
 * the paths of their descriptors ({@code -y}): what the process really asked the kernel to do.
 */
final class SyscallTrace implements AutoCloseable {
    private static final long ATTACH_SECONDS = 30;

    private final Process strace;
    private final Path output;

    private SyscallTrace(Process strace, Path output) {
        this.strace = strace;
        this.output = output;
    }

    /**
     * Attaches to {@code pid}, the daemon serving {@code mountPoint}, and returns once every
     * thread is traced. strace runs in a mount namespace of its own without that mount: to
     * print the path of a file without a name ("/dir/#123 (deleted)") it stats the path, and
     * through the mount that stat would wait for the daemon strace holds stopped.
     */
    static SyscallTrace attach(long pid, Path mountPoint, Path output, String syscalls) {
        Path messages = output.resolveSibling(output.getFileName() + ".err");
        return Unchecked.call(() -> {
            Process strace = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "sh", "-c",
                    "umount -l \"$0\" && exec strace -f -y -e trace=\"$1\" -o \"$2\" -p \"$3\"",
                    mountPoint.toString(), syscalls, output.toString(), Long.toString(pid))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(messages.toFile())
                    .start();
            SyscallTrace trace = new SyscallTrace(strace, output);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ATTACH_SECONDS);
            while (!Files.readString(messages).contains("attached")) {
                if (!strace.isAlive() || System.nanoTime() > deadline) {
                    trace.close();
                    throw new AssertionError("strace did not attach to " + pid + ": " + Files.readString(messages));
                }
                Thread.sleep(20);
            }
            return trace;
        });
    }

    /** Detaches (strace flushes its output on SIGTERM) and returns the calls recorded. */
    List<String> stop() {
        strace.destroy();
        if (!Unchecked.call(() -> strace.waitFor(30, TimeUnit.SECONDS))) {
            throw new AssertionError("strace did not stop");
        }
        return Unchecked.call(() -> Files.readAllLines(output, StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        if (strace.isAlive()) {
            strace.destroyForcibly();
        }
    }
}
