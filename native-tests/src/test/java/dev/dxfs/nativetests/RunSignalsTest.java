package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A signal that stops {@code dxfs run} (SIGINT, SIGTERM, SIGHUP sent to it alone, as a CI runner
 * or a closed terminal sends it) reaches the command and the processes it started at once; run
 * waits for them, unmounts and exits 128+N, leaving no process and no mount. At a terminal,
 * Ctrl-C reaches them once, run saying nothing of its own, and Ctrl-Z stops them with run.
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
                assertSaysNothingOfItsOwn(result.err());
                assertThat(signalLines(signals)).as("each got it once").containsExactlyInAnyOrder("command", "grandchild");
                assertMountAndGroupGone(m, command);
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
                assertMountAndGroupGone(m, command);
                assertThat(ProcessHandle.of(grandchild).filter(ProcessHandle::isAlive)).isEmpty();
            } finally {
                run.kill();
            }
        }
    }

    /**
     * Ctrl-C typed at a terminal goes to the terminal's foreground: the command's group, not run.
     * Each process gets SIGINT once, the command's own status (3) is run's, and run prints nothing.
     */
    @Test
    void ctrlCAtTheTerminalReachesTheCommandAndItsChildrenOnce() throws Exception {
        try (MountedDir m = MountedDir.create("run-ctrl-c")) {
            Path work = m.scratch();
            try (PseudoTerminal terminal = PseudoTerminal.start(runLine(m, work), work.resolve("terminal.out"))) {
                long command = awaitPid(work.resolve("command.pid"));
                awaitPid(work.resolve("grandchild.pid"));
                await(() -> ProcessGroup.hasTerminal(command), "the command has the terminal");
                terminal.type(PseudoTerminal.CTRL_C);
                Run shown = terminal.await(EXIT);
                assertThat(shown.exit()).as(shown.out()).isEqualTo(3);
                assertSaysNothingOfItsOwn(shown.out());
                assertThat(signalLines(work.resolve("signals"))).containsExactlyInAnyOrder("command", "grandchild");
                assertMountAndGroupGone(m, command);
            }
        }
    }

    /**
     * Ctrl-Z at an interactive shell stops the command's group and run with it, so that the shell
     * lists run as a stopped job; fg continues both, and a Ctrl-C then ends them as before.
     */
    @Test
    void ctrlZStopsTheCommandAndRunTogetherAndFgContinuesBoth() throws Exception {
        try (MountedDir m = MountedDir.create("run-ctrl-z")) {
            Path work = m.scratch();
            Path jobs = work.resolve("jobs");
            Path status = work.resolve("status");
            try (PseudoTerminal terminal = PseudoTerminal.start("exec bash --norc --noprofile -i", work.resolve("terminal.out"))) {
                terminal.type(runLine(m, work) + "\n");
                long command = awaitPid(work.resolve("command.pid"));
                awaitPid(work.resolve("grandchild.pid"));
                await(() -> ProcessGroup.hasTerminal(command), "the command has the terminal");
                terminal.type(PseudoTerminal.CTRL_Z);
                await(() -> ProcessGroup.stopped(command), "the command stopped");
                awaitStoppedJob(terminal, command, jobs);
                terminal.type("fg\n");
                await(() -> !ProcessGroup.stopped(command), "the command continued");
                assertThat(signalLines(work.resolve("signals"))).isEmpty();
                terminal.type(PseudoTerminal.CTRL_C);
                await(() -> ProcessGroup.running(command).isEmpty() && Dxfs.mountType(m.dir()) == null, "run ended");
                terminal.type("echo $? > " + PseudoTerminal.quoted(status) + "; exit\n");
                Run shown = terminal.await(EXIT);
                assertThat(readOr(status).strip()).as(shown.out()).isEqualTo("3");
                assertSaysNothingOfItsOwn(shown.out());
                assertThat(signalLines(work.resolve("signals"))).containsExactlyInAnyOrder("command", "grandchild");
            }
        }
    }

    /**
     * A run started in the background of an interactive shell, whose command reads the terminal,
     * is stopped with its command (as any job that reads the terminal from the background); fg
     * gives the terminal to the command, which reads the line typed then.
     */
    @Test
    void aCommandThatReadsTheTerminalFromTheBackgroundGetsItAtFg() throws Exception {
        try (MountedDir m = MountedDir.create("run-fg")) {
            Path work = m.scratch();
            Path read = work.resolve("read");
            Path status = work.resolve("status");
            Path script = Files.writeString(work.resolve("command.sh"), "echo $$ > \"$1/command.pid\"; read line; echo \"$line\" > \"$1/read\"\n");
            try (PseudoTerminal terminal = PseudoTerminal.start("exec bash --norc --noprofile -i", work.resolve("terminal.out"))) {
                terminal.type(String.join(" ", PseudoTerminal.quoted(Dxfs.LAUNCHER), "run", PseudoTerminal.quoted(m.dir()), "--",
                        "sh", PseudoTerminal.quoted(script), PseudoTerminal.quoted(work)) + " &\n");
                long command = awaitPid(work.resolve("command.pid"));
                await(() -> ProcessGroup.stopped(command), "the command stopped, reading the terminal from the background");
                awaitStoppedJob(terminal, command, work.resolve("jobs"));
                terminal.type("fg\n");
                await(() -> !ProcessGroup.stopped(command), "the command continued");
                terminal.type("typed at the terminal\n");
                await(() -> readOr(read).equals("typed at the terminal\n"), "the command read the line");
                await(() -> ProcessGroup.running(command).isEmpty() && Dxfs.mountType(m.dir()) == null, "run ended");
                terminal.type("echo $? > " + PseudoTerminal.quoted(status) + "; exit\n");
                Run shown = terminal.await(EXIT);
                assertThat(readOr(status).strip()).as(shown.out()).isEqualTo("0");
                assertSaysNothingOfItsOwn(shown.out());
            }
        }
    }

    /** No line of dxfs's own, such as a spurious "DIR is not mounted" (the launcher may say it builds). */
    private static void assertSaysNothingOfItsOwn(String printed) {
        assertThat(printed).doesNotContainPattern("(?m)^dxfs: (?!building the jars)");
    }

    /** The command line that runs {@link #HANDLING} under dxfs run, for a shell at a terminal. */
    private static String runLine(MountedDir m, Path work) throws IOException {
        Path script = Files.writeString(work.resolve("command.sh"), HANDLING);
        return String.join(" ", PseudoTerminal.quoted(Dxfs.LAUNCHER), "run", PseudoTerminal.quoted(m.dir()), "--", "sh",
                PseudoTerminal.quoted(script), PseudoTerminal.quoted(work));
    }

    /**
     * Waits until run, the parent of {@code command}, is stopped too, and the shell lists it as a
     * stopped job: a fg typed before would find it running.
     */
    private static void awaitStoppedJob(PseudoTerminal terminal, long command, Path jobs) {
        long run = ProcessHandle.of(command).flatMap(ProcessHandle::parent).orElseThrow().pid();
        await(() -> ProcessGroup.stopped(run), "run stopped with its command");
        // Asked again until it says so: bash may learn of the stop after it has read the line.
        long deadline = System.nanoTime() + EXIT.toNanos();
        while (!readOr(jobs).contains("Stopped")) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("bash does not list run as a stopped job within " + EXIT + ": " + readOr(jobs)
                        + "\nthe terminal showed: " + terminal.shown());
            }
            terminal.type("jobs > " + PseudoTerminal.quoted(jobs) + "\n");
            Pause.of(200);
        }
    }

    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + EXIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("%s within %s", what, EXIT).isNegative();
            Pause.of(10);
        }
    }

    private static String readOr(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    private static Spawned startRun(MountedDir m, Path work, String command, String... options) throws IOException {
        Path script = Files.writeString(work.resolve("command.sh"), command);
        List<String> args = new ArrayList<>(List.of(Dxfs.LAUNCHER.toString(), "run"));
        args.addAll(List.of(options));
        args.addAll(List.of(m.dir().toString(), "--", "sh", script.toString(), work.toString()));
        return Spawned.start(work, "run", args);
    }

    /** The pid a process of the command wrote into {@code file}, once it is all there (a line). */
    private static long awaitPid(Path file) {
        long deadline = System.nanoTime() + START.toNanos();
        while (!readOr(file).endsWith("\n")) {
            assertThat(System.nanoTime() - deadline).as("%s written within %s", file, START).isNegative();
            Pause.of(10);
        }
        return Long.parseLong(readOr(file).strip());
    }

    private static List<String> signalLines(Path signals) throws IOException {
        return Files.exists(signals) ? Files.readAllLines(signals) : List.of();
    }

    private static void assertMountAndGroupGone(MountedDir m, long command) {
        assertThat(Dxfs.mountType(m.dir())).isNull();
        assertThat(ProcessGroup.running(command)).as("processes left of the command's group").isEmpty();
    }
}
