package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Writers that move or share their descriptor before they are done, as shells do. For
 * {@code cmd > f} a shell opens f with {@code O_TRUNC}, moves it onto descriptor 1 with
 * {@code dup2}, closes the original and only then runs cmd; subshells, groups and
 * {@code exec 3> f} hand the descriptor to several commands, each of which closes its copy when
 * it exits. Only the last close ends the write: before it, a reader must see the previous
 * version, never the truncation or a prefix.
 *
 * <p>Each workload also runs on a plain directory, where the reader does see the empty file or a
 * prefix: that proves the reads overlapped the writes, so that zero through dxfs means something.
 * The close-then-exec and close-then-read loops check the other side: once the last close has
 * returned, the next exec or read finds the new version.
 *
 * <p>One mount serves the class (each test works in a directory of its own in it): mounting
 * takes a second or two, and these tests are about writers, not mounts. It is made at the first
 * test that needs it, so the plain-directory tests run without FUSE.
 */
class ShellWriterTest {
    /** The versions the shell writers write: big enough that a read is not instant. */
    private static final int SHELL_VERSION_SIZE = 64 << 10;
    private static final int SHELL_ROUNDS = 40;
    /** How long a command of a shell writer waits before it writes: natively, the file is empty meanwhile. */
    private static final int SHELL_PAUSE_MICROS = 2000;

    private static final int DUP_WRITERS = 4;
    private static final int DUP_ROUNDS = 200;
    private static final int DUP_VERSION_SIZE = 256 << 10;
    private static final int DUP_PAUSE_MICROS = 500;

    /** Rounds of each close-then-exec and close-then-read loop (-Ddxfs.shell.rounds=N for more). */
    private static final int SEQUENTIAL_ROUNDS = Integer.getInteger("dxfs.shell.rounds", 1000);

    /** Only a guard against a hang: the reader stops when the writers are done. */
    private static final int READER_MAX_SECONDS = 150;
    private static final Duration HANG_GUARD = Duration.ofMinutes(3);
    private static final Pattern COUNT = Pattern.compile("([a-z]+) (\\d+)");
    private static final String OLD = "old version\n";

    private static MountedDir mounted;

    /** A directory of a test's own in the class's dxfs mount, and one beside it for logs and fifos. */
    record Place(Path dir, Path scratch) {}

    /** A new place in the class's mount, which is made at the first call. */
    private static Place inDxfs(String name) {
        if (mounted == null) {
            mounted = MountedDir.create("shell").mount();
        }
        return Unchecked.call(() -> new Place(Files.createTempDirectory(mounted.dir(), name + "-"),
                Files.createTempDirectory(mounted.scratch(), name + "-")));
    }

    @AfterAll
    static void unmount() {
        if (mounted != null) {
            mounted.close();
            mounted = null;
        }
    }

    // ---- a writer that dups its descriptor before it writes, with a reader checking every read

    @Test
    void dupedWritersShowOnlyWholeVersionsThroughDxfs() {
        Place place = inDxfs("dup");
        Path file = place.dir().resolve("shared.bin");
        Race race = race(file, place.scratch(), DUP_VERSION_SIZE, dupWriters(file));
        System.out.println("dup writers, dxfs: " + race.reads());
        assertOnlyWholeVersions(race);
        assertThat(mounted.statusField("errors")).as("status: %s", mounted.status()).isZero();
    }

    @Test
    void dupedWritersShowTheTruncationInAPlainDirectory() {
        try (MountedDir plain = MountedDir.create("shell-dup-plain")) {
            Path file = plain.dir().resolve("shared.bin");
            Race race = race(file, plain.scratch(), DUP_VERSION_SIZE, dupWriters(file));
            System.out.println("dup writers, plain: " + race.reads());
            assertTheReaderSawPartialFiles(race);
        }
    }

    private static List<List<String>> dupWriters(Path file) {
        String dupwrite = NativePrograms.c("dupwrite").toString();
        return IntStream.rangeClosed(1, DUP_WRITERS).mapToObj(writer -> List.of(dupwrite, file.toString(),
                String.valueOf(writer), String.valueOf(DUP_ROUNDS), String.valueOf(DUP_VERSION_SIZE),
                String.valueOf(DUP_PAUSE_MICROS))).toList();
    }

    // ---- shell redirections, with a reader checking every read

    /**
     * Shell loops that each rewrite {@code $f} {@value #SHELL_ROUNDS} times with version {@code $i}.
     * {@code vpiece ID SIZE FROM TO PAUSE} prints bytes FROM..TO of a version after a pause, so
     * {@code a} and {@code b} below write the first and the second half.
     */
    enum Redirect {
        BASH_COMMAND("bash", "cmd > f", "vpiece $i $size 0 $size $pause > \"$f\""),
        DASH_COMMAND("dash", "cmd > f", "vpiece $i $size 0 $size $pause > \"$f\""),
        COMMAND_WITH_STDERR("bash", "cmd > f 2>&1", "vpiece $i $size 0 $size $pause > \"$f\" 2>&1"),
        EXEC_DESCRIPTOR("bash", "exec 3> f; a >&3; b >&3; exec 3>&-",
                "exec 3> \"$f\"; vpiece $i $size 0 $half >&3; vpiece $i $size $half $size $pause >&3; exec 3>&-"),
        SUBSHELL("bash", "( a; sleep; b ) > f",
                "( vpiece $i $size 0 $half; sleep 0.002; vpiece $i $size $half $size ) > \"$f\""),
        GROUP("dash", "{ a; b; } > f", "{ vpiece $i $size 0 $half; vpiece $i $size $half $size $pause; } > \"$f\""),
        BUILTIN("bash", "printf ... > f (a builtin)", "v=$(vpiece --printf $i $size); printf \"$v\" > \"$f\"");

        private final String shell;
        private final String shape;
        private final String body;

        Redirect(String shell, String shape, String body) {
            this.shell = shell;
            this.shape = shape;
            this.body = body;
        }

        List<String> command(Path file) {
            String script = "f=$1 PATH=$2:$PATH size=$3 half=$(($3 / 2)) pause=$4\n"
                    + "i=1\n"
                    + "while [ $i -le " + SHELL_ROUNDS + " ]; do\n"
                    + "  " + body + "\n"
                    + "  i=$((i + 1))\n"
                    + "done\n";
            return List.of(shell, "-c", script, shell, file.toString(),
                    NativePrograms.c("vpiece").getParent().toString(), String.valueOf(SHELL_VERSION_SIZE),
                    String.valueOf(SHELL_PAUSE_MICROS));
        }

        @Override
        public String toString() {
            return shell + ": " + shape;
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Redirect.class)
    void aShellRedirectShowsOnlyWholeVersionsThroughDxfs(Redirect redirect) {
        Place place = inDxfs("redirect");
        Path file = place.dir().resolve("out.bin");
        Race race = race(file, place.scratch(), SHELL_VERSION_SIZE, List.of(redirect.command(file)));
        System.out.println(redirect + ", dxfs: " + race.reads());
        assertOnlyWholeVersions(race);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Redirect.class)
    void aShellRedirectShowsTheTruncationOrAPrefixInAPlainDirectory(Redirect redirect) {
        try (MountedDir plain = MountedDir.create("shell-redirect-plain")) {
            Path file = plain.dir().resolve("out.bin");
            Race race = race(file, plain.scratch(), SHELL_VERSION_SIZE, List.of(redirect.command(file)));
            System.out.println(redirect + ", plain: " + race.reads());
            assertTheReaderSawPartialFiles(race);
        }
    }

    // ---- how a write ends: a killed writer publishes nothing, one that exits publishes

    /**
     * Scripts run as {@code SHELL -c SCRIPT sh FILE FIFO}. A writer killed by SIGKILL leaves the
     * previous version, also when what it held was a dup or an inherited copy; one that exits
     * normally without closing publishes what it wrote.
     */
    enum Ending {
        SHELL_KILLED("dash", "exec > f; printf part; kill -9 $$",
                "exec > \"$1\"; printf part; kill -9 $$", true, 137, ""),
        SHELL_EXITING("dash", "exec > f; printf new; exit",
                "exec > \"$1\"; printf new", false, 0, ""),
        INHERITING_CHILD_KILLED("bash", "exec 3> f; ( printf part >&3; kill -9 $BASHPID ) & exec 3>&-",
                inheritingChild("printf part >&3; kill -9 $BASHPID"), true, 0, "child 137\n"),
        INHERITING_CHILD_EXITING("bash", "exec 3> f; ( printf new >&3 ) & exec 3>&-",
                inheritingChild("printf new >&3"), false, 0, "child 0\n");

        private final String shell;
        private final String shape;
        private final String script;
        private final boolean killed;
        private final int exit;
        private final String out;

        Ending(String shell, String shape, String script, boolean killed, int exit, String out) {
            this.shell = shell;
            this.shape = shape;
            this.script = script;
            this.killed = killed;
            this.exit = exit;
            this.out = out;
        }

        /**
         * The parent opens the file, starts a child that inherits it, and closes its own copy
         * before the child writes (the child waits on a fifo for that).
         */
        private static String inheritingChild(String child) {
            return "rm -f \"$2\"; mkfifo \"$2\"\n"
                    + "exec 3> \"$1\"\n"
                    + "( read -r _ < \"$2\"; " + child + " ) &\n"
                    + "exec 3>&-\n"
                    // Bash reports a killed child on its stderr where it reaps it: in this group.
                    + "{ echo go > \"$2\"; wait $!; } 2>/dev/null\n"
                    + "echo \"child $?\"\n";
        }

        /** What the writer wrote before it was killed or exited. */
        String written() {
            return killed ? "part" : "new";
        }

        void run(Path file, Path fifo) {
            Run run = Run.of(List.of(shell, "-c", script, "sh", file.toString(), fifo.toString()));
            assertThat(run.exit()).as("%s", run).isEqualTo(exit);
            assertThat(run.out()).as("%s", run).isEqualTo(out);
            assertThat(run.err()).as("%s", run).isEmpty();
        }

        @Override
        public String toString() {
            return shell + ": " + shape;
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Ending.class)
    void aWriterWithADupedOrInheritedDescriptorPublishesUnlessItWasKilled(Ending ending) throws IOException {
        try (MountedDir plain = MountedDir.create("shell-ending-plain")) {
            Path file = plain.dir().resolve("out.txt");
            Files.writeString(file, OLD);
            ending.run(file, plain.scratch().resolve("go"));
            assertThat(Files.readString(file)).as("in a plain directory: the writer truncated and wrote")
                    .isEqualTo(ending.written());
        }
        Place place = inDxfs("ending");
        Path file = place.dir().resolve("out.txt");
        Files.writeString(file, OLD);
        ending.run(file, place.scratch().resolve("go"));
        mounted.awaitOpenStagedWriters(0);
        assertThat(Files.readString(file)).as("through dxfs").isEqualTo(ending.killed ? OLD : ending.written());
    }

    @Test
    void aProgramKilledAfterDupingItsDescriptorPublishesNothing() throws IOException {
        try (MountedDir plain = MountedDir.create("shell-dup-killed-plain")) {
            Path file = plain.dir().resolve("out.txt");
            Files.writeString(file, OLD);
            writeThroughADup(file, "part", true);
            assertThat(Files.readString(file)).as("in a plain directory: the writer truncated and wrote")
                    .isEqualTo("part");
        }
        Path file = inDxfs("dup-killed").dir().resolve("out.txt");
        Files.writeString(file, OLD);
        writeThroughADup(file, "part", true);
        mounted.awaitOpenStagedWriters(0);
        assertThat(Files.readString(file)).as("through dxfs, after the writer was killed").isEqualTo(OLD);

        writeThroughADup(file, "new", false);
        mounted.awaitOpenStagedWriters(0);
        assertThat(Files.readString(file)).as("through dxfs, after the writer exited").isEqualTo("new");
    }

    /**
     * Opens {@code file} with O_TRUNC, dups the descriptor, closes the original and writes through
     * the copy; then the writer is killed, or exits without closing the copy.
     */
    private static void writeThroughADup(Path file, String text, boolean kill) {
        FsShell writer = FsShell.start();
        try {
            int fd = writer.open(file, "wronly|trunc");
            int copy = writer.dup(fd);
            writer.close(fd);
            writer.write(copy, text);
            if (kill) {
                Run.of(List.of("kill", "-KILL", Long.toString(writer.pid()))).ok();
            }
        } finally {
            writer.close();
        }
    }

    // ---- once the last close has returned, the next exec or read finds the new version

    /**
     * Bash loops that replace {@code app} with one of two builds of {@code exec_version}, in turn,
     * and run it at once; {@code out} must be what the new build prints. A publish that came after
     * the writer's close returned would show as the previous build running (or ETXTBSY, ENOEXEC).
     */
    enum CloseThenExec {
        CP("cp new app && ./app", "out=$(cp \"$src\" app 2>&1 && ./app 2>&1)"),
        REDIRECT_CHMOD("cmd > app; chmod +x app; ./app", "cat \"$src\" > app; chmod +x app; out=$(./app 2>&1)"),
        CLOSE_AND_EXEC("exec 3> app; cmd >&3; exec 3>&-; exec ./app",
                "out=$(exec 3> app; cat \"$src\" >&3; exec 3>&-; exec ./app 2>&1)");

        private final String shape;
        private final String body;

        CloseThenExec(String shape, String body) {
            this.shape = shape;
            this.body = body;
        }

        @Override
        public String toString() {
            return shape;
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(CloseThenExec.class)
    void theNextExecRunsTheNewFile(CloseThenExec pattern) {
        Place place = inDxfs("exec");
        Path v1 = RunningExecutableTest.version(place.scratch(), 1);
        Path v2 = RunningExecutableTest.version(place.scratch(), 2);
        String script = "cd \"$1\" && v1=$2 v2=$3 want1=$4 want2=$5\n"
                + "cp \"$v2\" app\n"
                + "bad=0\n"
                + "for ((i = 1; i <= " + SEQUENTIAL_ROUNDS + "; i++)); do\n"
                + "  if ((i % 2)); then src=$v1 want=$want1; else src=$v2 want=$want2; fi\n"
                + "  " + pattern.body + "\n"
                + "  if [[ $out != \"$want\" ]]; then\n"
                + "    ((++bad <= 5)) && printf 'round %d ran: %s\\n' \"$i\" \"$out\"\n"
                + "  fi\n"
                + "done\n"
                + "echo \"mismatches $bad\"\n";
        Run run = Run.of(List.of("bash", "-c", script, "bash", place.dir().toString(), v1.toString(),
                v2.toString(), RunningExecutableTest.output(1).strip(), RunningExecutableTest.output(2).strip()));
        System.out.println(pattern + ", " + SEQUENTIAL_ROUNDS + " rounds: " + run.out().strip());
        assertThat(run.exit()).as("%s", run).isZero();
        assertThat(run.err()).as("%s", run).isEmpty();
        assertThat(run.out()).as("rounds where the exec did not run the new file").isEqualTo("mismatches 0\n");
    }

    @Test
    void aReadAfterTheRedirectedCommandFindsWhatItWrote() {
        Place place = inDxfs("read-back");
        String script = "cd \"$1\"\n"
                + "bad=0\n"
                + "check() {\n"
                + "  out=$(cat f)\n"
                + "  if [[ $out != \"$1\" ]]; then\n"
                + "    ((++bad <= 5)) && printf 'round %d: wrote %s, read %s\\n' \"$i\" \"$1\" \"$out\"\n"
                + "  fi\n"
                + "}\n"
                + "for ((i = 1; i <= " + SEQUENTIAL_ROUNDS + "; i++)); do\n"
                + "  /bin/echo \"command $i\" > f && check \"command $i\"\n"
                + "  echo \"builtin $i\" > f && check \"builtin $i\"\n"
                + "done\n"
                + "echo \"mismatches $bad\"\n";
        Run run = Run.of(List.of("bash", "-c", script, "bash", place.dir().toString()));
        System.out.println("cmd > f && cat f, " + SEQUENTIAL_ROUNDS + " rounds: " + run.out().strip());
        assertThat(run.exit()).as("%s", run).isZero();
        assertThat(run.err()).as("%s", run).isEmpty();
        assertThat(run.out()).as("reads that did not find what the command had just written")
                .isEqualTo("mismatches 0\n");
    }

    // ---- helpers

    /** What the reader counted while the writers ran, the writers' runs, and a check of the file they left. */
    record Race(Map<String, Long> reads, String readerErrors, List<Run> writers, Run finalCheck) {
        long read(String field) {
            return reads.getOrDefault(field, 0L);
        }
    }

    /**
     * Publishes a first version of {@code size} bytes at the writers' file (the reader counts a
     * missing or empty file as torn), then runs the writers to their end with one {@code versions
     * read} process checking every read of it meanwhile.
     */
    private static Race race(Path file, Path scratch, int size, List<List<String>> writers) {
        String versions = NativePrograms.c("versions").toString();
        Path logs = scratch.resolve("logs");
        Path stop = scratch.resolve("stop");
        String whole = String.valueOf(size);
        Run.of(List.of(versions, "write", file.toString(), "0", "1", whole, whole, whole)).ok();

        Spawned reader = Spawned.start(logs, "reader", List.of(versions, "read", file.toString(),
                String.valueOf(READER_MAX_SECONDS), stop.toString()));
        List<Spawned> started = new ArrayList<>();
        try {
            for (int w = 0; w < writers.size(); w++) {
                started.add(Spawned.start(logs, "writer-" + w, writers.get(w)));
            }
            List<Run> runs = started.stream().map(writer -> writer.await(HANG_GUARD)).toList();
            StopFile.create(stop);
            Run read = reader.await(HANG_GUARD).ok();
            return new Race(counts(read.out()), read.err(), runs,
                    Run.of(List.of(versions, "check", file.toString())));
        } finally {
            StopFile.create(stop);
            started.forEach(Spawned::kill);
            reader.kill();
        }
    }

    private static void assertWritersSucceeded(Race race) {
        for (Run writer : race.writers()) {
            assertThat(writer.exit()).as("%s", writer).isZero();
            assertThat(writer.err()).as("%s", writer).isEmpty();
        }
    }

    private static void assertOnlyWholeVersions(Race race) {
        assertWritersSucceeded(race);
        assertThat(race.read("errors")).as("reader errors:\n%s", race.readerErrors()).isZero();
        // Without reads that overlapped the commits, zero partial reads would prove nothing.
        assertThat(race.read("changes")).as("versions the reader saw replaced: %s", race.reads()).isPositive();
        assertThat(race.read("torn")).as("missing, empty, short or torn reads: %s", race.reads()).isZero();
        assertThat(race.finalCheck().exit()).as("the file at the end: %s", race.finalCheck().out()).isZero();
    }

    private static void assertTheReaderSawPartialFiles(Race race) {
        assertWritersSucceeded(race);
        assertThat(race.read("reads")).isPositive();
        assertThat(race.read("torn"))
                .as("empty, short or torn reads (the workload must overlap reads with writes): %s", race.reads())
                .isPositive();
    }

    /** The "name N" pairs of a process's last output line. */
    private static Map<String, Long> counts(String output) {
        String[] lines = output.trim().split("\n");
        Matcher matcher = COUNT.matcher(lines[lines.length - 1]);
        Map<String, Long> counts = new TreeMap<>();
        while (matcher.find()) {
            counts.put(matcher.group(1), Long.parseLong(matcher.group(2)));
        }
        assertThat(counts).as("counts in '%s'", output).isNotEmpty();
        return counts;
    }
}
