package dev.dxfs.nativetests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * open(O_TMPFILE) through the mount: a file without a name, which a link may name once it is
 * complete (the atomic-create idiom), each step compared with the same step in a plain directory
 * beside the mount. The kernel transport carries it (FUSE_TMPFILE); libfuse 2's protocol has no
 * room for it, and the kernel fails the open there with EOPNOTSUPP.
 */
class TmpfileTest {
    /**
     * Written, linked by /proc/self/fd and by AT_EMPTY_PATH, written after its link; a link onto
     * a name that exists, a link of an O_EXCL one, and one never linked, truncated and chmodded.
     */
    private static final List<String> AS_ROOT = List.of("umask 022", "open {d} tmpfile|rdwr 0666",
            "write 3 " + ShellScript.hex("hello"), "fstat 3", "link 3 {d}/a proc", "fstat 3", "stat {d}/a",
            "write 3 " + ShellScript.hex(" world"), "open {d}/a rdonly", "readall 4", "close 4",
            "link 3 {d}/a proc", "link 3 {d}/b empty", "stat {d}/b", "close 3",
            "open {d} tmpfile|wronly|excl 0600", "write 3 " + ShellScript.hex("x"), "link 3 {d}/c proc",
            "link 3 {d}/c empty", "close 3", "stat {d}/c",
            "open {d} tmpfile|rdwr 0600", "write 3 " + ShellScript.hex("gone"), "ftruncate 3 2", "fchmod 3 640",
            "fstat 3", "pread 3 0 10", "close 3");

    /**
     * Another user: the umask and a setgid directory give the file its mode and group, a
     * directory the user may not write refuses the open. A link by AT_EMPTY_PATH is the kernel's
     * to allow or not before the mount hears of it (Linux 6.10 lets the opener of the file make
     * it; before, it needed CAP_DAC_READ_SEARCH).
     */
    private static final List<String> AS_USER = List.of("umask 027", "open {d}/own tmpfile|rdwr 0666",
            "write 3 " + ShellScript.hex("mine"), "fstat 3", "link 3 {d}/own/empty empty", "link 3 {d}/own/a proc",
            "stat {d}/own/a", "close 3", "open {d}/setgid tmpfile|wronly 0640", "link 3 {d}/setgid/b proc",
            "close 3", "open {d}/readonly tmpfile|rdwr 0600", "stat {d}/readonly/a");

    /** Python's tempfile.TemporaryFile: O_TMPFILE when the directory has it, else a named file removed at once. */
    private static final String TEMPORARY_FILE = String.join("\n",
            "import os, sys, tempfile",
            "opened = []",
            "real_open = os.open",
            "def recording_open(path, flags, *rest, **named):",
            "    opened.append('tmpfile' if flags & os.O_TMPFILE == os.O_TMPFILE else 'named')",
            "    return real_open(path, flags, *rest, **named)",
            "os.open = recording_open",
            "with tempfile.TemporaryFile(dir=sys.argv[1]) as f:",
            "    f.write(b'x' * 300000)",
            "    f.seek(0)",
            "    print('read back', f.read() == b'x' * 300000, 'links', os.fstat(f.fileno()).st_nlink)",
            "print('opened', opened, 'names', sorted(os.listdir(sys.argv[1])))");

    @Test
    void anUnnamedFileAnswersAsInAPlainDirectory() throws IOException {
        try (MountedDir m = MountedDir.create("tmpfile"); BackingView backing = BackingView.of(m.dir())) {
            m.mountWith("kernel");
            List<String> inMount = ShellScript.run(m.dir(), AS_ROOT);
            assertThat(inMount).isEqualTo(ShellScript.run(m.scratch(), AS_ROOT));
            assertThat(inMount).contains("fstat 3 -> stat size=5 mode=644 nlink=0",
                    "readall 4 -> data 11 " + ShellScript.hex("hello world"),
                    "link 3 {d}/a proc -> err EEXIST File exists",
                    "link 3 {d}/c proc -> err ENOENT No such file or directory");
            assertThat(names(m.dir())).containsExactly("a", "b").isEqualTo(names(m.scratch()));
            assertThat(names(backing.dir())).containsExactly(".dxfs", "a", "b");
            assertThat(backing.stagedTempFiles()).isEmpty();
            assertThat(unnamedFilesLeft(m)).as("unnamed files the daemon holds").isEmpty();
        }
    }

    @Test
    void aUsersUnnamedFileAnswersAsInAPlainDirectory() throws IOException {
        try (AnotherUser as = AnotherUser.create("tmpfile-user")) {
            TestUsers.User user = as.user();
            Path plain = as.plain();
            for (Path dir : as.both()) {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
                Files.createDirectory(dir.resolve("readonly"));
                Run.of(List.of("chown", user.uid() + ":" + user.gid(), Files.createDirectory(dir.resolve("own")).toString()))
                        .ok();
                Path setgid = Files.createDirectory(dir.resolve("setgid"));
                Run.of(List.of("chown", user.uid() + ":0", setgid.toString())).ok();
                Run.of(List.of("chmod", "2755", setgid.toString())).ok();
            }
            List<String> inMount = as.runInBoth(AS_USER);
            assertThat(inMount).contains("fstat 3 -> stat size=4 mode=640 nlink=0",
                    "open {d}/readonly tmpfile|rdwr 0600 -> err EACCES Permission denied");
            for (String name : List.of("own/a", "setgid/b")) {
                assertThat(owner(as.mounted().resolve(name))).as(name).isEqualTo(owner(plain.resolve(name)));
            }
            assertThat(owner(as.mounted().resolve("setgid/b"))).isEqualTo(user.uid() + ":0");
        }
    }

    @Test
    void pythonsTemporaryFileLeavesNothingBehind() throws IOException {
        try (MountedDir m = MountedDir.create("tmpfile-python"); BackingView backing = BackingView.of(m.dir())) {
            Files.writeString(m.dir().resolve("kept"), "kept");
            Files.writeString(m.scratch().resolve("kept"), "kept");
            m.mountWith("kernel");
            List<String> before = names(backing.dir());
            String inMount = temporaryFile(m.dir());
            assertThat(inMount).isEqualTo(temporaryFile(m.scratch()))
                    .isEqualTo("read back True links 0\nopened ['tmpfile'] names ['kept']\n");
            assertThat(names(backing.dir())).isEqualTo(before);
            assertThat(backing.stagedTempFiles()).isEmpty();
            assertThat(unnamedFilesLeft(m)).as("unnamed files the daemon holds").isEmpty();
        }
    }

    @Test
    void libfuseRefusesUnnamedFiles() throws IOException {
        try (MountedDir m = MountedDir.create("tmpfile-libfuse").mountWith("libfuse"); FsShell shell = FsShell.start()) {
            assertThat(shell.error("open " + m.dir() + " tmpfile|rdwr 0600")).isEqualTo("EOPNOTSUPP");
            assertThat(names(m.dir())).isEmpty();
        }
    }

    /**
     * The unnamed files the daemon still holds once it has had a few seconds for the last
     * RELEASE and FORGET, which the kernel sends after the closes return.
     */
    private static List<Path> unnamedFilesLeft(MountedDir m) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        List<Path> left = BackingView.unnamedTempFiles(m.statusField("pid"));
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            Pause.of(20);
            left = BackingView.unnamedTempFiles(m.statusField("pid"));
        }
        return left;
    }

    private static String temporaryFile(Path dir) {
        return Run.of(List.of("python3", "-c", TEMPORARY_FILE, dir.toString())).ok().out();
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(path -> path.getFileName().toString()).sorted().toList();
        }
    }

    private static String owner(Path file) throws IOException {
        return Files.getAttribute(file, "unix:uid") + ":" + Files.getAttribute(file, "unix:gid");
    }
}
