package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Mounting, unmounting, signals, stale mounts and bad input, through ./dxfs as a user runs it. */
class MountLifecycleTest {

    @Test
    void mountsInPlaceShowingExistingFilesAndKeepsWhatWasWrittenAfterUnmount() throws Exception {
        try (MountedDir m = MountedDir.create("inplace")) {
            Files.writeString(m.dir().resolve("before.txt"), "from before");
            m.mount();
            assertThat(Files.readString(m.dir().resolve("before.txt"))).isEqualTo("from before");
            Files.writeString(m.dir().resolve("during.txt"), "written through the mount");
            m.unmount();
            assertThat(Files.readString(m.dir().resolve("during.txt"))).isEqualTo("written through the mount");
            assertThat(Files.readString(m.dir().resolve("before.txt"))).isEqualTo("from before");
            assertThat(names(m.dir())).as("only what was written: the empty staging directory is removed")
                    .containsExactlyInAnyOrder("before.txt", "during.txt");
        }
    }

    @Test
    void aStagingDirectoryThatHoldsSomethingStaysAfterTheUnmount() throws Exception {
        try (MountedDir m = MountedDir.create("staging-kept"); BackingView backing = BackingView.of(m.dir())) {
            m.mount();
            // A temp file of a JVM with the agent, which is alive (this one), in the daemon's
            // staging directory, which it shares: nobody may remove it.
            String agentTemp = "agent." + ProcessHandle.current().pid() + ".1a2b.1.tmp";
            Files.writeString(backing.dir().resolve(".dxfs").resolve(agentTemp), "being written by another JVM");
            Files.writeString(m.dir().resolve("during.txt"), "written through the mount");
            m.unmount();
            assertThat(Files.readString(m.dir().resolve(".dxfs").resolve(agentTemp)))
                    .isEqualTo("being written by another JVM");
            assertThat(names(m.dir())).containsExactlyInAnyOrder(".dxfs", "during.txt");
        }
    }

    @Test
    void refusesToMountOverALiveMount() throws Exception {
        try (MountedDir m = MountedDir.create("twice")) {
            m.mount();
            Run second = Dxfs.run("mount", m.dir().toString());
            second.failsWithOneLine("already a dxfs mount");
            assertThat(Dxfs.mountCount(m.dir())).isEqualTo(1);
        }
    }

    @Test
    void refusesMissingPathsFilesAndBadGlobsLeavingNothingMounted() throws Exception {
        try (MountedDir m = MountedDir.create("bad")) {
            Path missing = m.dir().resolve("missing");
            Dxfs.run("mount", missing.toString()).failsWithOneLine("does not exist");
            Path file = Files.writeString(m.dir().resolve("file"), "x");
            Dxfs.run("mount", file.toString()).failsWithOneLine("not a directory");
            Dxfs.run("mount", "--include", "[", m.dir().toString()).failsWithOneLine("invalid glob");
            Dxfs.run("unmount", m.dir().toString()).failsWithOneLine("is not mounted");
            assertThat(Dxfs.mountType(missing)).isNull();
            assertThat(Dxfs.mountType(file)).isNull();
            assertThat(Dxfs.mountType(m.dir())).isNull();
        }
    }

    @Test
    void saysWhatIsMissingWhenFuseToolsAreNotInstalled() {
        try (MountedDir m = MountedDir.create("nofuse")) {
            Path jar = Dxfs.LAUNCHER.getParent().resolve("fuse-mount/target/dxfs.jar");
            Run run = Run.of(List.of(javaBinary(), "-jar", jar.toString(), "mount", m.dir().toString()), null,
                    Map.of("PATH", "/nonexistent"), Duration.ofMinutes(1));
            run.failsWithOneLine("fusermount is missing: apt-get install fuse libfuse2");
            assertThat(Dxfs.mountType(m.dir())).isNull();
        }
    }

    @Test
    void busyMountIsNotUnmountedUntilForced() throws Exception {
        try (MountedDir m = MountedDir.create("busy")) {
            m.mount();
            Process inside = new ProcessBuilder("sleep", "60").directory(m.dir().toFile()).start();
            try {
                Dxfs.run("unmount", m.dir().toString()).failsWithOneLine("is busy");
                assertThat(Dxfs.isMounted(m.dir())).isTrue();
                Dxfs.run("unmount", "--force", m.dir().toString()).ok();
                assertThat(Dxfs.mountType(m.dir())).isNull();
            } finally {
                inside.destroyForcibly().waitFor();
            }
        }
    }

    @Test
    void aStaleMountOfAKilledDaemonIsRecoveredByMount() throws Exception {
        try (MountedDir m = MountedDir.create("stale")) {
            m.mount();
            Files.writeString(m.dir().resolve("kept.txt"), "committed before the kill");
            long pid = m.statusField("pid");
            killDaemon(m, "KILL");
            assertThat(Dxfs.mountType(m.dir())).as("the kernel keeps the dead mount").isEqualTo("fuse.dxfs");
            Run status = Dxfs.run("status", m.dir().toString());
            assertThat(status.exit()).as("status of a stale mount: %s", status).isEqualTo(1);
            assertThat(status.out().trim()).isEqualTo("{\"mountpoint\":\"" + m.dir() + "\",\"mounted\":false,\"stale\":true}");
            status.failsWithOneLine(m.dir() + " is a stale mount, its daemon (pid " + pid + ") is gone: recover it "
                    + "with dxfs mount " + m.dir());

            assertRecoveredByMount(m);
            assertThat(Dxfs.mountCount(m.dir())).isEqualTo(1);
            assertThat(Files.readString(m.dir().resolve("kept.txt"))).isEqualTo("committed before the kill");
            m.unmount();
            assertThat(names(m.dir())).containsExactly("kept.txt");
        }
    }

    /**
     * The kernel answers a stat of a FUSE mount's root from its attribute cache, without the
     * daemon, for up to a second after the last answer: a stat right after the kill succeeds. A
     * mount right after the kill used to take the dead mount for a live one ("already a dxfs
     * mount") whenever its own stat came within that second.
     */
    @Test
    void aMountRightAfterTheKillRecoversWhileTheKernelStillAnswersFromItsCache() throws Exception {
        try (MountedDir m = MountedDir.create("stale-cached")) {
            m.mount();
            long pid = m.statusField("pid");
            // Past the attributes the status kept, so that this stat asks the daemon again.
            Pause.of(1100);
            Files.readAttributes(m.dir(), BasicFileAttributes.class);
            ProcessHandle daemon = ProcessHandle.of(pid).orElseThrow();
            Run.of(List.of("kill", "-KILL", Long.toString(pid))).ok();
            Run recovered = Dxfs.run("mount", m.dir().toString());
            assertThat(recovered.exit()).as("%s", recovered).isZero();
            assertThat(recovered.err()).isEqualTo("dxfs: recovered a stale mount of " + m.dir() + ": its daemon (pid "
                    + pid + ") is gone\n");
            assertThat(Dxfs.mountCount(m.dir())).isEqualTo(1);
            daemon.onExit().get(15, TimeUnit.SECONDS);
        }
    }

    /**
     * A connection whose /dev/fuse descriptor another process still holds outlives the daemon:
     * the kill does not close it, and its requests wait instead of failing with ENOTCONN. The
     * daemon is gone all the same: status says so at once, and a mount recovers (it used to hang).
     */
    @Test
    void aStaleMountWhoseConnectionAnotherProcessHoldsIsRecovered() throws Exception {
        try (MountedDir m = MountedDir.create("stale-held")) {
            m.mount();
            long pid = m.statusField("pid");
            Spawned holder = Spawned.start(m.scratch(), "holdfd",
                    List.of(NativePrograms.c("holdfd").toString(), Long.toString(pid)));
            try {
                awaitOutput(m.scratch().resolve("holdfd.out"), "held");
                killDaemon(m, "KILL");
                Run status = Dxfs.run(Duration.ofSeconds(30), "status", m.dir().toString());
                assertThat(status.exit()).as("%s", status).isEqualTo(1);
                assertThat(status.out()).contains("\"stale\":true");
                Run recovered = Dxfs.run(Duration.ofSeconds(30), "mount", m.dir().toString());
                assertThat(recovered.exit()).as("%s", recovered).isZero();
                assertThat(recovered.err()).startsWith("dxfs: recovered a stale mount of " + m.dir());
                Files.writeString(m.dir().resolve("after.txt"), "through the new mount");
                m.unmount();
                assertThat(names(m.dir())).containsExactly("after.txt");
            } finally {
                holder.kill();
            }
        }
    }

    /**
     * A daemon that stops answering (SIGSTOP) while a mount waits for its answer, then is killed:
     * the request that was waiting fails with ECONNABORTED, or the daemon is seen gone first;
     * either way the mount recovers.
     */
    @Test
    void aDaemonKilledWhileMountWaitsForItsAnswerIsRecovered() throws Exception {
        try (MountedDir m = MountedDir.create("stale-aborted")) {
            m.mount();
            long pid = m.statusField("pid");
            Run.of(List.of("kill", "-STOP", Long.toString(pid))).ok();
            Spawned mount = Spawned.start(m.scratch(), "mount", List.of(Dxfs.LAUNCHER.toString(), "mount", m.dir().toString()));
            try {
                Pause.of(2000);
                killDaemon(m, pid, "KILL");
                Run recovered = mount.await(Duration.ofSeconds(60));
                assertThat(recovered.exit()).as("%s", recovered).isZero();
                assertThat(recovered.err()).startsWith("dxfs: recovered a stale mount of " + m.dir() + ": its daemon");
                assertThat(Dxfs.mountCount(m.dir())).isEqualTo(1);
            } finally {
                mount.kill();
                // Never leave the daemon stopped, whatever failed.
                Run.of(List.of("kill", "-KILL", Long.toString(pid)));
            }
        }
    }

    @Test
    void aStaleMountIsClearedByForcedUnmount() throws Exception {
        try (MountedDir m = MountedDir.create("stale-force")) {
            m.mount();
            Files.writeString(m.dir().resolve("kept.txt"), "committed before the kill");
            killDaemon(m, "KILL");
            Run cleared = Dxfs.run("unmount", "--force", m.dir().toString()).ok();
            assertThat(cleared.err()).startsWith("dxfs: cleared a stale mount of " + m.dir() + ": its daemon");
            assertThat(Dxfs.mountType(m.dir())).isNull();
            assertThat(names(m.dir())).as("the dead daemon's empty staging directory is removed").containsExactly("kept.txt");
        }
    }

    @Test
    void aStaleMountIsClearedByUnmount() throws Exception {
        try (MountedDir m = MountedDir.create("stale-unmount")) {
            m.mount();
            killDaemon(m, "KILL");
            Run cleared = Dxfs.run("unmount", m.dir().toString()).ok();
            assertThat(cleared.err()).startsWith("dxfs: cleared a stale mount of " + m.dir() + ": its daemon");
            assertThat(Dxfs.mountType(m.dir())).isNull();
            assertThat(names(m.dir())).isEmpty();
        }
    }

    @Test
    void sigtermAndSigintUnmountCleanlyAndDiscardOpenWrites() throws Exception {
        for (String signal : List.of("TERM", "INT")) {
            try (MountedDir m = MountedDir.create("signal-" + signal)) {
                m.mount();
                Files.writeString(m.dir().resolve("done.txt"), "complete");
                // No write through a copy of fd 3: closing a copy is a close, and would publish.
                Process writer = new ProcessBuilder("sh", "-c", "exec 3>open.txt; exec sleep 60")
                        .directory(m.dir().toFile()).start();
                m.awaitOpenStagedWriters(1);
                killDaemon(m, signal);
                assertThat(Dxfs.mountType(m.dir())).as("unmounted on SIG%s", signal).isNull();
                writer.destroyForcibly().waitFor();
                assertThat(Files.readString(m.dir().resolve("done.txt"))).isEqualTo("complete");
                assertThat(m.dir().resolve("open.txt")).as("an open write is discarded").doesNotExist();
                assertThat(m.dir().resolve(".dxfs")).as("no temp file is left, nor the staging directory").doesNotExist();
            }
        }
    }

    @Test
    void fusermountFromOutsideStopsTheDaemon() throws Exception {
        try (MountedDir m = MountedDir.create("fusermount")) {
            m.mount();
            long pid = m.statusField("pid");
            Run.of(List.of("fusermount", "-u", m.dir().toString())).ok();
            ProcessHandle daemon = ProcessHandle.of(pid).orElseThrow();
            daemon.onExit().get(15, TimeUnit.SECONDS);
            assertThat(Dxfs.mountType(m.dir())).isNull();
        }
    }

    @Test
    void runMountsRunsTheCommandInsideAndUnmountsWithItsStatus() throws Exception {
        try (MountedDir m = MountedDir.create("run")) {
            Run run = Dxfs.run("run", m.dir().toString(), "--", "sh", "-c",
                    "echo inside > \"$0\"/made.txt; grep -q fuse.dxfs /proc/self/mountinfo; exit 3", m.dir().toString());
            assertThat(run.exit()).as(run.toString()).isEqualTo(3);
            assertThat(Dxfs.mountType(m.dir())).isNull();
            assertThat(Files.readString(m.dir().resolve("made.txt"))).isEqualTo("inside\n");
        }
    }

    @Test
    void runUnmountsWhenInterrupted() throws Exception {
        try (MountedDir m = MountedDir.create("run-int")) {
            Process run = new ProcessBuilder(Dxfs.LAUNCHER.toString(), "run", m.dir().toString(), "--", "sleep", "60")
                    .redirectErrorStream(true).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Dxfs.isMounted(m.dir()) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(Dxfs.isMounted(m.dir())).isTrue();
            Run.of(List.of("kill", "-INT", Long.toString(run.pid()))).ok();
            assertThat(run.waitFor(30, TimeUnit.SECONDS)).as("dxfs run exits").isTrue();
            assertThat(run.exitValue()).isNotZero();
            assertThat(Dxfs.mountType(m.dir())).isNull();
        }
    }

    /**
     * Ctrl-C at a {@code dxfs mount} that has not answered yet leaves no mount. The terminal
     * signals the launcher's process group; the mount's JVM runs in a session of its own, so it
     * finds at its answer that nobody waits for it, and unmounts.
     */
    @Test
    void aMountInterruptedBeforeItAnswersLeavesNoMount() throws Exception {
        try (MountedDir m = MountedDir.create("mount-int")) {
            // setsid: the launcher leads a process group of its own, as a shell's foreground job does.
            List<String> command = new ArrayList<>(List.of("setsid"));
            command.addAll(Dxfs.mountCommand(m.dir(), Dxfs.TRANSPORT));
            Process launcher = new ProcessBuilder(command).redirectErrorStream(true).start();
            ProcessHandle jvm = awaitMountJvm(m.dir());
            try {
                assertThat(Dxfs.isMounted(m.dir())).as("mounted before the launcher was interrupted").isFalse();
                Run.of(List.of("kill", "-INT", "--", "-" + launcher.pid())).ok();
                assertThat(launcher.waitFor(30, TimeUnit.SECONDS)).as("the launcher exits").isTrue();
                assertThat(launcher.exitValue()).isNotZero();
                jvm.onExit().get(60, TimeUnit.SECONDS);
                assertThat(Dxfs.mountType(m.dir())).as("the mount after the interrupted dxfs mount").isNull();
            } finally {
                jvm.destroyForcibly();
            }
        }
    }

    /** The JVM of a {@code dxfs mount} of {@code dir}, as soon as it runs. */
    private static ProcessHandle awaitMountJvm(Path dir) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            var found = ProcessHandle.allProcesses()
                    .filter(process -> process.info().commandLine()
                            .filter(line -> line.contains("dxfs.own-session") && line.endsWith(" " + dir)).isPresent())
                    .findFirst();
            if (found.isPresent()) {
                return found.get();
            }
            Pause.of(5);
        }
        throw new AssertionError("no JVM of dxfs mount " + dir + " started");
    }

    @Test
    void statusReportsBothStates() {
        try (MountedDir m = MountedDir.create("status")) {
            assertThat(m.status()).isEqualTo("{\"mountpoint\":\"" + m.dir() + "\",\"mounted\":false}");
            m.mount();
            assertThat(m.status()).contains("\"mounted\":true").contains("\"openStagedWriters\":0")
                    .contains("\"commits\":0").contains("\"concurrentCommits\":0").contains("\"execProtectedNodes\":0")
                    .contains("\"bytesStaged\":0").contains("\"errors\":0");
        }
    }

    /** A mount that names no transport is on the kernel transport, and the status says which one a mount is on. */
    @Test
    void statusNamesTheTransportWhichIsTheKernelsUnlessAskedOtherwise() {
        try (MountedDir m = MountedDir.create("status-transport")) {
            Dxfs.run("mount", m.dir().toString()).ok();
            assertThat(m.status()).contains("\"transport\":\"kernel\"");
            m.unmount();
            m.mountWith("libfuse");
            assertThat(m.status()).contains("\"transport\":\"libfuse\"");
        }
    }

    private static void killDaemon(MountedDir m, String signal) throws Exception {
        killDaemon(m, m.statusField("pid"), signal);
    }

    private static void killDaemon(MountedDir m, long pid, String signal) throws Exception {
        ProcessHandle daemon = ProcessHandle.of(pid).orElseThrow();
        Run.of(List.of("kill", "-" + signal, Long.toString(pid))).ok();
        daemon.onExit().get(15, TimeUnit.SECONDS);
    }

    private static void assertRecoveredByMount(MountedDir m) {
        Run again = Dxfs.run("mount", m.dir().toString()).ok();
        assertThat(again.err().strip().lines().toList()).as("%s", again).hasSize(1)
                .allMatch(line -> line.startsWith("dxfs: recovered a stale mount of " + m.dir() + ": its daemon"));
        assertThat(again.out().trim()).isEqualTo("dxfs: mounted over " + m.dir());
    }

    private static List<String> names(Path dir) throws Exception {
        try (var list = Files.list(dir)) {
            return list.map(path -> path.getFileName().toString()).toList();
        }
    }

    private static void awaitOutput(Path file, String line) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try {
                if (Files.readAllLines(file).contains(line)) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // Not written yet.
            }
            Pause.of(20);
        }
        throw new AssertionError(file + " never said " + line);
    }


    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
