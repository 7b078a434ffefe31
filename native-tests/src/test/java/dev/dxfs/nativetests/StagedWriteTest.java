package dev.dxfs.nativetests;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongPredicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What a staged write looks like from outside: each test holds descriptors open in an
 * {@code fsops shell} process while other processes (this JVM, cat, cp, another shell) look at
 * the same names through the mount.
 */
class StagedWriteTest {
    /** RELEASE reaches the daemon after close(2) has returned; counters it updates lag a little. */
    private static final Duration RELEASE_WAIT = Duration.ofSeconds(10);
    /** The version a killed writer must not replace. */
    private static final String WHOLE = "whole\n";

    @Test
    void filesInTheDirectoryShowThroughAndWrittenFilesStayAfterUnmount() throws IOException {
        try (MountedDir mounted = MountedDir.create("staged-passthrough")) {
            Path dir = mounted.dir();
            Files.writeString(dir.resolve("before.txt"), "written before the mount\n");
            Files.createDirectories(dir.resolve("sub"));
            Files.writeString(dir.resolve("sub/deep.txt"), "deep\n");
            Files.writeString(dir.resolve("replaced.txt"), "old\n");
            mounted.mount();

            assertThat(Files.readString(dir.resolve("before.txt"))).isEqualTo("written before the mount\n");
            assertThat(Files.readString(dir.resolve("sub/deep.txt"))).isEqualTo("deep\n");
            assertThat(names(dir)).contains("before.txt", "sub", "replaced.txt");
            assertThat(Run.of(List.of("cat", dir.resolve("sub/deep.txt").toString())).ok().out()).isEqualTo("deep\n");

            Files.writeString(dir.resolve("replaced.txt"), "new\n");
            Files.writeString(dir.resolve("made.txt"), "made through the mount\n");
            Files.createDirectories(dir.resolve("newdir/inner"));
            Files.writeString(dir.resolve("newdir/inner/file.txt"), "inner\n");
            Run.of(List.of("sh", "-c", "printf 'from a shell\\n' > '" + dir.resolve("sub/shell.txt") + "'")).ok();
            mounted.unmount();

            assertThat(Files.readString(dir.resolve("before.txt"))).isEqualTo("written before the mount\n");
            assertThat(Files.readString(dir.resolve("replaced.txt"))).isEqualTo("new\n");
            assertThat(Files.readString(dir.resolve("made.txt"))).isEqualTo("made through the mount\n");
            assertThat(Files.readString(dir.resolve("newdir/inner/file.txt"))).isEqualTo("inner\n");
            assertThat(Files.readString(dir.resolve("sub/shell.txt"))).isEqualTo("from a shell\n");
            assertThat(Files.readString(dir.resolve("sub/deep.txt"))).isEqualTo("deep\n");
        }
    }

    @Test
    void theStagingDirectoryIsHiddenAndLeftWithoutTempFiles() throws IOException {
        try (MountedDir mounted = MountedDir.create("staged-hidden")) {
            Path dir = mounted.dir();
            Files.writeString(dir.resolve("orphan.txt"), "published\n");
            mounted.mount();
            try (FsShell shell = FsShell.start()) {
                // Open writers of every kind, so that the staging directory holds temp files
                // while it is looked for.
                int pending = shell.open(dir.resolve("pending.txt"), "wronly|creat|trunc");
                shell.write(pending, "not yet published\n");
                int orphan = shell.open(dir.resolve("orphan.txt"), "wronly|trunc");
                shell.write(orphan, "discarded\n");
                int republished = shell.open(dir.resolve("twice.txt"), "wronly|creat|trunc");
                shell.write(republished, "one\n");
                int copy = shell.dup(republished);
                shell.close(republished);
                shell.write(copy, "two\n");

                Run ls = Run.of(List.of("ls", "-a", dir.toString())).ok();
                // A new file shows once its writer is done: twice.txt still has a descriptor open.
                assertThat(ls.out().lines()).contains(".", "..", "orphan.txt")
                        .doesNotContain(".dxfs", "twice.txt", "pending.txt");
                assertThat(names(dir)).doesNotContain(".dxfs");
                assertThat(shell.error("stat " + dir.resolve(".dxfs"))).isEqualTo("ENOENT");
                assertThat(shell.error("open " + dir.resolve(".dxfs") + " rdonly")).isEqualTo("ENOENT");
                assertThat(shell.error("stat " + dir.resolve(".dxfs/x"))).isEqualTo("ENOENT");
                assertThat(Files.exists(dir.resolve(".dxfs"))).isFalse();

                Files.delete(dir.resolve("orphan.txt"));
                shell.close(orphan);
                shell.close(copy);
                shell.close(pending);
            }
            mounted.unmount();

            Path staging = dir.resolve(".dxfs");
            if (Files.exists(staging)) {
                assertThat(names(staging)).as("files left in the backing %s", staging).isEmpty();
            }
            assertThat(Files.readString(dir.resolve("twice.txt"))).isEqualTo("one\ntwo\n");
            assertThat(Files.readString(dir.resolve("pending.txt"))).isEqualTo("not yet published\n");
            assertThat(Files.exists(dir.resolve("orphan.txt"))).isFalse();
        }
    }

    @Test
    void aFilesystemMountedInsideTheTreeStagesOnItself() throws IOException {
        try (MountedDir mounted = MountedDir.create("staged-other-fs")) {
            Path other = Files.createDirectories(mounted.dir().resolve("other"));
            Run.of(List.of("mount", "-t", "tmpfs", "-o", "size=16m", "dxfs-test", other.toString())).ok();
            try {
                Files.writeString(other.resolve("kept.txt"), "old content\n");
                mounted.mount();
                Files.writeString(other.resolve("new.txt"), "created\n");
                Files.writeString(other.resolve("kept.txt"), "rewritten\n");
                try (FsShell shell = FsShell.start()) {
                    int edit = shell.open(other.resolve("kept.txt"), "rdwr");
                    shell.pwrite(edit, 0, "R");
                    assertThat(names(other)).containsExactlyInAnyOrder("kept.txt", "new.txt");
                    assertThat(shell.error("stat " + other.resolve(".dxfs"))).isEqualTo("ENOENT");
                    assertThatThrownBy(() -> Files.createDirectory(other.resolve(".dxfs")))
                            .isInstanceOf(AccessDeniedException.class);
                    shell.close(edit);
                }
                assertThat(Files.readString(other.resolve("new.txt"))).isEqualTo("created\n");
                assertThat(Files.readString(other.resolve("kept.txt"))).isEqualTo("Rewritten\n");
                assertThat(mounted.statusField("commits")).isEqualTo(3);
                mounted.unmount();

                assertThat(other.resolve(".dxfs")).as("the other filesystem's staging directory, empty, is removed")
                        .doesNotExist();
                assertThat(Files.readString(other.resolve("kept.txt"))).isEqualTo("Rewritten\n");
            } finally {
                if (Dxfs.isMounted(mounted.dir())) {
                    Dxfs.run("unmount", "--force", mounted.dir().toString());
                }
                Run.of(List.of("umount", "-l", other.toString()));
            }
        }
    }

    /**
     * A writer killed mid-write (kill -9) publishes nothing: the kernel closes its files for it,
     * and a half-written file must not replace a whole one. A writer that exits without closing
     * its files has finished: the kernel's close is its own, and publishes.
     */
    @Test
    void aWriterKilledMidWritePublishesNothingAndOneThatExitsPublishes() throws Exception {
        try (MountedDir mounted = MountedDir.create("staged-killed")) {
            Path file = mountOverFile(mounted, "out.bin", WHOLE);
            signalMidWrite(file, "-KILL");
            awaitStatus(mounted, "openStagedWriters", open -> open == 0);
            assertThat(Files.readString(file)).as("the file after its writer was killed").isEqualTo(WHOLE);
            assertThat(mounted.statusField("discardedWrites")).isEqualTo(1);
            assertThat(mounted.statusField("commits")).isZero();

            try (FsShell exiting = FsShell.start()) {
                exiting.write(exiting.open(file, "wronly|trunc"), "complete\n");
                // Closing the shell ends the process normally, its file still open.
            }
            awaitStatus(mounted, "openStagedWriters", open -> open == 0);
            assertThat(Files.readString(file)).isEqualTo("complete\n");
            assertThat(mounted.statusField("commits")).isEqualTo(1);
        }
    }

    /**
     * How the writer's process ended decides, whatever it was doing then: a writer stopped
     * (SIGSTOP) and then killed publishes nothing, and neither does one whose process is killed
     * while another of its threads dumps core (its last thread's exit closes the file).
     */
    @Test
    void aWriterStoppedThenKilledOrKilledWhileItsProcessDumpsCorePublishesNothing() throws Exception {
        try (MountedDir mounted = MountedDir.create("staged-killed-stopped")) {
            Path file = mountOverFile(mounted, "out.bin", WHOLE);
            signalMidWrite(file, "-STOP", "-KILL");
            awaitStatus(mounted, "discardedWrites", count -> count == 1);

            Path cores = Files.createDirectories(mounted.scratch().resolve("cores"));
            Run dumped = Spawned.start(mounted.scratch(), "dumpingwriter",
                    List.of(NativePrograms.c("dumpingwriter").toString(), file.toString()), cores)
                    .await(Duration.ofSeconds(60));
            assertThat(dumped.exit()).as("SIGABRT: %s", dumped.err()).isEqualTo(128 + 6);
            awaitStatus(mounted, "discardedWrites", count -> count == 2);
            assertThat(Files.readString(file)).as("the file after both writers were killed").isEqualTo(WHOLE);
            assertThat(mounted.statusField("openStagedWriters")).isZero();
            assertThat(mounted.statusField("commits")).isZero();
        }
    }

    /** Writes {@code name} with {@code content} in the directory, then mounts over it; returns the file. */
    private static Path mountOverFile(MountedDir mounted, String name, String content) throws IOException {
        Path file = mounted.dir().resolve(name);
        Files.writeString(file, content);
        mounted.mount();
        return file;
    }

    /** Has a writer write half of a version of {@code file}, then sends it the signals in turn. */
    private static void signalMidWrite(Path file, String... signals) {
        FsShell writer = FsShell.start();
        writer.write(writer.open(file, "wronly|trunc"), "half of a ");
        for (String signal : signals) {
            Run.of(List.of("kill", signal, Long.toString(writer.pid()))).ok();
        }
        writer.close();
    }

    /**
     * A writer whose exec closes its file (O_CLOEXEC) publishes, without the exec waiting for the
     * daemon: the task that closes keeps its memory, so it is not asked whether a signal killed
     * it, which /proc/PID/stat would answer only after the exec (KilledWriters), 200 ms later.
     */
    @Test
    void aWriterWhoseExecClosesItsFilePublishesWithoutWaitingForTheQuestionOfAKilledWriter() throws Exception {
        try (MountedDir mounted = MountedDir.create("staged-exec-closed")) {
            Path file = mountOverFile(mounted, "out.txt", "old");
            for (int round = 1; round <= 5; round++) {
                String text = "version " + round;
                Run.of(List.of(NativePrograms.c("execwriter").toString(), file.toString(), text)).ok();
                long published = round;
                awaitStatus(mounted, "commits", commits -> commits == published);
                assertThat(Files.readString(file)).isEqualTo(text);
            }
            assertThat(Files.readString(mounted.log())).as("the daemon's log").doesNotContain("whether thread");
        }
    }

    /**
     * A writer whose file is chmod'ed and then unlinked sees through its descriptor what a native
     * one sees: the new mode, no link left, what it wrote.
     */
    @Test
    void aWritersDescriptorShowsAChmodOfItsFileMadeBeforeTheUnlink() throws IOException {
        try (MountedDir mounted = MountedDir.create("staged-chmod-unlink").mount()) {
            Path file = mounted.dir().resolve("edited.txt");
            Files.writeString(file, "old");
            try (FsShell writer = FsShell.start()) {
                int fd = writer.open(file, "wronly|creat");
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
                writer.pwrite(fd, 3, "hello");
                Files.delete(file);
                writer.write(fd, "more");

                FsShell.Stat stat = writer.fstat(fd);
                assertThat(Integer.toOctalString(stat.mode() & 07777)).isEqualTo("755");
                assertThat(stat.nlink()).isZero();
                assertThat(stat.size()).isEqualTo(8);
                writer.close(fd);
            }
            assertThat(Files.exists(file)).isFalse();
        }
    }

    @Test
    void anOpenWritersDataIsInvisibleUntilItCloses() throws IOException {
        try (MountedDir mounted = MountedDir.create("staged-invisible")) {
            Path file = mounted.dir().resolve("data.txt");
            String old = "old version line\n".repeat(1000);
            String fresh = "NEW VERSION LINE, LONGER\n".repeat(1500);
            Files.writeString(file, old);
            mounted.mount();
            try (FsShell writer = FsShell.start()) {
                int fd = writer.open(file, "wronly|trunc");
                writer.write(fd, fresh.substring(0, fresh.length() / 2));

                assertThat(Files.readString(file)).isEqualTo(old);
                assertThat(Run.of(List.of("cat", file.toString())).ok().out()).isEqualTo(old);
                assertThat(Files.size(file)).isEqualTo(old.length());

                writer.write(fd, fresh.substring(fresh.length() / 2));
                assertThat(Files.readString(file)).isEqualTo(old);

                writer.close(fd);
                assertThat(Files.readString(file)).isEqualTo(fresh);
                assertThat(Run.of(List.of("cat", file.toString())).ok().out()).isEqualTo(fresh);
            }
        }
    }

    /**
     * The kernel keeps names it looked up for a while; a publish replaces the file behind a name,
     * so the name must be forgotten before the writer's close returns: every process that looks
     * after the close finds the new version.
     */
    @Test
    void aNameLookedUpBeforeARewriteFindsTheNewVersionRightAfterTheClose() throws IOException {
        try (MountedDir mounted = MountedDir.create("staged-kept-name").mount()) {
            Path file = mounted.dir().resolve("sub/kept.txt");
            Files.createDirectories(file.getParent());
            Files.writeString(file, "version 0\n");
            for (int i = 1; i <= 30; i++) {
                assertThat(Run.of(List.of("cat", file.toString())).ok().out()).isEqualTo("version " + (i - 1) + "\n");
                String next = "version " + i + "\n" + "padding\n".repeat(i);
                Run.of(List.of("sh", "-c", "printf '%s' \"$1\" > \"$2\"", "sh", next, file.toString())).ok();

                assertThat(Run.of(List.of("cat", file.toString())).ok().out()).as("iteration %d", i).isEqualTo(next);
                assertThat(Files.size(file)).as("iteration %d", i).isEqualTo(next.length());
                Files.writeString(file, "version " + i + "\n");
            }
        }
    }

    @Test
    void anInPlaceEditIsInvisibleUntilCloseAndKeepsTheRestOfTheFile() throws IOException {
        try (MountedDir mounted = MountedDir.create("staged-edit")) {
            Path file = mounted.dir().resolve("blocks.txt");
            String original = "a".repeat(4096) + "b".repeat(4096) + "c".repeat(4096);
            Files.writeString(file, original);
            mounted.mount();
            try (FsShell editor = FsShell.start()) {
                int fd = editor.open(file, "rdwr");
                editor.pwrite(fd, 5000, "EDITED");
                assertThat(new String(editor.pread(fd, 4990, 20), UTF_8)).isEqualTo("bbbbbbbbbbEDITEDbbbb");

                assertThat(Files.readString(file)).isEqualTo(original);

                editor.close(fd);
                String edited = original.substring(0, 5000) + "EDITED" + original.substring(5006);
                assertThat(Files.readString(file)).isEqualTo(edited);
            }
        }
    }

    @Test
    void aReaderKeepsReadingTheVersionItOpened() throws IOException {
        try (MountedDir mounted = MountedDir.create("staged-reader")) {
            Path file = mounted.dir().resolve("versioned.txt");
            byte[] old = numberedLines("old", 30_000);
            byte[] replacement = numberedLines("replacement", 5_000);
            Files.write(file, old);
            mounted.mount();
            try (FsShell reader = FsShell.start()) {
                int fd = reader.open(file, "rdonly");
                byte[] head = reader.read(fd, 1000);
                assertThat(head).isNotEmpty();
                assertThat(Arrays.mismatch(head, Arrays.copyOf(old, head.length))).as("first differing byte").isEqualTo(-1);

                Files.write(file, replacement);
                assertThat(Arrays.mismatch(Files.readAllBytes(file), replacement))
                        .as("first byte where a new reader differs from the replacement").isEqualTo(-1);

                byte[] rest = reader.readAll(fd);
                byte[] whole = concat(head, rest);
                assertThat(whole.length).isEqualTo(old.length);
                assertThat(Arrays.mismatch(whole, old)).as("first byte where the old reader differs from the old version")
                        .isEqualTo(-1);
                reader.close(fd);
            }
        }
    }

    @Test
    void concurrentAppendsAllLand() throws IOException {
        int appenders = 4;
        int lines = 500;
        try (MountedDir mounted = MountedDir.create("staged-append")) {
            Path log = mounted.dir().resolve("app.log");
            Files.writeString(log, "start\n");
            mounted.mount();
            String fsops = NativePrograms.c("fsops").toString();
            List<Spawned> running = new ArrayList<>();
            try {
                for (int p = 0; p < appenders; p++) {
                    running.add(Spawned.start(mounted.scratch(), "appender-" + p,
                            List.of(fsops, "append", log.toString(), "p" + p, String.valueOf(lines))));
                }
                for (Spawned appender : running) {
                    assertThat(appender.await(Duration.ofMinutes(2)).ok().out().trim())
                            .isEqualTo("appended " + lines + " errors 0");
                }
            } finally {
                running.forEach(Spawned::kill);
            }

            List<String> content = Files.readAllLines(log);
            assertThat(content).hasSize(1 + appenders * lines);
            assertThat(content.get(0)).isEqualTo("start");
            Set<String> expected = new HashSet<>();
            for (int p = 0; p < appenders; p++) {
                for (int i = 0; i < lines; i++) {
                    expected.add("p" + p + " " + i);
                }
            }
            assertThat(new HashSet<>(content.subList(1, content.size()))).isEqualTo(expected);
        }
    }

    @Test
    void aWriterSeesItsOwnSizeAndDataThroughItsDescriptor() throws IOException {
        try (MountedDir mounted = MountedDir.create("staged-own-view")) {
            mounted.mount();
            Path file = mounted.dir().resolve("growing.bin");
            byte[] first = numberedLines("first", 800);
            byte[] second = numberedLines("second", 300);
            try (FsShell writer = FsShell.start()) {
                int fd = writer.open(file, "rdwr|creat|trunc");
                writer.write(fd, first);
                assertThat(writer.fstat(fd).size()).isEqualTo(first.length);
                assertThat(writer.stat(file).size()).as("stat by name in the writing process").isEqualTo(first.length);
                assertThat(writer.pread(fd, 0, first.length)).isEqualTo(first);
                // Everyone else still sees the published state: no file yet.
                assertThat(Files.exists(file)).isFalse();

                writer.write(fd, second);
                assertThat(writer.fstat(fd).size()).isEqualTo(first.length + second.length);
                assertThat(writer.pread(fd, first.length, second.length)).isEqualTo(second);

                writer.close(fd);
            }
            assertThat(Files.readAllBytes(file)).isEqualTo(concat(first, second));
        }
    }

    /**
     * A write ends at the last close of its open file: closing one of two descriptors (a dup, as a
     * shell's redirection makes) publishes nothing, and the file stays the previous version until
     * the other is closed too.
     */
    @Test
    void aDupedDescriptorPublishesOnlyAtTheLastClose() throws IOException {
        try (MountedDir mounted = MountedDir.create("staged-dup")) {
            Path file = mountOverFile(mounted, "dup.txt", "previous version\n");
            try (FsShell writer = FsShell.start()) {
                int fd = writer.open(file, "wronly|creat|trunc");
                writer.write(fd, "first version\n");
                int copy = writer.dup(fd);
                writer.close(fd);
                assertThat(Files.readString(file)).as("after the close of the original")
                        .isEqualTo("previous version\n");

                try (FsShell reader = FsShell.start()) {
                    int readerFd = reader.open(file, "rdonly");
                    for (int i = 0; i < 3; i++) {
                        writer.write(copy, "later write " + i + "\n");
                        assertThat(Files.readString(file)).as("after later write %d", i)
                                .isEqualTo("previous version\n");
                    }
                    writer.close(copy);
                    assertThat(new String(reader.readAll(readerFd), UTF_8))
                            .as("a reader that opened the previous version").isEqualTo("previous version\n");
                }
                assertThat(Files.readString(file)).as("after the last close")
                        .isEqualTo("first version\nlater write 0\nlater write 1\nlater write 2\n");
            }
        }
    }

    /**
     * Natively a write never changes a file's inode number, and programs rely on it: SQLite checks
     * at each transaction that its path still names the inode it opened.
     */
    @Test
    void aFileKeepsItsInodeNumberWhileItsWriterWritesIt() throws IOException {
        try (MountedDir mounted = MountedDir.create("staged-inode")) {
            Path edited = mounted.dir().resolve("edited.db");
            Path rewritten = mounted.dir().resolve("rewritten.txt");
            Files.writeString(edited, "version one\n");
            Files.writeString(rewritten, "version one\n");
            mounted.mount();
            try (FsShell shell = FsShell.start()) {
                long editedIno = shell.stat(edited).ino();
                long rewrittenIno = shell.stat(rewritten).ino();
                int edit = shell.open(edited, "rdwr");
                int rewrite = shell.open(rewritten, "wronly|trunc");
                assertThat(shell.fstat(edit).ino()).as("an in-place edit, opened").isEqualTo(editedIno);
                shell.pwrite(edit, 0, "V");
                shell.write(rewrite, "version two\n");
                assertThat(shell.fstat(edit).ino()).as("an in-place edit, written").isEqualTo(editedIno);
                assertThat(shell.stat(edited).ino()).as("its name, to its writer").isEqualTo(editedIno);
                assertThat(shell.fstat(rewrite).ino()).as("a rewrite, written").isEqualTo(rewrittenIno);
                assertThat(shell.stat(rewritten).ino()).as("its name, to its writer").isEqualTo(rewrittenIno);
                shell.close(edit);
                shell.close(rewrite);
            }
            assertThat(Files.readString(edited)).isEqualTo("Version one\n");
            assertThat(Files.readString(rewritten)).isEqualTo("version two\n");
        }
    }

    @Test
    void aNewFileGetsItsCreateMode() throws IOException {
        try (MountedDir mounted = MountedDir.create("staged-create-mode")) {
            mounted.mount();
            Path file = mounted.dir().resolve("created.sh");
            try (FsShell shell = FsShell.start()) {
                shell.umask(0);
                int fd = shell.open(file, "wronly|creat|excl", 0750);
                shell.write(fd, "#!/bin/sh\necho created\n");
                shell.close(fd);
                assertThat(shell.stat(file).mode()).isEqualTo(0750);
            }
            assertThat(mode(file)).isEqualTo(0750);
            mounted.unmount();
            assertThat(mode(file)).as("in the directory after unmount").isEqualTo(0750);
        }
    }

    @Test
    void aWriterSeesTheModeItWillPublishAfterAChmodOfTheFileBeforeItsFirstWrite() throws IOException {
        try (MountedDir mounted = MountedDir.create("staged-mode-view")) {
            mounted.mount();
            Path file = mounted.dir().resolve("lock.txt");
            try (FsShell shell = FsShell.start()) {
                int fd = shell.open(file, "rdwr|creat", 0755);
                Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
                shell.write(fd, "edited\n");
                assertThat(shell.fstat(fd).mode()).as("the writer's fstat").isEqualTo(0640);
                shell.close(fd);
            }
            assertThat(mode(file)).isEqualTo(0640);
        }
    }

    @Test
    void aTruncatingRewriteKeepsTheModeOfTheReplacedFile() throws IOException {
        try (MountedDir mounted = MountedDir.create("staged-keep-mode")) {
            Path file = mounted.dir().resolve("kept.txt");
            Files.writeString(file, "original\n");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr--"));
            mounted.mount();
            try (FsShell shell = FsShell.start()) {
                shell.umask(0);
                int fd = shell.open(file, "wronly|creat|trunc", 0600);
                shell.write(fd, "rewritten\n");
                shell.close(fd);
            }
            assertThat(Files.readString(file)).isEqualTo("rewritten\n");
            assertThat(mode(file)).isEqualTo(0754);
        }
    }

    @Test
    void cpOfAnExecutableToANewNameKeepsItExecutable() throws IOException {
        try (MountedDir mounted = MountedDir.create("staged-cp-exec")) {
            Path tool = mounted.dir().resolve("tool");
            Files.copy(Path.of("/bin/echo"), tool);
            Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
            mounted.mount();
            Path copy = mounted.dir().resolve("tool-copy");
            Run.of(List.of("cp", tool.toString(), copy.toString())).ok();

            assertThat(mode(copy) & 0100).as("owner execute bit of %o", mode(copy)).isEqualTo(0100);
            assertThat(Files.isExecutable(copy)).isTrue();
            assertThat(Run.of(List.of(copy.toString(), "copied", "tool", "runs")).ok().out())
                    .isEqualTo("copied tool runs\n");
        }
    }

    @Test
    void aFileUnlinkedWhileOpenForWritingIsNeverPublished() throws IOException {
        try (MountedDir mounted = MountedDir.create("staged-unlinked")) {
            Path file = mountOverFile(mounted, "doomed.txt", "published\n");
            long discardedBefore = mounted.statusField("discardedWrites");
            try (FsShell writer = FsShell.start()) {
                int fd = writer.open(file, "wronly|trunc");
                writer.write(fd, "never published\n");
                Files.delete(file);
                assertThat(Files.exists(file)).isFalse();
                // The name is gone for the writer too: its descriptor no longer has a name.
                assertThat(writer.error("stat " + file)).as("stat by name in the writing process").isEqualTo("ENOENT");

                // Natively, writes to an unlinked file still succeed (and vanish), and the writer's
                // descriptor shows what it wrote (the tmpfile() pattern: create, unlink, use).
                writer.write(fd, "still writable\n");
                FsShell.Stat own = writer.fstat(fd);
                assertThat(own.size()).as("fstat of the unlinked file").isEqualTo("never published\nstill writable\n".length());
                assertThat(own.nlink()).as("links of the unlinked file").isZero();
                writer.close(fd);
                assertThat(writer.error("stat " + file)).isEqualTo("ENOENT");
            }
            assertThat(Files.exists(file)).isFalse();
            assertThat(names(mounted.dir())).doesNotContain("doomed.txt");
            awaitStatus(mounted, "discardedWrites", count -> count > discardedBefore);
            mounted.unmount();
            assertThat(Files.exists(file)).as("in the directory after unmount").isFalse();
        }
    }

    @Test
    void statusCountsCommitsAndConcurrentCommits() throws IOException {
        try (MountedDir mounted = MountedDir.create("staged-status")) {
            mounted.mount();
            Path file = mounted.dir().resolve("contended.txt");
            long commitsBefore = mounted.statusField("commits");
            Files.writeString(file, "base\n");
            long commitsAfterFirst = mounted.statusField("commits");
            assertThat(commitsAfterFirst).isGreaterThan(commitsBefore);
            long concurrentBefore = mounted.statusField("concurrentCommits");

            try (FsShell a = FsShell.start(); FsShell b = FsShell.start()) {
                int fa = a.open(file, "wronly|trunc");
                int fb = b.open(file, "wronly|trunc");
                assertThat(mounted.statusField("openStagedWriters")).isEqualTo(2);
                a.write(fa, "from A\n");
                b.write(fb, "from B\n");
                a.close(fa);
                assertThat(Files.readString(file)).isEqualTo("from A\n");
                b.close(fb);
                assertThat(Files.readString(file)).as("the last close wins").isEqualTo("from B\n");
            }
            assertThat(mounted.statusField("commits")).isGreaterThanOrEqualTo(commitsAfterFirst + 2);
            assertThat(mounted.statusField("concurrentCommits")).isGreaterThan(concurrentBefore);
            assertThat(mounted.statusField("errors")).isZero();
        }
    }

    // ---- helpers

    /**
     * A new file's publish renames it into its directory behind the kernel's back: the kernel must
     * forget the directory's times it kept from before (a rewrite's publish need not: natively a
     * rewrite leaves its directory alone). The directory is stat'ed from within, as a process
     * working there does, so that no lookup of it brings fresh attributes by chance.
     */
    @Test
    void aDirectoryShowsTheTimesOfANewFilesPublishAtOnce() {
        try (MountedDir mounted = MountedDir.create("staged-dir-times"); BackingView backing = BackingView.of(mounted.dir())) {
            mounted.mount();
            Path dir = mounted.dir().resolve("d");
            Run.of(List.of("mkdir", dir.toString())).ok();
            try (FsShell shell = FsShell.start()) {
                int fd = shell.open(dir.resolve("new.txt"), "wronly|creat|trunc");
                shell.write(fd, "new\n");
                // The kernel keeps the directory's times as they are before the publish...
                String before = modified(dir);
                // ...and the publish comes late enough to change them.
                Pause.of(50);
                shell.close(fd);
                // The publish follows the close: a directory's kept times are not waited for.
                awaitStatus(mounted, "commits", commits -> commits == 1);
                String after = modified(dir);
                assertThat(after).as("the directory's modification time through the mount after the publish")
                        .isNotEqualTo(before)
                        .isEqualTo(Run.of(List.of("stat", "-c", "%y", backing.dir().resolve("d").toString())).ok()
                                .out().trim());
            }
        }
    }

    /** The modification time of {@code dir} as a process working in it sees it. */
    private static String modified(Path dir) {
        return Run.of(List.of("stat", "-c", "%y", "."), dir, Map.of(), RELEASE_WAIT).ok().out().trim();
    }

    private static Set<String> names(Path dir) {
        return Unchecked.call(() -> {
            try (Stream<Path> list = Files.list(dir)) {
                return list.map(path -> path.getFileName().toString()).collect(Collectors.toSet());
            }
        });
    }

    private static int mode(Path file) throws IOException {
        return (Integer) Files.getAttribute(file, "unix:mode") & 07777;
    }

    private static byte[] numberedLines(String tag, int count) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < count; i++) {
            text.append(tag).append(' ').append(String.format("%06d", i)).append('\n');
        }
        return text.toString().getBytes(UTF_8);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    /** Waits for a counter that the asynchronous RELEASE updates; fails with the status if it never does. */
    private static void awaitStatus(MountedDir mounted, String field, LongPredicate condition) {
        long deadline = System.nanoTime() + RELEASE_WAIT.toNanos();
        while (!condition.test(mounted.statusField(field))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(field + " never changed as expected: " + mounted.status());
            }
            Pause.of(100);
        }
    }
}
