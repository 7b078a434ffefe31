package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A signal that stops {@code dxfs run} (SIGINT, SIGTERM, SIGHUP sent to it alone, as a CI runner
 * or a closed terminal sends it) reaches the command and the processes it started at once; run
 * waits for them, unmounts and exits 128+N, leaving no process and no mount. A Ctrl-C at the
 * terminal reaches them once, and run then says nothing of its own.
 */
class RunSignalsTest {
    /**
     * The command: it and the shell it runs in the foreground (a grandchild of run, whose own
     * children, sleeps, are great-grandchildren) each write a line when a signal reaches them.
     */
    private static final String HANDLING = """
            echo $$ > "$1/command.pid"
            trap 'echo command >> "$1/signals"; exit 3' INT TERM HUP
            sh -c 'trap "echo grandchild >> \\"\\$1/signals\\"; exit 0" INT TERM HUP
                   echo $$ > "$1/grandchild.tmp"; mv "$1/grandchild.tmp" "$1/grandchild.pid"
                   while :; do sleep 0.05; done' sh "$1"
            """;
    /** A command that ignores the signals, and so does the process it starts. */
    private static final String IGNORING = """
            echo $$ > "$1/command.pid"
            trap '' INT TERM HUP
            sh -c 'echo $$ > "$1/grandchild.tmp"; mv "$1/grandchild.tmp" "$1/grandchild.pid"; exec sleep 1000' sh "$1"
            """;
    private static final Duration START = Duration.ofSeconds(60);
    private static final Duration REACH = Duration.ofSeconds(1);
    private static final Duration EXIT = Duration.ofSeconds(30);

    @ParameterizedTest
    @CsvSource({"INT, 2", "TERM, 15", "HUP, 1"})
    void aSignalToRunAloneReachesTheCommandAndItsChildrenAtOnceAndRunExits128PlusN(String signal, int number) throws Exception {
        try (MountedDir m = MountedDir.create("run-signal")) {
            Path work = m.scratch();
            Spawned run = startRun(m, work, HANDLING);
            try {
                long command = awaitPid(work.resolve("command.pid"));
                awaitPid(work.resolve("grandchild.pid"));
                long sent = System.nanoTime();
                Run.of(List.of("kill", "-" + signal, Long.toString(run.pid()))).ok();
                Path signals = work.resolve("signals");
                while (signalLines(signals).size() < 2 && System.nanoTime() - sent < REACH.toNanos()) {
                    Pause.of(5);
                }
                assertThat(signalLines(signals)).as("reached within %s", REACH).containsExactlyInAnyOrder("command", "grandchild");
                Run result = run.await(EXIT);
                assertThat(result.exit()).as(result.toString()).isEqualTo(128 + number);
                assertThat(result.err()).as("run says nothing of its own").doesNotContain("dxfs");
                assertThat(signalLines(signals)).as("each got it once").containsExactlyInAnyOrder("command", "grandchild");
                assertThat(Dxfs.mountType(m.dir())).isNull();
                assertThat(ProcessGroup.running(command)).as("processes left of the command's group").isEmpty();
            } finally {
                run.kill();
            }
        }
    }

    @Test
    void aCommandThatIgnoresTheSignalIsKilledWithItsChildrenAfterKillAfter() throws Exception {
        try (MountedDir m = MountedDir.create("run-kill-after")) {
            Path work = m.scratch();
            Spawned run = startRun(m, work, IGNORING, "--kill-after", "1");
            try {
                long command = awaitPid(work.resolve("command.pid"));
                long grandchild = awaitPid(work.resolve("grandchild.pid"));
                Run.of(List.of("kill", "-TERM", Long.toString(run.pid()))).ok();
                Run result = run.await(EXIT);
                assertThat(result.exit()).as(result.toString()).isEqualTo(128 + 15);
                assertThat(Dxfs.mountType(m.dir())).isNull();
                assertThat(ProcessGroup.running(command)).as("processes left of the command's group").isEmpty();
                assertThat(ProcessHandle.of(grandchild).filter(ProcessHandle::isAlive)).isEmpty();
            } finally {
                run.kill();
            }
        }
    }

    /**
     * Ctrl-C typed at a terminal (a pseudo-terminal that script(1) runs run in) goes to the
     * terminal's foreground: the command's group, not run. Each process gets SIGINT once, the
     * command's own status (3) is run's, and run prints nothing.
     */
    @Test
    void ctrlCAtTheTerminalReachesTheCommandAndItsChildrenOnce() throws Exception {
        try (MountedDir m = MountedDir.create("run-ctrl-c")) {
            Path work = m.scratch();
            Path script = Files.writeString(work.resolve("command.sh"), HANDLING);
            String line = String.join(" ", quoted(Dxfs.LAUNCHER.toString()), "run", quoted(m.dir().toString()), "--", "sh",
                    quoted(script.toString()), quoted(work.toString()));
            Path output = work.resolve("terminal.out");
            ProcessBuilder builder = new ProcessBuilder("script", "-qfec", line, "/dev/null")
                    .redirectOutput(output.toFile()).redirectErrorStream(true);
            builder.environment().putAll(Map.of("SHELL", "/bin/sh"));
            Process terminal = builder.start();
            try (OutputStream keys = terminal.getOutputStream()) {
                long command = awaitPid(work.resolve("command.pid"));
                awaitPid(work.resolve("grandchild.pid"));
                keys.write(3);
                keys.flush();
                assertThat(terminal.waitFor(EXIT.toSeconds(), TimeUnit.SECONDS)).as("run exits").isTrue();
                String printed = Files.readString(output, StandardCharsets.UTF_8);
                assertThat(terminal.exitValue()).as(printed).isEqualTo(3);
                assertThat(printed).doesNotContain("dxfs");
                assertThat(signalLines(work.resolve("signals"))).containsExactlyInAnyOrder("command", "grandchild");
                assertThat(Dxfs.mountType(m.dir())).isNull();
                assertThat(ProcessGroup.running(command)).as("processes left of the command's group").isEmpty();
            } finally {
                terminal.descendants().forEach(ProcessHandle::destroyForcibly);
                Spawned.destroy(terminal);
            }
        }
    }

    private static Spawned startRun(MountedDir m, Path work, String command, String... options) throws IOException {
        Path script = Files.writeString(work.resolve("command.sh"), command);
        List<String> args = new java.util.ArrayList<>(List.of(Dxfs.LAUNCHER.toString(), "run"));
        args.addAll(List.of(options));
        args.addAll(List.of(m.dir().toString(), "--", "sh", script.toString(), work.toString()));
        return Spawned.start(work, "run", args);
    }

    /** The pid a process of the command wrote into {@code file}, once it is there. */
    private static long awaitPid(Path file) throws IOException {
        long deadline = System.nanoTime() + START.toNanos();
        while (!Files.exists(file)) {
            assertThat(System.nanoTime() - deadline).as("%s written within %s", file, START).isNegative();
            Pause.of(10);
        }
        return Long.parseLong(Files.readString(file).trim());
    }

    private static List<String> signalLines(Path signals) throws IOException {
        return Files.exists(signals) ? Files.readAllLines(signals) : List.of();
    }

    private static String quoted(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }
}
