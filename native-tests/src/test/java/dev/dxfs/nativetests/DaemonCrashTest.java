package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The daemon killed with SIGKILL under load. While 8 writers rewrite files and 4 readers read
 * them: the mount is stale, {@code dxfs mount} recovers it, every backing file is one complete
 * version, the writes cut off leave no named temp file but whole versions of a publish cut off,
 * which the next mount sweeps, and what was published before the kill is all there. And twenty
 * kills in a row under shell-redirect writers, each recovered at once by {@code dxfs mount}.
 */
class DaemonCrashTest {
    private static final int FILES = 4;
    private static final int WRITERS = 8;
    private static final int READERS = 4;
    /** More rounds than the writers get through before the kill. */
    private static final int ROUNDS = 10_000;
    private static final int MIN_SIZE = 64 << 10;
    private static final int MAX_SIZE = 512 << 10;
    private static final int CHUNK = 4096;
    /** Commits of the workload to wait for before the kill, so that it is in full swing. */
    private static final int COMMITS_BEFORE_KILL = 60;
    /** Kills of the daemon under shell-redirect writers, each followed by a recovering mount. */
    private static final int KILL_ROUNDS = 20;
    private static final int SHELL_MAX_SIZE = 256 << 10;
    /**
     * A writer as a shell script: {@code versions emit} writes one whole version to its standard
     * output, redirected over the file; once a redirection or a write fails (the mount is dead),
     * the loop stays where it is, in the dead mount.
     */
    private static final String SHELL_WRITER = "versions=$1 writer=$2 file=$3 min=$4 max=$5 chunk=$6 round=0\n"
            + "while :; do round=$((round + 1)); \"$versions\" emit $writer $round $min $max $chunk > \"$file\" || exec sleep 600; done";
    /** A file a process holds open for writing, never closed, across the kill. */
    private static final String HELD = "held.bin";
    /** What a daemon killed between the link and the rename of a publish leaves. */
    private static final String CUT_OFF_PUBLISH = "mount.999999999.1a2b.1.tmp";

    @Test
    void aKilledDaemonLeavesOnlyCompleteVersionsAndTheNextMountSweepsItsTempFiles() throws Exception {
        String versions = NativePrograms.c("versions").toString();
        try (MountedDir m = MountedDir.create("crash"); BackingView backing = BackingView.of(m.dir())) {
            m.mount();
            Map<String, String> settled = new TreeMap<>();
            for (int i = 0; i < FILES; i++) {
                Path file = m.dir().resolve("settled-" + i + ".bin");
                writeOneVersion(versions, file, 1000 + i);
                settled.put(file.getFileName().toString(), check(versions, file));
            }
            List<Path> busy = new ArrayList<>();
            for (int i = 0; i < FILES; i++) {
                busy.add(m.dir().resolve("busy-" + i + ".bin"));
                writeOneVersion(versions, busy.get(i), 2000 + i);
            }

            long pid = m.statusField("pid");
            Path logs = m.scratch().resolve("logs");
            Path stop = m.scratch().resolve("stop");
            List<Spawned> workload = new ArrayList<>();
            try {
                for (int r = 0; r < READERS; r++) {
                    workload.add(Spawned.start(logs, "reader-" + r, List.of(versions, "read",
                            busy.get(r % FILES).toString(), "120", stop.toString())));
                }
                for (int w = 1; w <= WRITERS; w++) {
                    workload.add(Spawned.start(logs, "writer-" + w, List.of(versions, "write",
                            busy.get(w % FILES).toString(), String.valueOf(w), String.valueOf(ROUNDS),
                            String.valueOf(MIN_SIZE), String.valueOf(MAX_SIZE), String.valueOf(CHUNK))));
                }
                awaitCommits(m, 2 * FILES + COMMITS_BEFORE_KILL);
                awaitWritersMidWrite(m);
                Run.of(List.of("kill", "-KILL", Long.toString(pid))).ok();
                ProcessHandle.of(pid).ifPresent(daemon -> daemon.onExit().orTimeout(15, TimeUnit.SECONDS).join());
            } finally {
                // Once the daemon is gone every call of the workload fails (ENOTCONN): it is not the subject.
                touch(stop);
                workload.forEach(Spawned::kill);
            }

            Run status = Dxfs.run("status", m.dir().toString());
            assertThat(status.exit()).as("status of a dead mount: %s", status).isEqualTo(1);
            assertThat(status.out()).contains("\"mounted\":false").contains("\"stale\":true");
            // The temp files of the writes cut off had no name and went with the daemon; a
            // publish cut off between the link and the rename leaves a whole version, named.
            for (String leftover : backing.stagedTempFiles()) {
                check(versions, backing.dir().resolve(".dxfs").resolve(leftover));
            }
            Files.writeString(backing.dir().resolve(".dxfs").resolve(CUT_OFF_PUBLISH), "a whole version");
            assertEveryFileIsOneCompleteVersion(versions, backing.dir(), settled);

            Run recovered = Dxfs.mount(m.dir()).ok();
            assertThat(recovered.err()).startsWith("dxfs: recovered a stale mount of " + m.dir());
            assertThat(Dxfs.isMounted(m.dir())).isTrue();
            assertThat(backing.stagedTempFiles()).as("temp files after the next mount").isEmpty();
            assertThat(names(m.dir())).as("through the new mount").containsExactlyInAnyOrderElementsOf(
                    Stream.concat(settled.keySet().stream(), busy.stream().map(p -> p.getFileName().toString()))
                            .toList());
            assertEveryFileIsOneCompleteVersion(versions, m.dir(), settled);
            m.unmount();
            assertThat(names(backing.dir(), true)).as("the backing directory after the unmount: no staging directory")
                    .doesNotContain(".dxfs").hasSize(2 * FILES);
        }
    }

    /**
     * Twenty kills of the daemon while 8 shell loops ({@code versions emit ... > FILE}, as
     * {@code head -c 256K SRC > FILE} would) rewrite 4 files, each kill followed at once by
     * {@code dxfs mount}, with the writers and a process holding files open still in the dead
     * mount. Every round: the mount is recovered, with one line saying so; every backing file is
     * one complete version, never empty (a shell's {@code >} opens, duplicates and closes its
     * descriptor before the command writes: that first close must not publish the truncation),
     * and a write still open at the kill is not published; no temp file is left or visible.
     * After the unmount the backing directory holds the 4 files and nothing else.
     */
    @Test
    void twentyKillsUnderShellRedirectWritersAreEachRecoveredByTheNextMount() throws Exception {
        String versions = NativePrograms.c("versions").toString();
        long started = System.nanoTime();
        List<String> torn = new ArrayList<>();
        try (MountedDir m = MountedDir.create("crash-rounds"); BackingView backing = BackingView.of(m.dir())) {
            m.mount();
            List<String> busy = new ArrayList<>();
            for (int i = 0; i < FILES; i++) {
                busy.add("busy-" + i + ".bin");
                writeOneVersion(versions, m.dir().resolve(busy.get(i)), 1000 + i);
            }
            for (int round = 1; round <= KILL_ROUNDS; round++) {
                long pid = Dxfs.daemonPid(m.dir());
                assertThat(pid).as("round %d: the daemon", round).isPositive();
                Path logs = m.scratch().resolve("round-" + round);
                List<Spawned> workload = new ArrayList<>();
                try {
                    for (int w = 0; w < WRITERS; w++) {
                        // Working in the mount: once it is dead, the loop's opens fail there, and
                        // it stays in it (exec sleep), through the recovery.
                        workload.add(Spawned.start(logs, "writer-" + w, List.of("bash", "-c", SHELL_WRITER, "writer",
                                versions, String.valueOf(round * WRITERS + w), busy.get(w % FILES),
                                String.valueOf(MIN_SIZE), String.valueOf(SHELL_MAX_SIZE), String.valueOf(CHUNK)),
                                m.dir()));
                    }
                    workload.add(Spawned.start(logs, "holder", List.of("bash", "-c",
                            "exec 3<" + busy.get(0) + " 9>" + HELD + "; exec sleep 600"), m.dir()));
                    // Kills land at different points of the writers' cycles.
                    Pause.of(150 + ThreadLocalRandom.current().nextInt(350));
                    Run.of(List.of("kill", "-KILL", Long.toString(pid))).ok();
                    Run recovered = Dxfs.mount(m.dir());
                    assertThat(recovered.exit()).as("round %d: dxfs mount right after the kill: %s", round, recovered)
                            .isZero();
                    assertThat(recovered.err().strip().lines().toList()).as("round %d: %s", round, recovered)
                            .hasSize(1).allMatch(line -> line.startsWith("dxfs: recovered a stale mount of " + m.dir()));
                    assertThat(Dxfs.daemonPid(m.dir())).as("round %d: a new daemon", round).isNotIn(-1L, pid);
                } finally {
                    workload.forEach(Spawned::kill);
                }
                assertThat(backing.stagedTempFiles()).as("round %d: temp files after the recovery", round).isEmpty();
                assertThat(names(m.dir(), true)).as("round %d: through the new mount", round)
                        .containsExactlyInAnyOrderElementsOf(concat(busy, HELD).stream()
                                .filter(name -> !name.equals(HELD) || Files.exists(backing.dir().resolve(HELD))).toList());
                for (String name : names(backing.dir(), false)) {
                    if (name.equals(HELD)) {
                        torn.add("round " + round + ": " + HELD + ", still open for writing at the kill, was published");
                        Files.delete(backing.dir().resolve(HELD));
                        continue;
                    }
                    Run check = Run.of(List.of(versions, "check", backing.dir().resolve(name).toString()));
                    if (check.exit() != 0) {
                        torn.add("round " + round + ": " + name + ": " + check.out().trim());
                    }
                }
                assertThat(names(backing.dir(), false)).as("round %d: the backing directory", round)
                        .containsExactlyInAnyOrderElementsOf(busy);
            }
            m.unmount();
            assertThat(names(backing.dir(), true)).as("the backing directory after the unmount")
                    .containsExactlyInAnyOrderElementsOf(busy);
        }
        System.out.printf("%d kills under shell-redirect writers, each recovered by dxfs mount, in %.1f s%n",
                KILL_ROUNDS, (System.nanoTime() - started) / 1e9);
        assertThat(torn).as("backing files that were not one complete version (an empty one is a shell's "
                + "truncation published at its first close)").isEmpty();
    }

    private static List<String> concat(List<String> names, String name) {
        List<String> all = new ArrayList<>(names);
        all.add(name);
        return all;
    }

    private static void writeOneVersion(String versions, Path file, int writer) {
        Run run = Run.of(List.of(versions, "write", file.toString(), String.valueOf(writer), "1",
                String.valueOf(MIN_SIZE), String.valueOf(MAX_SIZE), String.valueOf(CHUNK))).ok();
        assertThat(run.out().trim()).isEqualTo("writes 1 errors 0");
    }

    /** "ok id=ID len=LEN" of a file that is one complete version; fails otherwise. */
    private static String check(String versions, Path file) {
        Run run = Run.of(List.of(versions, "check", file.toString()));
        assertThat(run.exit()).as("%s is one complete version: %s", file, run.out()).isZero();
        return run.out().trim();
    }

    private static void assertEveryFileIsOneCompleteVersion(String versions, Path dir, Map<String, String> settled) {
        List<String> names = names(dir);
        assertThat(names).as("files in %s", dir).hasSize(2 * FILES);
        for (String name : names) {
            String verdict = check(versions, dir.resolve(name));
            if (settled.containsKey(name)) {
                assertThat(verdict).as("%s, published before the kill", name).isEqualTo(settled.get(name));
            }
        }
    }

    /** The names in {@code dir}, the staging directory excepted. */
    private static List<String> names(Path dir) {
        return names(dir, false);
    }

    /** The names in {@code dir}; the staging directory only if {@code all}. */
    private static List<String> names(Path dir, boolean all) {
        return Unchecked.call(() -> {
            try (Stream<Path> files = Files.list(dir)) {
                return files.map(file -> file.getFileName().toString()).filter(name -> all || !name.equals(".dxfs")).toList();
            }
        });
    }

    /**
     * Waits until a writer is mid-write, so that the kill cuts one off. Eight writers are seldom
     * all between a close and the next open at once, yet a single status taken on a loaded
     * machine once found none open: the writers are the scenario, not what is checked.
     */
    private static void awaitWritersMidWrite(MountedDir m) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long open;
        while ((open = m.statusField("openStagedWriters")) == 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(open).as("writers are mid-write at the kill").isPositive();
    }

    private static void awaitCommits(MountedDir m, long commits) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (m.statusField("commits") < commits && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(m.statusField("commits")).as("commits before the kill").isGreaterThanOrEqualTo(commits);
    }

    private static void touch(Path file) {
        Unchecked.run(() -> Files.writeString(file, ""));
    }
}
