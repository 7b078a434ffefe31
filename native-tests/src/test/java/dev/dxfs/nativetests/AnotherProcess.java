package dev.dxfs.nativetests;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * What a process other than the test program's JVM sees of a file: the JVM that writes a file
 * with the agent sees its own writes, so what others see is asked of a child process.
 */
final class AnotherProcess {
    private AnotherProcess() {}

    /** The file's content as {@code cat} reads it, or null when it is absent. */
    static String content(Path file) throws IOException, InterruptedException {
        return output(List.of("cat", file.toString()));
    }

    /** The file's permission bits as {@code stat} shows them ({@code rw-r-----}), or null when it is absent. */
    static String mode(Path file) throws IOException, InterruptedException {
        String mode = output(List.of("stat", "-c", "%A", file.toString()));
        return mode == null ? null : mode.strip().substring(1);
    }

    /** What {@code command} printed, or null when it failed. */
    static String output(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(process.getInputStream().readAllBytes(), UTF_8);
        return process.waitFor() == 0 ? out : null;
    }
}
