package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The promise dxfs exists for: a binary executed through the mount keeps running while it is
 * replaced in place ({@code cp}, Rust's {@code std::fs::copy}), and the next exec runs the new
 * file. Each mounted case has a plain-directory twin that shows the kernel's ETXTBSY, so the
 * mounted case cannot pass because the scenario did not really overlap an exec with a write.
 */
class RunningExecutableTest {
    private static final String TEXT_BUSY = "Text file busy";
    private static final byte[] MARKER = "DXFS-VERSION:v0000000000".getBytes(StandardCharsets.US_ASCII);

    @Test
    void cpReplacesABinaryThatRunsThroughTheMount() {
        try (MountedDir mounted = MountedDir.create("exec-cp").mount()) {
            Path app = mounted.dir().resolve("app");
            Path versions = mounted.scratch();
            cp(version(versions, 0), app).ok();
            for (int i = 1; i <= 20; i++) {
                try (BackgroundProcess old = BackgroundProcess.start(List.of(app.toString(), "wait"))) {
                    old.awaitLine("start " + label(i - 1));

                    Run cp = cp(version(versions, i), app);
                    assertThat(cp.exit()).as("iteration %d: cp over the running binary: %s", i, cp).isZero();
                    assertThat(cp.err()).as("iteration %d", i).isEmpty();

                    Run next = execute(app, "0");
                    assertThat(next.exit()).as("iteration %d: exec after cp: %s", i, next).isZero();
                    assertThat(next.out()).as("iteration %d: the next exec runs the new file", i)
                            .isEqualTo(output(i));

                    Run finished = old.finish();
                    assertThat(finished.exit()).as("iteration %d: the old process: %s", i, finished).isZero();
                    assertThat(finished.out()).as("iteration %d: the old process ran its own file to the end", i)
                            .isEqualTo(output(i - 1));
                }
            }
        }
    }

    /**
     * The kernel keeps the names of plain files for a while; a file made executable by a chmod
     * must lose that at once, or its next exec and a writer would share one node (ETXTBSY).
     */
    @Test
    void aFileMadeExecutableByChmodIsReplacedWhileItRuns() throws IOException {
        try (MountedDir mounted = MountedDir.create("exec-chmod").mount()) {
            Path app = mounted.dir().resolve("app");
            Path versions = mounted.scratch();
            for (int i = 1; i <= 10; i++) {
                Files.write(app, read(version(versions, i)));
                Files.setPosixFilePermissions(app, PosixFilePermissions.fromString("rw-r--r--"));
                assertThat(Run.of(List.of("stat", "-c", "%a", app.toString())).ok().out())
                        .as("iteration %d: a lookup the kernel may keep", i).isEqualTo("644\n");
                Run.of(List.of("chmod", "755", app.toString())).ok();
                try (BackgroundProcess running = BackgroundProcess.start(List.of(app.toString(), "wait"))) {
                    running.awaitLine("start " + label(i));

                    Run cp = cp(version(versions, i + 100), app);
                    assertThat(cp.exit()).as("iteration %d: cp over the running binary: %s", i, cp).isZero();

                    Run finished = running.finish();
                    assertThat(finished.exit()).as("iteration %d: %s", i, finished).isZero();
                    assertThat(finished.out()).isEqualTo(output(i));
                }
            }
        }
    }

    @Test
    void severalConcurrentCpsReplaceABinaryThatRunsThroughTheMount() throws Exception {
        int writers = 8;
        try (MountedDir mounted = MountedDir.create("exec-cp-many").mount()) {
            Path app = mounted.dir().resolve("app");
            Path versions = mounted.scratch();
            cp(version(versions, 0), app).ok();
            int running = 0;
            ExecutorService pool = Executors.newFixedThreadPool(writers);
            try {
                for (int round = 1; round <= 5; round++) {
                    try (BackgroundProcess old = BackgroundProcess.start(List.of(app.toString(), "wait"))) {
                        old.awaitLine("start " + label(running));
                        int first = round * 100;
                        List<Callable<Run>> copies = new ArrayList<>();
                        for (int w = 0; w < writers; w++) {
                            Path source = version(versions, first + w);
                            copies.add(() -> cp(source, app));
                        }
                        for (Future<Run> copy : pool.invokeAll(copies)) {
                            Run cp = copy.get();
                            assertThat(cp.exit()).as("round %d: concurrent cp over the running binary: %s", round, cp)
                                    .isZero();
                        }

                        Run next = execute(app, "0");
                        assertThat(next.exit()).as("round %d: exec after the cp's: %s", round, next).isZero();
                        Set<String> whole = IntStream.range(first, first + writers).mapToObj(RunningExecutableTest::output)
                                .collect(Collectors.toSet());
                        assertThat(next.out()).as("round %d: the next exec runs one of the copied files, whole", round)
                                .isIn(whole);

                        Run finished = old.finish();
                        assertThat(finished.out()).as("round %d: the old process ran its own file to the end", round)
                                .isEqualTo(output(running));
                        running = Integer.parseInt(next.out().substring("start v".length(), "start v".length() + 10));
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void cpOverARunningBinaryInAPlainDirectoryIsTextFileBusy() {
        try (MountedDir plain = MountedDir.create("exec-cp-plain")) {
            Path app = plain.dir().resolve("app");
            cp(version(plain.scratch(), 0), app).ok();
            try (BackgroundProcess old = BackgroundProcess.start(List.of(app.toString(), "wait"))) {
                old.awaitLine("start " + label(0));
                Run cp = cp(version(plain.scratch(), 1), app);
                assertThat(cp.exit()).as("%s", cp).isNotZero();
                assertThat(cp.err()).contains(TEXT_BUSY);
                assertThat(old.finish().out()).isEqualTo(output(0));
            }
        }
    }

    @Test
    void concurrentStdFsCopyAndSpawnWhileTheServerRunsThroughTheMount() throws Exception {
        try (MountedDir mounted = MountedDir.create("exec-dxcopy").mount()) {
            List<Run> runs = dxServeRace(mounted.dir().resolve("app/debug/web"), mounted.scratch());
            List<String> failed = runs.stream().filter(run -> run.exit() != 0 || !run.err().isEmpty())
                    .map(run -> run.err().trim()).toList();
            assertThat(failed).as("dx serve-like copy and spawn: errors of %d runs", runs.size()).isEmpty();
            for (Run run : runs) {
                assertThat(run.out()).as("the spawned server is a whole copied version: %s", run)
                        .matches("start v\\d{10}\nend v\\d{10}\n");
            }
        }
    }

    @Test
    void concurrentStdFsCopyInAPlainDirectoryIsTextFileBusy() throws Exception {
        try (MountedDir plain = MountedDir.create("exec-dxcopy-plain")) {
            List<Run> runs = dxServeRace(plain.dir().resolve("app/debug/web"), plain.scratch());
            for (Run run : runs) {
                assertThat(run.exit()).as("%s", run).isNotZero();
                assertThat(run.err()).as("%s", run).contains("copy failed").contains("Some(26)");
            }
        }
    }

    /**
     * Publishes a first server with dxcopy, keeps one instance of it running, then runs several
     * dxcopy processes at once (three rounds) against the same W, as several {@code dx serve}
     * instances do. Returns the runs of the concurrent dxcopy processes.
     */
    private static List<Run> dxServeRace(Path web, Path scratch) throws Exception {
        Path dxcopy = NativePrograms.rust("dxcopy");
        Run first = Run.of(List.of(dxcopy.toString(), version(scratch, 0).toString(), web.toString(), "0")).ok();
        assertThat(first.out()).isEqualTo(output(0));
        Path server = web.resolve("server");
        List<Run> runs = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try (BackgroundProcess keeper = BackgroundProcess.start(List.of(server.toString(), "wait"))) {
            keeper.awaitLine("start " + label(0));
            for (int round = 1; round <= 3; round++) {
                List<Callable<Run>> instances = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    Path source = version(scratch, round * 10 + i);
                    instances.add(() -> Run.of(List.of(dxcopy.toString(), source.toString(), web.toString(), "100")));
                }
                for (Future<Run> run : pool.invokeAll(instances)) {
                    runs.add(run.get());
                }
            }
            Run kept = keeper.finish();
            assertThat(kept.out()).as("the server that kept running ran its own file to the end").isEqualTo(output(0));
        } finally {
            pool.shutdownNow();
        }
        return runs;
    }

    @Test
    void execWhileAWriterHoldsTheFileOpenRunsTheCommittedVersion() {
        try (MountedDir mounted = MountedDir.create("exec-open-writer").mount()) {
            Path app = mounted.dir().resolve("app");
            Path v1 = version(mounted.scratch(), 1);
            Path v2 = version(mounted.scratch(), 2);
            cp(v1, app).ok();
            try (BackgroundProcess writer = holdWrite(app, v2)) {
                Run exec = execute(app, "0");
                assertThat(exec.exit()).as("exec while a writer holds the file open: %s", exec).isZero();
                assertThat(exec.out()).as("the exec runs the last committed version").isEqualTo(output(1));
                assertThat(sha256(read(app))).as("another process reads the committed version, not the partial one")
                        .isEqualTo(sha256(read(v1)));

                Run closed = writer.finish();
                assertThat(closed.exit()).as("%s", closed).isZero();
                assertThat(closed.out()).contains("closed");
            }
            Run after = execute(app, "0");
            assertThat(after.out()).as("once the writer has closed, exec runs its file").isEqualTo(output(2));
        }
    }

    @Test
    void execWhileAWriterHoldsTheFileOpenInAPlainDirectoryIsTextFileBusy() {
        try (MountedDir plain = MountedDir.create("exec-open-writer-plain")) {
            Path app = plain.dir().resolve("app");
            cp(version(plain.scratch(), 1), app).ok();
            try (BackgroundProcess writer = holdWrite(app, version(plain.scratch(), 2))) {
                Run exec = execute(app, "0");
                assertThat(exec.exit()).as("%s", exec).isNotZero();
                assertThat(exec.err()).contains(TEXT_BUSY);
                assertThat(writer.finish().exit()).isZero();
            }
        }
    }

    @Test
    void procPidExeOfAProcessStartedThroughTheMountReadsItsOwnBinary() throws IOException {
        try (MountedDir mounted = MountedDir.create("exec-proc-exe").mount()) {
            Path app = mounted.dir().resolve("app");
            Path v1 = version(mounted.scratch(), 1);
            cp(v1, app).ok();
            try (BackgroundProcess running = BackgroundProcess.start(List.of(app.toString(), "wait"))) {
                running.awaitLine("start " + label(1));
                Path exe = Path.of("/proc", Long.toString(running.pid()), "exe");
                assertThat(sha256(Files.readAllBytes(exe))).as("/proc/PID/exe reads the started binary")
                        .isEqualTo(sha256(read(v1)));

                cp(version(mounted.scratch(), 2), app).ok();
                assertThat(sha256(Files.readAllBytes(exe)))
                        .as("/proc/PID/exe still reads the process's own binary after the path was replaced")
                        .isEqualTo(sha256(read(v1)));
                assertThat(running.finish().out()).isEqualTo(output(1));
            }
        }
    }

    // ---- helpers

    /** Starts a writer that has rewritten the first KiB of {@code target} with {@code source} and holds it open. */
    private static BackgroundProcess holdWrite(Path target, Path source) {
        BackgroundProcess writer = BackgroundProcess.start(List.of(NativePrograms.c("exec_holdwrite").toString(),
                target.toString(), source.toString(), "1024"));
        try {
            writer.awaitLine("ready");
        } catch (AssertionError e) {
            writer.close();
            throw e;
        }
        return writer;
    }

    private static Run cp(Path from, Path to) {
        return Run.of(List.of("cp", from.toString(), to.toString()));
    }

    /** Runs a program; a failed exec becomes a failed run whose stderr is the exec's error text. */
    private static Run execute(Path program, String... args) {
        List<String> command = new ArrayList<>(List.of(program.toString()));
        command.addAll(List.of(args));
        try {
            return Run.of(command);
        } catch (UncheckedIOException e) {
            return new Run(command, -1, "", String.valueOf(e.getCause().getMessage()));
        }
    }

    static String label(int version) {
        return String.format("v%010d", version);
    }

    static String output(int version) {
        return "start " + label(version) + "\nend " + label(version) + "\n";
    }

    /** A copy of exec_version in {@code dir} that says it is {@code version}. */
    static Path version(Path dir, int version) {
        Path file = dir.resolve("exec_version-" + label(version));
        if (Files.exists(file)) {
            return file;
        }
        byte[] binary = read(NativePrograms.c("exec_version"));
        int at = indexOf(binary, MARKER, 0);
        assertThat(at).as("the version marker is in the binary").isNotNegative();
        assertThat(indexOf(binary, MARKER, at + 1)).as("the version marker is in the binary once").isNegative();
        byte[] patched = ("DXFS-VERSION:" + label(version)).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(patched, 0, binary, at, patched.length);
        Unchecked.run(() -> {
            Files.write(file, binary);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        });
        return file;
    }

    private static int indexOf(byte[] data, byte[] pattern, int from) {
        outer:
        for (int i = from; i <= data.length - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static byte[] read(Path file) {
        return Unchecked.call(() -> Files.readAllBytes(file));
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
