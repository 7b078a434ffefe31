package dev.dxfs.nativetests;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A shell command line run by script(1) in a pseudo-terminal of its own, as at a real terminal:
 * the keys a test types (Ctrl-C, Ctrl-Z, lines) go through the terminal's line discipline, which
 * signals its foreground process group.
 */
final class PseudoTerminal implements AutoCloseable {
    static final String CTRL_C = "\u0003";
    static final String CTRL_Z = "\u001a";

    private final List<String> command;
    private final Process script;
    private final OutputStream keys;
    private final Path output;

    private PseudoTerminal(List<String> command, Process script, Path output) {
        this.command = command;
        this.script = script;
        this.keys = script.getOutputStream();
        this.output = output;
    }

    /** Runs {@code line} with /bin/sh; what the terminal shows goes to {@code output}. */
    static PseudoTerminal start(String line, Path output) {
        List<String> command = List.of("script", "-qfec", line, "/dev/null");
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(output.toFile()).redirectErrorStream(true);
        builder.environment().put("SHELL", "/bin/sh");
        return new PseudoTerminal(command, Unchecked.call(builder::start), output);
    }

    /** A word of a shell command line, quoted. */
    static String quoted(Object word) {
        return "'" + word.toString().replace("'", "'\\''") + "'";
    }

    void type(String text) {
        Unchecked.run(() -> {
            keys.write(text.getBytes(StandardCharsets.UTF_8));
            keys.flush();
        });
    }

    /** Waits for the command line to end: its exit status and what the terminal showed. */
    Run await(Duration timeout) {
        if (!Unchecked.call(() -> script.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))) {
            throw new AssertionError("still running after " + timeout + ": " + command + "\n" + shown());
        }
        return new Run(command, script.exitValue(), shown(), "");
    }

    /** What the terminal has shown so far. */
    String shown() {
        return Unchecked.call(() -> Files.readString(output, StandardCharsets.UTF_8));
    }

    /** Kills what still runs in the terminal, and script itself. */
    @Override
    public void close() {
        script.descendants().forEach(ProcessHandle::destroyForcibly);
        Spawned.destroy(script);
    }
}
